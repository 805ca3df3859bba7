// The idle close of one invoke (original-protocol.md §5): one lazy timer; activity only moves the last-active time,
// and the timer re-arms for the time still left (decideIdle in lifetime.ts decides). Owns its timer and its
// after-I/O recheck, both cleared by close(). Touches nothing else.
import { decideIdle } from './lifetime.js'

export interface IdleTimerOptions {
  /** How long nothing may happen, with nothing in flight, before the instance leaves. */
  readonly graceMs: number
  /** Requests in flight now; any keeps the instance. */
  readonly inFlight: () => number
  /** The grace passed with nothing in flight. Called at most once; must not throw. */
  readonly onIdle: () => void
}

export class IdleTimer {
  readonly #options: IdleTimerOptions
  #lastActiveAtMs = 0
  #timer: NodeJS.Timeout | undefined
  #recheck: NodeJS.Immediate | undefined
  #closed = false

  constructor(options: IdleTimerOptions) {
    this.#options = options
  }

  /** Something happened (a channel opened, a request started or ended): the grace starts again. */
  touch(): void {
    this.#lastActiveAtMs = performance.now()
    if (this.#timer === undefined && this.#recheck === undefined && !this.#closed) this.#arm(this.#options.graceMs)
  }

  /** Stops watching for good: the invoke is ending for another reason. */
  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    clearImmediate(this.#recheck)
    this.#recheck = undefined
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.#decide() !== 'close') return
      // Timers run before the event loop reads sockets. On a busy host this process may have slept past the grace
      // with requests already waiting in its sockets: decide again once they are read, so an instance the router is
      // feeding never leaves for idleness (issue 12 item 2).
      this.#recheck = setImmediate(() => {
        this.#recheck = undefined
        if (this.#decide() === 'close') this.#options.onIdle()
      })
    }, delayMs)
  }

  // Re-arms the timer for the time still left; says 'close' when the grace has passed with nothing in flight.
  #decide(): 'close' | 'stay' {
    if (this.#closed) return 'stay'
    const decision = decideIdle({
      nowMs: performance.now(),
      lastActiveAtMs: this.#lastActiveAtMs,
      inFlight: this.#options.inFlight(),
      graceMs: this.#options.graceMs,
    })
    if (decision.kind === 'wait' && this.#timer === undefined) this.#arm(decision.delayMs)
    return decision.kind === 'close' ? 'close' : 'stay'
  }
}
