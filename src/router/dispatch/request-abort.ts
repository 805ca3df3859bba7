// One client request's cancellation: the front door aborts it when the client goes away, the queue and the exchanges
// listen. The part of AbortSignal they use, without an EventTarget: an AbortController costs an EventTarget, an Event
// per abort and a listener record per addEventListener, on every proxied request, and almost none is ever aborted.
// No timers, no I/O.

/** What listens to a request's abort: a function or an object with `handleEvent` (no closure per listener). */
export type AbortListener = (() => void) | { handleEvent(): void }

/**
 * The part of AbortSignal the dispatcher and its exchanges use. An AbortSignal satisfies it; the front door hands
 * out a RequestAbort. 'abort' fires once, listeners in the order they were added; a listener removed before its turn
 * is not called, and one added after the abort never is.
 */
export interface RequestSignal {
  readonly aborted: boolean
  /** Why it aborted; undefined until then. */
  readonly reason: unknown
  addEventListener(type: 'abort', listener: AbortListener, options?: { readonly once?: boolean }): void
  removeEventListener(type: 'abort', listener: AbortListener): void
}

/** A request's abort controller and its signal in one object, with AbortController's semantics for both. */
export class RequestAbort implements RequestSignal {
  #aborted = false
  #reason: unknown
  // Slots emptied (undefined) while 'abort' is being delivered, so a removal cannot shift the ones still to call.
  // Made with its first listener, an array of one: a request has one listener at a time (its queue entry, then its
  // exchange), and an empty array's first push reserves seventeen slots.
  #listeners: Array<AbortListener | undefined> | undefined
  #delivering = false

  /** The signal side; the same object. */
  get signal(): RequestSignal {
    return this
  }

  get aborted(): boolean {
    return this.#aborted
  }

  get reason(): unknown {
    return this.#reason
  }

  // `options.once` needs nothing: 'abort' fires at most once, and every listener is dropped when it does.
  addEventListener(_type: 'abort', listener: AbortListener, _options?: { readonly once?: boolean }): void {
    if (this.#aborted) return
    const listeners = this.#listeners
    if (listeners === undefined) this.#listeners = [listener]
    else if (!listeners.includes(listener)) listeners.push(listener)
  }

  removeEventListener(_type: 'abort', listener: AbortListener): void {
    const listeners = this.#listeners
    if (listeners === undefined) return
    const index = listeners.indexOf(listener)
    if (index === -1) return
    if (this.#delivering) listeners[index] = undefined
    else listeners.splice(index, 1)
  }

  /**
   * Aborts once with `reason` (an AbortError DOMException when none is given, as AbortController does) and calls each
   * listener; later calls do nothing. A listener that throws is reported as an uncaught exception on the next tick,
   * as EventTarget does, and the others are still called.
   */
  abort(reason?: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason
    const listeners = this.#listeners ?? []
    this.#delivering = true
    for (let index = 0; index < listeners.length; index++) {
      const listener = listeners[index]
      if (listener === undefined) continue
      listeners[index] = undefined
      try {
        if (typeof listener === 'function') listener()
        else listener.handleEvent()
      } catch (error) {
        process.nextTick(() => {
          throw error
        })
      }
    }
    this.#delivering = false
    this.#listeners = undefined
  }
}
