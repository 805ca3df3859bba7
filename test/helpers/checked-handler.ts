// A decorator that wraps any ExchangeHandler and checks the contract of src/router/dispatch/exchange.ts (STYLE.md §5,
// undici's decorator-handler): onResponseStart at most once and before data, exactly one of onResponseEnd /
// onResponseError, nothing after it, and no method throws. `checkHandler(t)` fails the test by itself when any
// handler it made recorded a violation, checked after the test's cleanups, so a late call counts too.
import type { ExchangeController, ExchangeHandler } from '../../src/router/dispatch/exchange.js'
import type { RouterError } from '../../src/router/errors.js'
import { deferred } from './deferred.js'
import { type AfterHookTarget, teardown } from './teardown.js'

export type HandlerEvent =
  | { readonly kind: 'start'; readonly status: number; readonly headers: string[] }
  | { readonly kind: 'data'; readonly bytes: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly error: RouterError }

export class CheckedHandler implements ExchangeHandler {
  readonly events: HandlerEvent[] = []
  readonly violations: string[] = []
  readonly chunks: Buffer[] = []
  readonly #settled = deferred<'end' | 'error'>()
  /** Resolves with the terminal call's kind the first time one arrives. */
  readonly settled = this.#settled.promise
  readonly #inner: ExchangeHandler | undefined
  #started = false
  #terminal: 'end' | 'error' | undefined

  constructor(inner?: ExchangeHandler) {
    this.#inner = inner
  }

  /** The terminal call, once it happened. */
  get terminal(): 'end' | 'error' | undefined {
    return this.#terminal
  }

  /** Every body byte delivered, in order. */
  get body(): Buffer {
    return Buffer.concat(this.chunks)
  }

  onResponseStart(status: number, headers: string[], controller: ExchangeController): void {
    if (this.#terminal) this.violations.push(`onResponseStart after ${this.#terminal}`)
    if (this.#started) this.violations.push('onResponseStart called twice')
    this.#started = true
    this.events.push({ kind: 'start', status, headers: [...headers] })
    this.#call('onResponseStart', () => this.#inner?.onResponseStart(status, headers, controller))
  }

  onResponseData(chunk: Buffer): void {
    if (this.#terminal) this.violations.push(`onResponseData after ${this.#terminal}`)
    if (!this.#started) this.violations.push('onResponseData before onResponseStart')
    this.events.push({ kind: 'data', bytes: chunk.length })
    this.chunks.push(chunk)
    this.#call('onResponseData', () => this.#inner?.onResponseData(chunk))
  }

  onResponseEnd(): void {
    if (this.#terminal) this.violations.push(`onResponseEnd after ${this.#terminal}`)
    if (!this.#started) this.violations.push('onResponseEnd before onResponseStart')
    this.events.push({ kind: 'end' })
    this.#settle('end')
    this.#call('onResponseEnd', () => this.#inner?.onResponseEnd())
  }

  onResponseError(error: RouterError): void {
    if (this.#terminal) this.violations.push(`onResponseError after ${this.#terminal}`)
    this.events.push({ kind: 'error', error })
    this.#settle('error')
    this.#call('onResponseError', () => this.#inner?.onResponseError(error))
  }

  #settle(kind: 'end' | 'error'): void {
    if (this.#terminal) return
    this.#terminal = kind
    this.#settled.resolve(kind)
  }

  #call(method: string, invoke: () => void): void {
    try {
      invoke()
    } catch (error) {
      this.violations.push(`${method} threw: ${(error as Error).message}`)
    }
  }
}

/** Thrown after a test whose checked handlers broke the contract; names each handler's violations. */
export class HandlerContractError extends Error {
  constructor(readonly violations: readonly (readonly string[])[]) {
    super(
      `the exchange handler contract was broken: ${violations
        .map((list, index) => (list.length === 0 ? '' : `handler ${index + 1}: ${list.join(', ')}`))
        .filter(Boolean)
        .join('; ')}`,
    )
    this.name = 'HandlerContractError'
  }
}

// The handlers made for each test, checked by one hook per test.
const handlersOf = new WeakMap<AfterHookTarget, CheckedHandler[]>()

/**
 * Wraps `inner` (or nothing, to just record) in the contract checker. The test fails with HandlerContractError when
 * any handler made for `t` recorded a violation. The check is an `after` hook registered behind the test's teardown
 * stack, so it runs after every `teardown(t)` cleanup (and every `t.after` hook registered before the first handler):
 * a call that arrives while the router closes is still seen. Tests call this, not the constructor.
 */
export function checkHandler(t: AfterHookTarget, inner?: ExchangeHandler): CheckedHandler {
  const handler = new CheckedHandler(inner)
  let handlers = handlersOf.get(t)
  if (handlers === undefined) {
    const created: CheckedHandler[] = []
    handlersOf.set(t, created)
    handlers = created
    // The teardown stack's hook first (registered now if the test has none yet), then the check after it.
    teardown(t)
    t.after(() => assertNoViolations(created))
  }
  handlers.push(handler)
  return handler
}

/** Throws HandlerContractError when any of `handlers` recorded a violation. */
export function assertNoViolations(handlers: readonly CheckedHandler[]): void {
  if (handlers.every((handler) => handler.violations.length === 0)) return
  throw new HandlerContractError(handlers.map((handler) => [...handler.violations]))
}
