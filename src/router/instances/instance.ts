// One Lambda invocation seen from the router: its state machine, its channels (parked, busy) and its two timers (start
// timeout, retire wait). Counts are derived from the channel sets. Touches only its own channels and timers.
import { constants as http2 } from 'node:http2'
import { shortId } from '../../common/index.js'
import type { RouterEvents } from '../events.js'
import type { Channel, ChannelCloseReason, ChannelOwner } from './channel.js'
import { canTransition, type InstanceSnapshot, type InstanceState, isDispatchable } from './instance-states.js'

/** What the pool hears from an instance. Called synchronously; must not throw. */
export interface InstanceHooks {
  /** After every transition, once the state's entry actions ran. */
  onStateChanged(instance: LambdaInstance, from: InstanceState, to: InstanceState): void
  /**
   * A channel was parked: a request may be dispatchable now. A busy channel that finishes is not reported here: its
   * exchange tells the dispatcher, after the client's handler had its final call (one route per event).
   */
  onChannelParked(instance: LambdaInstance): void
  /** The instance did not connect back within the start timeout; it already moved to `closing` and aborted its invoke. */
  onStartTimeout(instance: LambdaInstance): void
}

/** How many WebSockets an instance may carry, counted apart from `maxConcurrentCount`, and their scaler weight. */
export interface WebSocketLimits {
  readonly maxPerInstance: number
  /** What one open WebSocket weighs for the scaler, in requests. */
  readonly weight: number
}

export interface LambdaInstanceOptions {
  readonly poolId: string
  readonly lambdaId: string
  /** Most requests in flight at once; channels beyond it stay parked as hidden spares (original-router.md §2.4). */
  readonly maxConcurrentCount: number
  /** WebSockets it may carry and what each weighs for the scaler (issue 18); absent: none. */
  readonly webSockets?: WebSocketLimits
  /** Most distinct channel ids the instance may hold at once: the `NumberOfChannels` it was asked to open. */
  readonly maxChannels: number
  /** The per-invoke secret sent in its WaiterRequest (ChannelToken); every control request must present it. */
  readonly channelToken: string
  /** How long `starting` may last before the instance is failed; 0 disables the timer. */
  readonly instanceStartTimeoutMs: number
  readonly now: () => number
  /** Where the instance publishes its transitions and channel events. */
  readonly events: RouterEvents
  readonly hooks: InstanceHooks
}

/**
 * `outstanding` is the number of busy channels, `available` the channels a request may take now:
 * `min(max(maxConcurrentCount − outstanding, 0), parked)`, and 0 unless the instance is open or draining.
 */
export class LambdaInstance implements ChannelOwner {
  readonly poolId: string
  readonly lambdaId: string
  readonly createdAtMs: number
  /** The per-invoke secret; compared by the control server, never logged or shown. */
  readonly channelToken: string
  /** Its UTF-8 bytes, made once: every channel POST's token is compared with them. */
  readonly channelTokenBytes: Buffer
  readonly #maxConcurrentCount: number
  readonly #maxChannels: number
  readonly #maxWebSockets: number
  readonly #webSocketWeight: number
  readonly #startTimeoutMs: number
  readonly #now: () => number
  readonly #events: RouterEvents
  readonly #hooks: InstanceHooks
  readonly #parked = new Set<Channel>()
  readonly #busy = new Set<Channel>()
  // Busy channels that carry a WebSocket: also in #busy for the channel's own lifecycle, but never in `outstanding`.
  readonly #webSockets = new Set<Channel>()
  #advertisedWebSocket = false
  // The newest channel per channel id: the Rust extension reuses one id serially, so a newcomer replaces a parked one.
  readonly #byChannelId = new Map<string, Channel>()
  readonly #invoke = new AbortController()
  #retiredCallbacks: Array<() => void> = []
  #state: InstanceState = 'initial'
  #openedAtMs: number | undefined
  #startTimer: NodeJS.Timeout | undefined
  #retireTimer: NodeJS.Timeout | undefined
  #authRefusalSeen = false
  // A channel of this instance was refused (REFUSED_STREAM): its extension is leaving and refuses every channel it
  // holds, in one burst whose resets the router reads one by one. Until it parks a channel again, none of the channels
  // parked before is given a request, so a refused request is not sent into the next channel of the same burst.
  #refusing = false

  constructor(options: LambdaInstanceOptions) {
    this.poolId = options.poolId
    this.lambdaId = options.lambdaId
    this.#maxConcurrentCount = options.maxConcurrentCount
    this.#maxChannels = options.maxChannels
    this.#maxWebSockets = options.webSockets?.maxPerInstance ?? 0
    this.#webSocketWeight = options.webSockets?.weight ?? 0
    this.channelToken = options.channelToken
    this.channelTokenBytes = Buffer.from(options.channelToken)
    this.#startTimeoutMs = options.instanceStartTimeoutMs
    this.#now = options.now
    this.#events = options.events
    this.#hooks = options.hooks
    this.createdAtMs = options.now()
  }

  get state(): InstanceState {
    return this.#state
  }

  get ageMs(): number {
    return this.#now() - this.createdAtMs
  }

  get openedAtMs(): number | undefined {
    return this.#openedAtMs
  }

  get outstanding(): number {
    return this.#busy.size - this.#webSockets.size
  }

  /** WebSockets open on this instance; they hold channels but no `MaxConcurrentCount` capacity. */
  get webSocketCount(): number {
    return this.#webSockets.size
  }

  /**
   * What its WebSockets weigh for the scaler, in requests (`webSocketWeight` each): one socket keeps its instance
   * wanted (issue 18: an instance with open WebSockets is not idle), a full instance of them wants one instance.
   */
  get webSocketLoad(): number {
    return this.#webSockets.size * this.#webSocketWeight
  }

  /** Some channel of this invoke listed the WebSocket capability (our extension lists it on every POST). */
  get advertisesWebSocket(): boolean {
    return this.#advertisedWebSocket
  }

  /** Open, capable and below `maxWebSocketsPerInstance`: a socket fits once a capable channel is parked. */
  get hasWebSocketRoom(): boolean {
    return this.#state === 'open' && this.#advertisedWebSocket && this.#webSockets.size < this.#maxWebSockets
  }

  /** `hasWebSocketRoom`, with a parked capable channel now. */
  get canTakeWebSocket(): boolean {
    // A refusing instance keeps its room: a handshake waits for a channel parked after the refusal, or elsewhere.
    if (this.#refusing || !this.hasWebSocketRoom) return false
    for (const channel of this.#parked) if (channel.webSocket && channel.usable) return true
    return false
  }

  get parkedCount(): number {
    return this.#parked.size
  }

  get available(): number {
    if (this.#refusing || !isDispatchable(this.#state)) return 0
    return Math.min(Math.max(this.#maxConcurrentCount - this.outstanding, 0), this.#parked.size)
  }

  /** Aborted when the invoke should be given up (start timeout, pool close); passed to `Invoker.invoke`. */
  get invokeSignal(): AbortSignal {
    return this.#invoke.signal
  }

  abortInvoke(reason: unknown): void {
    this.#invoke.abort(reason)
  }

  /**
   * The one place the state changes (STYLE.md §4). Returns false, and changes nothing, unless the current state is in
   * `from` and the move is in the transition table. Runs `to`'s entry actions, then publishes it, then the pool's hook.
   */
  transition(from: readonly InstanceState[], to: InstanceState): boolean {
    const previous = this.#state
    if (!from.includes(previous) || !canTransition(previous, to)) return false
    this.#state = to
    switch (to) {
      case 'initial':
        break
      case 'starting':
        if (this.#startTimeoutMs > 0) this.#startTimer = setTimeout(this.#onStartTimer, this.#startTimeoutMs)
        break
      case 'open':
        this.#clearStartTimer()
        this.#openedAtMs = this.#now()
        break
      case 'draining':
        this.#clearStartTimer()
        this.#webSocketsLeave()
        break
      case 'closing':
      case 'closed':
        this.#clearStartTimer()
        this.#clearRetireTimer()
        this.#goawayParked()
        this.#webSocketsLeave()
        this.#flushRetired()
        break
      default: {
        const unreachable: never = to
        throw new Error(`unknown instance state ${String(unreachable)}`)
      }
    }
    this.#events.instanceStateChanged.publish({
      poolId: this.poolId,
      lambdaId: this.lambdaId,
      from: previous,
      to,
      ageMs: this.ageMs,
    })
    this.#hooks.onStateChanged(this, previous, to)
    return true
  }

  /**
   * Adopts a channel whose response HEADERS were sent. A parked channel with the same id is stale (the extension
   * runs one stream per channel id at a time) and is reset; a busy one finishes on its own. The first channel opens a
   * starting instance.
   */
  addChannel(channel: Channel): void {
    channel.attach(this)
    if (channel.webSocket) this.#advertisedWebSocket = true
    const previous = this.#byChannelId.get(channel.channelId)
    this.#byChannelId.set(channel.channelId, channel)
    if (previous !== undefined) previous.drop()
    this.#parked.add(channel)
    this.#refusing = false
    const opened = this.#events.channelOpened
    if (opened.hasSubscribers) {
      opened.publish({ poolId: this.poolId, lambdaId: this.lambdaId, channelId: channel.channelId })
    }
    if (this.#state === 'starting') this.transition(['starting'], 'open')
    this.#hooks.onChannelParked(this)
  }

  /**
   * Whether a channel POST with `channelId` fits: a known id (a re-POST) takes its own place again; a new one needs
   * a free place below `maxChannels`. Counted over distinct ids, parked and busy alike.
   */
  hasRoomForChannel(channelId: string): boolean {
    return this.#byChannelId.has(channelId) || this.#byChannelId.size < this.#maxChannels
  }

  /** True the first time a control request for this instance was refused for its token (to log it once). */
  noteAuthRefusal(): boolean {
    if (this.#authRefusalSeen) return false
    this.#authRefusalSeen = true
    return true
  }

  /** Claims a parked channel for one request, or undefined when none may be used now. */
  takeChannel(): Channel | undefined {
    while (this.available > 0) {
      const channel = this.#parked.values().next().value as Channel
      if (!channel.usable) {
        channel.lose()
        continue
      }
      this.#parked.delete(channel)
      this.#busy.add(channel)
      channel.claim()
      return channel
    }
    return undefined
  }

  /**
   * Claims a parked capable channel for a WebSocket, or undefined when `canTakeWebSocket` is false. The channel
   * leaves the parked set, so the extension's replacement POST keeps HTTP capacity whole.
   */
  takeWebSocketChannel(): Channel | undefined {
    if (!this.hasWebSocketRoom) return undefined
    for (const channel of [...this.#parked]) {
      if (!channel.webSocket) continue
      if (!channel.usable) {
        channel.lose()
        continue
      }
      this.#parked.delete(channel)
      this.#busy.add(channel)
      this.#webSockets.add(channel)
      channel.claim()
      return channel
    }
    return undefined
  }

  /** ChannelOwner: a channel left parked or busy for good. */
  onChannelClosed(channel: Channel, from: 'parked' | 'busy', reason: ChannelCloseReason): void {
    if (channel.stream.rstCode === http2.NGHTTP2_REFUSED_STREAM) this.#refusing = true
    if (from === 'parked') this.#parked.delete(channel)
    else {
      this.#busy.delete(channel)
      this.#webSockets.delete(channel)
    }
    if (this.#byChannelId.get(channel.channelId) === channel) this.#byChannelId.delete(channel.channelId)
    const closed = this.#events.channelClosed
    if (closed.hasSubscribers) {
      closed.publish({ poolId: this.poolId, lambdaId: this.lambdaId, channelId: channel.channelId, reason })
    }
  }

  /**
   * While draining: move to `closing` after `waitMs` (0: now). `retireNow()` cuts the wait short, e.g. when the
   * replacement opened. The timer is this instance's and is cleared on leaving `draining`.
   */
  scheduleRetire(waitMs: number): void {
    if (this.#state !== 'draining') return
    this.#clearRetireTimer()
    if (waitMs <= 0) this.transition(['draining'], 'closing')
    else this.#retireTimer = setTimeout(this.#onRetireTimer, waitMs)
  }

  retireNow(): void {
    this.transition(['draining'], 'closing')
  }

  /** Calls `callback` once the instance has left `draining` for `closing` or `closed` (at once if it already has). */
  onRetired(callback: () => void): void {
    if (this.#state === 'closing' || this.#state === 'closed') callback()
    else this.#retiredCallbacks.push(callback)
  }

  snapshot(): InstanceSnapshot {
    return {
      lambdaId: this.lambdaId,
      state: this.#state,
      ageMs: this.ageMs,
      outstanding: this.outstanding,
      parkedChannels: this.#parked.size,
      busyChannels: this.#busy.size,
      webSockets: this.#webSockets.size,
    }
  }

  #goawayParked(): void {
    if (this.#parked.size === 0) return
    for (const channel of [...this.#parked]) channel.goaway()
  }

  // The instance must leave: each WebSocket closes with 1001 so its client reconnects elsewhere (issue 18).
  #webSocketsLeave(): void {
    if (this.#webSockets.size === 0) return
    for (const channel of [...this.#webSockets]) channel.leave()
  }

  #flushRetired(): void {
    const callbacks = this.#retiredCallbacks
    this.#retiredCallbacks = []
    for (const callback of callbacks) callback()
  }

  #clearStartTimer(): void {
    if (this.#startTimer === undefined) return
    clearTimeout(this.#startTimer)
    this.#startTimer = undefined
  }

  #clearRetireTimer(): void {
    if (this.#retireTimer === undefined) return
    clearTimeout(this.#retireTimer)
    this.#retireTimer = undefined
  }

  readonly #onStartTimer = (): void => {
    this.#startTimer = undefined
    if (!this.transition(['starting'], 'closing')) return
    this.#events.instanceStartTimedOut.publish({
      poolId: this.poolId,
      lambdaId: this.lambdaId,
      waitedMs: this.#startTimeoutMs,
    })
    this.abortInvoke(new Error(`instance ${shortId(this.lambdaId)} did not connect within ${this.#startTimeoutMs} ms`))
    this.#hooks.onStartTimeout(this)
  }

  readonly #onRetireTimer = (): void => {
    this.#retireTimer = undefined
    this.transition(['draining'], 'closing')
  }
}
