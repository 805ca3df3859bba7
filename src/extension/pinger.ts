// Pings the router every interval while an invoke runs (original-protocol.md §5) and reports each answer. The
// interval is its only timer, cleared by close(). Touches nothing but the send function it is given.

/** What a ping answer means for the invoke: keep going, go away (409), or stop (any other status). */
export type PingVerdict = 'ok' | 'goaway' | 'stop'

export function pingVerdict(status: number): PingVerdict {
  if (status === 200) return 'ok'
  if (status === 409) return 'goaway'
  return 'stop'
}

export interface PingerOptions {
  readonly intervalMs: number
  /** Sends one ping and resolves with the response status; rejects on transport failure or timeout. */
  readonly send: () => Promise<number>
  readonly onStatus: (status: number) => void
  readonly onError: (error: Error) => void
}

export class Pinger {
  readonly #options: PingerOptions
  #timer: NodeJS.Timeout | undefined
  #pending = false
  #closed = false

  constructor(options: PingerOptions) {
    this.#options = options
  }

  /** Starts the interval (once the first channel is open, like the original); later calls do nothing. */
  start(): void {
    if (this.#timer !== undefined || this.#closed) return
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs)
  }

  close(): void {
    this.#closed = true
    clearInterval(this.#timer)
  }

  #tick(): void {
    // A ping still waiting for its answer is not stacked with another one.
    if (this.#pending) return
    this.#pending = true
    this.#options.send().then(
      (status) => {
        this.#pending = false
        if (!this.#closed) this.#options.onStatus(status)
      },
      (error: Error) => {
        this.#pending = false
        if (!this.#closed) this.#options.onError(error)
      },
    )
  }
}
