// A pool's WebSocket handshakes (issue 18): each goes to a capable instance's parked channel, waits (bounded by the
// queue timeout, and in number by the queue limit) while a capable instance with room only lacks a channel, or is
// refused: 501 when no serving instance advertised the capability, 503 when none has room or too many wait. None takes MaxConcurrentCount capacity. Owns the open WebSocket
// exchanges (closing the pool sends each a close frame, 1001), the waiting handshakes and their one timer.
import {
  ClientAbortedError,
  RouterClosingError,
  type RouterError,
  WebSocketNoCapacityError,
  WebSocketUnsupportedError,
} from '../errors.js'
import type { RouterEvents } from '../events.js'
import type { InstanceRegistry } from '../instances/registry.js'
import type { DispatchRequest } from './exchange.js'
import type { ExchangeSettings } from './exchange-channel.js'
import { pickWebSocketInstance } from './pick.js'
import type { WebSocketClient } from './websocket-client.js'
import { WebSocketExchange } from './websocket-exchange.js'

export interface WebSocketDispatcherOptions {
  readonly poolId: string
  readonly registry: InstanceRegistry
  readonly exchange: ExchangeSettings
  readonly events: RouterEvents
  /** Longest a handshake waits for a capable channel, counted from `request.receivedAtMs`. */
  readonly queueTimeoutMs: number
  /** Most handshakes waiting at once (`QueueLimit`, counted apart from the request queue); beyond it: 503 at once. */
  readonly queueLimit: number
  /** A handshake found no room: the scaler should look again (refusedDemand grew). */
  readonly onNoCapacity: () => void
}

interface WaitingHandshake {
  readonly request: DispatchRequest
  readonly client: WebSocketClient
  readonly onAbort: () => void
}

type Rejection = 'unsupported' | 'no-capacity' | 'closing'

export class WebSocketDispatcher {
  readonly #options: WebSocketDispatcherOptions
  readonly #open = new Set<WebSocketExchange>()
  #waiting: WaitingHandshake[] = []
  #timer: NodeJS.Timeout | undefined
  #idleWaiters: Array<() => void> = []
  #refusedDemand = 0
  #closing = false

  constructor(options: WebSocketDispatcherOptions) {
    this.#options = options
  }

  /** WebSockets open or handshaking. */
  get count(): number {
    return this.#open.size
  }

  /**
   * Handshakes refused for want of room since the last clear: demand the pool's scaler counts, as it counts requests
   * refused with NoCapacityError, so a cold pool starts an instance for the client's retry.
   */
  get refusedDemand(): number {
    return this.#refusedDemand
  }

  clearRefusedDemand(): void {
    this.#refusedDemand = 0
  }

  /** Every outcome reaches `client`, exactly once; this never throws for a well-formed request. */
  dispatch(request: DispatchRequest, client: WebSocketClient): void {
    // Handshakes already waiting go first.
    if (this.#waiting.length > 0 || !this.#route(request, client)) this.#wait(request, client)
  }

  /** A channel parked: waiting handshakes take capable ones, oldest first. */
  drain(): void {
    while (this.#waiting.length > 0) {
      const next = this.#waiting[0] as WaitingHandshake
      if (!this.#route(next.request, next.client)) break
      this.#unwait(next)
    }
  }

  /** Refuse new handshakes and fail waiting ones; each open WebSocket gets a close frame (1001) at a frame boundary. */
  close(): void {
    this.#closing = true
    this.#failWaiting(() => new RouterClosingError())
    for (const exchange of [...this.#open]) exchange.goAway('going-away')
    this.#settleIdle()
  }

  /** The close grace ran out: end what is still open. */
  abandonAll(): void {
    this.#failWaiting(() => new RouterClosingError())
    for (const exchange of [...this.#open]) exchange.cancel(new RouterClosingError())
  }

  /** Resolves once no WebSocket is open and no handshake waits. */
  whenIdle(): Promise<void> {
    if (this.#open.size === 0 && this.#waiting.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  // Starts or refuses the handshake; false when it has to wait for a channel (nothing was done then).
  #route(request: DispatchRequest, client: WebSocketClient): boolean {
    const { poolId, registry, events } = this.#options
    const pick = pickWebSocketInstance(registry.values(), this.#closing)
    if (pick.kind === 'wait') return false
    if (pick.kind === 'instance') {
      const channel = pick.instance.takeWebSocketChannel()
      if (channel === undefined) throw new Error('BUG: a picked instance had no WebSocket channel')
      const exchange = new WebSocketExchange(channel, request, client, this.#options.exchange, this.#onDone)
      this.#open.add(exchange)
      exchange.start()
      return true
    }
    const { reason } = pick
    events.webSocketHandshake.publish({ poolId, requestId: request.requestId, outcome: reason })
    client.fail(this.#rejection(reason))
    if (reason === 'no-capacity') {
      this.#refusedDemand++
      this.#options.onNoCapacity()
    }
    return true
  }

  #wait(request: DispatchRequest, client: WebSocketClient): void {
    const { poolId, events, queueLimit } = this.#options
    // Bounded like the request queue (QueueLimit, counted apart): a burst beyond it is refused now, not left to time out.
    if (this.#waiting.length >= queueLimit) {
      events.webSocketHandshake.publish({ poolId, requestId: request.requestId, outcome: 'no-capacity' })
      client.fail(
        new WebSocketNoCapacityError(poolId, `${queueLimit} handshakes already wait for a channel (QueueLimit)`),
      )
      return
    }
    const entry: WaitingHandshake = {
      request,
      client,
      onAbort: () => {
        if (!this.#unwait(entry)) return
        client.fail(new ClientAbortedError(request.requestId))
      },
    }
    this.#waiting.push(entry)
    request.signal.addEventListener('abort', entry.onAbort)
    this.#armTimer()
  }

  #unwait(entry: WaitingHandshake): boolean {
    const index = this.#waiting.indexOf(entry)
    if (index === -1) return false
    this.#waiting.splice(index, 1)
    entry.request.signal.removeEventListener('abort', entry.onAbort)
    if (this.#waiting.length === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    this.#settleIdle()
    return true
  }

  #failWaiting(makeError: () => RouterError): void {
    for (const entry of [...this.#waiting]) {
      this.#unwait(entry)
      entry.client.fail(makeError())
    }
  }

  // One timer for the head of the list: entries are FIFO with one timeout, so the head expires first.
  #armTimer(): void {
    if (this.#timer !== undefined) return
    const head = this.#waiting[0]
    if (head === undefined) return
    const dueMs = head.request.receivedAtMs + this.#options.queueTimeoutMs
    this.#timer = setTimeout(this.#onTimer, Math.max(1, Math.ceil(dueMs - this.#options.exchange.now())))
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    const now = this.#options.exchange.now()
    for (const entry of [...this.#waiting]) {
      if (entry.request.receivedAtMs + this.#options.queueTimeoutMs > now) break
      this.#unwait(entry)
      const { poolId, events } = this.#options
      events.webSocketHandshake.publish({ poolId, requestId: entry.request.requestId, outcome: 'no-capacity' })
      entry.client.fail(new WebSocketNoCapacityError(poolId, 'no capable channel was parked within the queue timeout'))
    }
    this.#armTimer()
  }

  #rejection(reason: Rejection): RouterError {
    const { poolId } = this.#options
    switch (reason) {
      case 'closing':
        return new RouterClosingError()
      case 'unsupported':
        return new WebSocketUnsupportedError(poolId)
      case 'no-capacity':
        return new WebSocketNoCapacityError(poolId, 'every capable instance is full, or none is open yet')
      default: {
        const unreachable: never = reason
        throw new Error(`unknown WebSocket rejection ${String(unreachable)}`)
      }
    }
  }

  readonly #onDone = (exchange: WebSocketExchange): void => {
    this.#open.delete(exchange)
    this.#settleIdle()
  }

  #settleIdle(): void {
    if (this.#open.size > 0 || this.#waiting.length > 0 || this.#idleWaiters.length === 0) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}
