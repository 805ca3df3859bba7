// What one WebSocket exchange reports (issue 18): its handshake's outcome, then, for an accepted socket, the bytes each
// way and how long it lived when it closes, and a client cut off for not closing its side. Counts in two fields per
// chunk and publishes on the router's events; no timers, no I/O.
import type { RouterEvents, WebSocketCloseReason, WebSocketHandshakeOutcome } from '../events.js'

export interface WebSocketTallySource {
  readonly poolId: string
  readonly lambdaId: string
  readonly requestId: string
  readonly events: RouterEvents
  readonly now: () => number
}

export class WebSocketTally {
  clientToAppBytes = 0
  appToClientBytes = 0
  readonly #source: WebSocketTallySource
  #openedAtMs = 0

  constructor(source: WebSocketTallySource) {
    this.#source = source
  }

  handshake(outcome: WebSocketHandshakeOutcome): void {
    const { poolId, requestId, events, now } = this.#source
    if (outcome === 'accepted') this.#openedAtMs = now()
    events.webSocketHandshake.publish({ poolId, requestId, outcome })
  }

  closed(reason: WebSocketCloseReason): void {
    const { poolId, lambdaId, requestId, events, now } = this.#source
    events.webSocketClosed.publish({
      poolId,
      requestId,
      lambdaId,
      reason,
      clientToAppBytes: this.clientToAppBytes,
      appToClientBytes: this.appToClientBytes,
      durationMs: now() - this.#openedAtMs,
    })
  }

  closeTimedOut(waitedMs: number): void {
    const { poolId, lambdaId, requestId, events } = this.#source
    events.webSocketCloseTimedOut.publish({ poolId, requestId, lambdaId, waitedMs })
  }
}
