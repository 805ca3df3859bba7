// Write coalescing for one stream: everything written during one event-loop turn leaves in one write. Owns at most
// one setImmediate, cleared by flush(). Domain-free: any writable with cork()/uncork().

/** The part of a Writable (or an HTTP response) a TurnCork uses. */
export interface Corkable {
  cork(): void
  uncork(): void
  readonly destroyed: boolean
}

/**
 * Node hands each write on a socket or an HTTP/2 stream to the kernel at once (one syscall, one DATA frame), and a
 * burst of incoming frames is delivered as separate callbacks, each followed by a microtask and nextTick checkpoint.
 * `hold()` corks the stream until the loop's check phase, after every callback of the current I/O poll has run, so
 * the burst goes out in one write. The delay is bounded by one loop turn: streamed bodies (SSE) still flow.
 */
export class TurnCork {
  readonly #stream: Corkable
  #pending: NodeJS.Immediate | undefined

  constructor(stream: Corkable) {
    this.#stream = stream
  }

  /** Call before writing: the first call in a turn corks the stream until this turn's check phase. */
  hold(): void {
    if (this.#pending !== undefined || this.#stream.destroyed) return
    this.#stream.cork()
    this.#pending = setImmediate(this.#release)
  }

  /** Uncorks now (before end() or a reset); leaves no timer. Safe to call at any time, any number of times. */
  flush(): void {
    if (this.#pending === undefined) return
    clearImmediate(this.#pending)
    this.#release()
  }

  readonly #release = (): void => {
    this.#pending = undefined
    if (!this.#stream.destroyed) this.#stream.uncork()
  }
}
