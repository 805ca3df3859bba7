// A promise with its resolve and reject in hand, for a test that settles it from an event handler elsewhere: the shape
// of Promise.withResolvers(), which Node 20 lacks.

/** A promise and the two functions that settle it. Settling twice keeps the first outcome, as a promise does. */
export interface Deferred<T> {
  readonly promise: Promise<T>
  resolve(value: T | PromiseLike<T>): void
  reject(reason?: unknown): void
}

/** A new pending promise with its settling functions (Promise.withResolvers from Node 22). */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T | PromiseLike<T>) => void
  let reject!: (reason?: unknown) => void
  const promise = new Promise<T>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise
    reject = rejectPromise
  })
  return { promise, resolve, reject }
}
