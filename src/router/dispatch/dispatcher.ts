// One pool's dispatcher: admit → pick a channel or queue → start the exchange; drain the queue whenever capacity
// appears: a channel parked or an instance opened (told by the pool), or an exchange finished (told by the exchange
// itself, after its client's handler had its final call). Event-driven: no polling, no background loop. Owns the
// queue, its one timeout timer and the running exchanges. The request lifecycle is drawn in docs/lifecycle.md.
import {
  type AppStartFailedError,
  ClientAbortedError,
  NoCapacityError,
  QueueFullError,
  QueueTimeoutError,
  RouterClosingError,
  type RouterError,
} from '../errors.js'
import type { RequestEnd, RouterEvents } from '../events.js'
import type { InstanceRegistry } from '../instances/registry.js'
import type { DispatchDecision, DispatchRequest, ExchangeHandler } from './exchange.js'
import type { ExchangeSettings } from './exchange-channel.js'
import { PendingQueue } from './pending-queue.js'
import { pickChannel, pickInstance } from './pick.js'
import { QueuedRequest, type QueueOwner } from './queued-request.js'
import { TunnelExchange } from './tunnel-exchange.js'
import { WebSocketDispatcher } from './websocket-dispatcher.js'

/** What the pool (its scaler) hears from the dispatcher. Called synchronously; must not throw. */
export interface DispatcherHooks {
  /** A request arrived (feeds the arrival rate). */
  onArrival(): void
  /** The queue or the running count changed: the scaler should look again. */
  onLoadChanged(): void
  /** A request completed after `durationMs` (feeds the duration average). */
  onCompleted(durationMs: number): void
}

export interface DispatcherOptions {
  readonly poolId: string
  /** Most requests waiting; beyond it a request is refused with QueueFullError (503 + Retry-After). */
  readonly queueLimit: number
  /** Longest wait for a channel, counted from `request.receivedAtMs`; then QueueTimeoutError. */
  readonly queueTimeoutMs: number
  readonly exchange: ExchangeSettings
  readonly registry: InstanceRegistry
  /** Where requests' queueing, dispatch and ends are published. */
  readonly events: RouterEvents
  readonly hooks: DispatcherHooks
}

/** Why the pool currently refuses to queue: the invoke breaker is open and nothing can serve. */
export interface NoCapacity {
  readonly why: string
  readonly retryAfterMs: number
  /** The app's start failure behind the open breaker: refusals carry it (502) instead of NoCapacityError (503). */
  readonly appStartFailure?: AppStartFailedError | undefined
}

/**
 * How many times one request may be refused unprocessed (REFUSED_STREAM from a leaving instance) and dispatched
 * again; the next refusal fails it as UpstreamClosedError. Each retry goes to another channel of a live instance.
 */
export const MAX_REFUSED_RETRIES = 3

/**
 * `dispatch(request, handler)` never throws for an accepted request: every later outcome reaches the handler exactly
 * once. Counts (queue length, running) are read from the queue and the instances, never mirrored.
 */
export class Dispatcher implements QueueOwner {
  readonly poolId: string
  readonly webSockets: WebSocketDispatcher
  readonly #queue: PendingQueue<QueuedRequest>
  readonly #queueTimeoutMs: number
  readonly #exchange: ExchangeSettings
  readonly #registry: InstanceRegistry
  readonly #events: RouterEvents
  readonly #hooks: DispatcherHooks
  readonly #running = new Set<TunnelExchange>()
  #idleWaiters: Array<() => void> = []
  #queueTimer: NodeJS.Timeout | undefined
  #noCapacity: NoCapacity | undefined
  #refusedDemand = 0
  #closing = false
  #draining = false
  #drainAgain = false

  constructor(options: DispatcherOptions) {
    this.poolId = options.poolId
    this.#queue = new PendingQueue(options.queueLimit)
    this.#queueTimeoutMs = options.queueTimeoutMs
    this.#exchange = options.exchange
    this.#registry = options.registry
    this.#events = options.events
    this.#hooks = options.hooks
    this.webSockets = new WebSocketDispatcher({ ...options, onNoCapacity: options.hooks.onLoadChanged })
  }

  get queueLength(): number {
    return this.#queue.length
  }

  /** Requests bound to a channel and not finished. */
  get runningCount(): number {
    return this.#running.size
  }

  get noCapacity(): NoCapacity | undefined {
    return this.#noCapacity
  }

  /**
   * Requests refused or dropped with NoCapacityError since the last `clearRefusedDemand()`. While nothing can serve,
   * requests are refused before they queue, so the queue says nothing about demand; the pool's scaler counts these
   * instead (issue 12: an open breaker otherwise hid every request from the scaler and the pool never probed).
   */
  get refusedDemand(): number {
    return this.#refusedDemand + this.webSockets.refusedDemand
  }

  /** An instance can serve again: refusals from before no longer stand for demand. */
  clearRefusedDemand(): void {
    this.#refusedDemand = 0
    this.webSockets.clearRefusedDemand()
  }

  get closing(): boolean {
    return this.#closing
  }

  /** Binds `request` to the least-outstanding instance's channel, queues it, or refuses it (reported to `handler`). */
  dispatch(request: DispatchRequest, handler: ExchangeHandler): DispatchDecision {
    this.#hooks.onArrival()
    if (request.signal.aborted) {
      this.#ended(request, { kind: 'rejected', reason: 'aborted' })
      handler.onResponseError(new ClientAbortedError(request.requestId))
      return { kind: 'rejected', reason: 'aborted' }
    }
    const pick = pickChannel(this.#registry.values(), {
      closing: this.#closing,
      noCapacity: this.#noCapacity !== undefined,
      queueLength: this.#queue.length,
      queueLimit: this.#queue.limit,
    })
    switch (pick.kind) {
      case 'channel': {
        const channel = pick.instance.takeChannel()
        if (channel === undefined) throw new Error('BUG: a picked instance had no usable channel')
        this.#dispatched(request, channel, undefined)
        this.#start(request, handler, channel, 0)
        return { kind: 'dispatched', lambdaId: channel.lambdaId, channelId: channel.channelId }
      }
      case 'queue': {
        const entry = new QueuedRequest(this, request, handler, request.receivedAtMs + this.#queueTimeoutMs)
        this.#queue.push(entry)
        request.signal.addEventListener('abort', entry)
        this.#armQueueTimer()
        this.#events.requestQueued.publish({
          poolId: this.poolId,
          requestId: request.requestId,
          queueLength: this.#queue.length,
        })
        this.#hooks.onLoadChanged()
        // Waiting requests go first; if capacity exists while others wait (it should not), serve them now.
        if (this.#queue.length > 1) this.drain()
        return { kind: 'queued', queueLength: this.#queue.length }
      }
      case 'reject': {
        if (pick.reason === 'no-capacity') this.#refusedDemand++
        this.#ended(request, { kind: 'rejected', reason: pick.reason })
        handler.onResponseError(this.#rejection(pick.reason))
        return { kind: 'rejected', reason: pick.reason }
      }
      default: {
        const unreachable: never = pick
        throw new Error(`unknown pick ${String(unreachable)}`)
      }
    }
  }

  /**
   * Capacity may have appeared: bind waiting handshakes, then waiting requests, to channels, oldest first. Re-entrant
   * calls (an exchange that fails at once frees its channel inside this loop) just ask the running loop to go again.
   */
  drain(): void {
    this.webSockets.drain()
    if (this.#queue.length === 0) return
    if (this.#draining) {
      this.#drainAgain = true
      return
    }
    this.#draining = true
    try {
      do {
        this.#drainAgain = false
        for (;;) {
          const entry = this.#queue.peek()
          if (entry === undefined) break
          const instance = pickInstance(this.#registry.values())
          if (instance === undefined) break
          const channel = instance.takeChannel()
          if (channel === undefined) break
          this.#unqueue(entry)
          const { request } = entry
          const queuedMs = this.#exchange.now() - request.receivedAtMs
          this.#dispatched(request, channel, queuedMs)
          this.#start(request, entry.handler, channel, entry.refusals)
        }
      } while (this.#drainAgain)
    } finally {
      this.#draining = false
    }
    this.#hooks.onLoadChanged()
    this.#checkIdle()
  }

  /**
   * The invoke breaker is open and no instance can serve (or that is over: undefined). While set, requests that find
   * no channel are refused with NoCapacityError, and the ones already waiting fail now instead of waiting out the
   * queue timeout.
   */
  setNoCapacity(state: NoCapacity | undefined): void {
    this.#noCapacity = state
    if (state === undefined) return
    this.#failQueued(() => this.#rejection('no-capacity'), 'no-capacity')
  }

  /**
   * The app failed to start and no instance can serve: the requests waiting now fail with `error` (502) instead of
   * waiting out the queue timeout for an instance that will not come. Later requests queue as usual.
   */
  failWaiting(error: AppStartFailedError): void {
    this.#failQueued(() => error, 'app-start-failed')
  }

  /** Stop admitting: new requests get RouterClosingError; waiting and running ones carry on; WebSockets get 1001. */
  close(): void {
    this.#closing = true
    this.webSockets.close()
  }

  /** Resolves once nothing waits and nothing runs, WebSockets included. */
  whenIdle(): Promise<void> {
    if (this.#queue.length === 0 && this.#running.size === 0) return this.webSockets.whenIdle()
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve)).then(() => this.webSockets.whenIdle())
  }

  /** The close grace ran out: fail what still waits and reset what still runs, with RouterClosingError. */
  abandonAll(): void {
    this.#failQueued(() => new RouterClosingError(), 'closing')
    for (const exchange of [...this.#running]) exchange.cancel(new RouterClosingError())
    this.webSockets.abandonAll()
    this.#clearQueueTimer()
  }

  /** A queued request's client went away (its abort signal): remove it; no invoke is made for it. */
  abandon(entry: QueuedRequest): void {
    if (!this.#unqueue(entry)) return
    this.#ended(entry.request, { kind: 'aborted', phase: 'queued' })
    entry.handler.onResponseError(new ClientAbortedError(entry.request.requestId))
    this.#hooks.onLoadChanged()
    this.#checkIdle()
  }

  #start(
    request: DispatchRequest,
    handler: ExchangeHandler,
    channel: TunnelExchange['channel'],
    refusals: number,
  ): void {
    const onDone = this.#onExchangeDone
    const retry = refusals < MAX_REFUSED_RETRIES ? this.#onRefused : undefined
    const exchange = new TunnelExchange(channel, request, handler, this.#exchange, onDone, retry, refusals)
    this.#running.add(exchange)
    exchange.start()
  }

  // A leaving instance refused the request before any of it reached the app: it waits again, first in line (its
  // queue deadline still counts from front-door acceptance), and goes to the next free channel.
  readonly #onRefused = (refused: TunnelExchange): void => {
    this.#running.delete(refused)
    const { request, channel, handler } = refused
    const refusals = refused.refusals + 1
    this.#events.requestRetried.publish({
      poolId: this.poolId,
      requestId: request.requestId,
      lambdaId: channel.lambdaId,
      channelId: channel.channelId,
      attempt: refusals,
    })
    const entry = new QueuedRequest(this, request, handler, request.receivedAtMs + this.#queueTimeoutMs, refusals)
    this.#queue.unshift(entry)
    request.signal.addEventListener('abort', entry)
    // The timer follows the oldest deadline, and this one may be older than the one it was armed for.
    this.#clearQueueTimer()
    this.#armQueueTimer()
    this.#hooks.onLoadChanged()
    this.drain()
  }

  // The one route by which a finished exchange's capacity comes back: called after its handler's final call
  // (onResponseEnd or onResponseError), so the next request starts only once that client has heard its end.
  readonly #onExchangeDone = (exchange: TunnelExchange): void => {
    this.#running.delete(exchange)
    this.#hooks.onCompleted(this.#exchange.now() - exchange.request.receivedAtMs)
    this.drain()
    this.#checkIdle()
  }

  #unqueue(entry: QueuedRequest): boolean {
    if (!this.#queue.remove(entry)) return false
    entry.request.signal.removeEventListener('abort', entry)
    if (this.#queue.length === 0) this.#clearQueueTimer()
    return true
  }

  #failQueued(makeError: () => RouterError, reason: 'no-capacity' | 'closing' | 'app-start-failed'): void {
    if (this.#queue.length === 0) return
    for (let entry = this.#queue.peek(); entry !== undefined; entry = this.#queue.peek()) {
      this.#unqueue(entry)
      const error = makeError()
      if (reason === 'no-capacity') this.#refusedDemand++
      this.#ended(entry.request, { kind: 'dropped', reason, error })
      entry.handler.onResponseError(error)
    }
    this.#hooks.onLoadChanged()
    this.#checkIdle()
  }

  #rejection(reason: 'queue-full' | 'no-capacity' | 'closing'): RouterError {
    switch (reason) {
      case 'queue-full':
        return new QueueFullError(this.poolId, this.#queue.limit)
      case 'no-capacity': {
        const state = this.#noCapacity
        if (state?.appStartFailure !== undefined) return state.appStartFailure
        return new NoCapacityError(this.poolId, state?.why ?? 'no instance can serve', state?.retryAfterMs ?? 1000)
      }
      case 'closing':
        return new RouterClosingError()
      default: {
        const unreachable: never = reason
        throw new Error(`unknown rejection ${String(unreachable)}`)
      }
    }
  }

  // One timer for the whole queue, armed for the oldest entry's deadline: entries are FIFO with one timeout, so the
  // head always expires first. It is lazy: removing the head leaves it armed; firing early just re-arms.
  #armQueueTimer(): void {
    if (this.#queueTimer !== undefined) return
    const head = this.#queue.peek()
    if (head === undefined) return
    const delayMs = Math.max(1, Math.ceil(head.deadlineMs - this.#exchange.now()))
    this.#queueTimer = setTimeout(this.#onQueueTimer, delayMs)
  }

  #clearQueueTimer(): void {
    if (this.#queueTimer === undefined) return
    clearTimeout(this.#queueTimer)
    this.#queueTimer = undefined
  }

  readonly #onQueueTimer = (): void => {
    this.#queueTimer = undefined
    const now = this.#exchange.now()
    let expired = false
    for (let entry = this.#queue.peek(); entry !== undefined && entry.deadlineMs <= now; entry = this.#queue.peek()) {
      this.#unqueue(entry)
      expired = true
      const waitedMs = Math.round(now - entry.request.receivedAtMs)
      const error = new QueueTimeoutError(this.poolId, waitedMs)
      this.#ended(entry.request, { kind: 'timed-out', phase: 'queue', error })
      entry.handler.onResponseError(error)
    }
    this.#armQueueTimer()
    if (expired) {
      this.#hooks.onLoadChanged()
      this.#checkIdle()
    }
  }

  #dispatched(request: DispatchRequest, channel: TunnelExchange['channel'], queuedMs: number | undefined): void {
    const { lambdaId, channelId } = channel
    this.#events.requestDispatched.publish({
      poolId: this.poolId,
      requestId: request.requestId,
      lambdaId,
      channelId,
      queuedMs,
    })
  }

  #ended(request: DispatchRequest, end: RequestEnd): void {
    this.#events.requestEnded.publish({ poolId: this.poolId, requestId: request.requestId, ...end })
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || this.#queue.length > 0 || this.#running.size > 0) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}
