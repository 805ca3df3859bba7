// One request waiting in a pool's queue: its handler, its deadline and how often a leaving instance refused it.
// Carries its own queue links (no allocation per enqueue) and listens to its request's abort signal. No timers.
import type { DispatchRequest, ExchangeHandler } from './exchange.js'
import type { QueueLinks } from './pending-queue.js'

/** Who removes an entry whose client went away: the dispatcher that queued it. */
export interface QueueOwner {
  abandon(entry: QueuedRequest): void
}

/** A request waiting for a channel. Listens to its own abort signal (handleEvent: no closure per request). */
export class QueuedRequest implements QueueLinks<QueuedRequest> {
  prev: QueuedRequest | undefined
  next: QueuedRequest | undefined
  queued = false
  readonly request: DispatchRequest
  readonly handler: ExchangeHandler
  readonly deadlineMs: number
  /** Times an instance refused this request unprocessed so far. */
  readonly refusals: number
  readonly #owner: QueueOwner

  constructor(owner: QueueOwner, request: DispatchRequest, handler: ExchangeHandler, deadlineMs: number, refusals = 0) {
    this.#owner = owner
    this.refusals = refusals
    this.request = request
    this.handler = handler
    this.deadlineMs = deadlineMs
  }

  handleEvent(): void {
    this.#owner.abandon(this)
  }
}
