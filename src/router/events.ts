// The router's domain events, in the spirit of undici's diagnostics_channel: pools, instances, the invoke gates, the
// dispatcher, the exchanges and the control server publish typed messages on named channels; metrics, logs, the dashboard windows,
// the recent errors and EMF subscribe (router/telemetry/). A channel nobody listens to costs one length check.
// No I/O, no timers; one RouterEvents per router, so two routers in one process never hear each other.
import type { ExitReason } from '../protocol/index.js'
import type { AppStartFailedError, RouterError, TunnelOrderingError } from './errors.js'
import type { ChannelCloseReason } from './instances/channel.js'
import type { InstanceState } from './instances/instance-states.js'
import type { PoolSnapshot } from './pools/pool-snapshot.js'

/** One named stream of messages of one type. Subscribers run synchronously in subscription order; they must not throw. */
export class EventChannel<T> {
  #subscribers: ReadonlyArray<(message: T) => void> = []

  /** Publishers may skip building a message nobody reads. */
  get hasSubscribers(): boolean {
    return this.#subscribers.length > 0
  }

  /** Returns the function that unsubscribes `listener` again. */
  subscribe(listener: (message: T) => void): () => void {
    this.#subscribers = [...this.#subscribers, listener]
    return () => {
      this.#subscribers = this.#subscribers.filter((subscriber) => subscriber !== listener)
    }
  }

  publish(message: T): void {
    for (const subscriber of this.#subscribers) subscriber(message)
  }
}

/** Result of one invoke, as a metric label. */
export type InvokeResult = 'completed' | 'function_error' | 'throttled' | 'failed' | 'aborted'

/** Which kind of HTTP/2 trouble the control channel saw. */
export type Http2ErrorKind =
  | 'session_error'
  | 'stream_error'
  | 'frame_error'
  | 'bad_preface'
  | 'tls_error'
  | 'goaway_received'

/** A control route as events label it. */
export type ControlRouteName = 'request' | 'ping' | 'close'

/** What a pool publishes about itself while it serves: how to read it now, and its function name. */
export interface PoolSource {
  readonly poolId: string
  snapshot(): PoolSnapshot
}

interface PoolScoped {
  readonly poolId: string
}

interface RequestScoped extends PoolScoped {
  readonly requestId: string
}

export interface RequestQueued extends RequestScoped {
  readonly queueLength: number
}

/** An instance refused the request unprocessed (REFUSED_STREAM: it is leaving); it is dispatched again. */
export interface RequestRetried extends RequestScoped {
  readonly lambdaId: string
  readonly channelId: string
  readonly attempt: number
}

/** A request was bound to a channel; `queuedMs` is undefined when it never waited. */
export interface RequestDispatched extends RequestScoped {
  readonly lambdaId: string
  readonly channelId: string
  readonly queuedMs: number | undefined
}

/**
 * How one request ended, exactly once: a relayed response (`completed`), or refused before it queued (`rejected`),
 * timed out in a phase, aborted by its client, dropped from the queue, or failed by the upstream.
 */
export type RequestEnd =
  | { readonly kind: 'completed'; readonly status: number; readonly durationMs: number }
  | { readonly kind: 'rejected'; readonly reason: 'queue-full' | 'no-capacity' | 'closing' | 'aborted' }
  | {
      readonly kind: 'timed-out'
      readonly phase: 'queue' | 'head' | 'body-idle' | 'request-body'
      readonly error: RouterError
    }
  | { readonly kind: 'aborted'; readonly phase: 'queued' | 'running' }
  | {
      readonly kind: 'dropped'
      readonly reason: 'no-capacity' | 'closing' | 'app-start-failed'
      readonly error: RouterError
    }
  | {
      readonly kind: 'failed'
      readonly failure: 'bad_upstream_head' | 'bad_upstream_framing' | 'upstream_closed' | 'tunnel_ordering'
      readonly error: RouterError
    }

export type RequestEnded = RequestScoped & RequestEnd

/** Body bytes one exchange moved, once when it ends (however it ends). */
export interface ExchangeBytes extends PoolScoped {
  readonly requestBodyBytes: number
  readonly responseBodyBytes: number
}

/** The client's request body failed while it was relayed (the exchange then ends as aborted). */
export interface RequestBodyFailed extends RequestScoped {
  readonly error: Error
}

export interface ChannelOpened extends PoolScoped {
  readonly lambdaId: string
  readonly channelId: string
}

export interface ChannelClosed extends ChannelOpened {
  readonly reason: ChannelCloseReason
}

/** A channel POST with a new channel id came for an instance that already holds `maxChannels` of them. */
export interface ChannelRefusedOverCap extends ChannelOpened {
  readonly maxChannels: number
}

/** A control request for a live instance was refused (403) for its channel token; `first` once per instance. */
export interface ControlAuthRefused extends PoolScoped {
  readonly lambdaId: string
  readonly route: ControlRouteName
  readonly reason: 'missing' | 'wrong'
  readonly first: boolean
}

/** `ageMs` is the instance's age at the transition: entering `open` from `starting` it is the connect-back time. */
export interface InstanceStateChanged extends PoolScoped {
  readonly lambdaId: string
  readonly from: InstanceState
  readonly to: InstanceState
  readonly ageMs: number
}

export interface InstanceStartTimedOut extends PoolScoped {
  readonly lambdaId: string
  readonly waitedMs: number
}

/** An instance did not connect back while others of its pool were connected: slow (a busy host), not broken. */
export interface InstanceSlowToConnect extends PoolScoped {
  readonly lambdaId: string
  readonly ageMs: number
}

/** The Lambda asked to close its instance; it retires after `waitMs` (0: at once), `replacing` it first. */
export interface InstanceCloseRequested extends PoolScoped {
  readonly lambdaId: string
  readonly replacing: boolean
  readonly waitMs: number
}

/** An invoke was sent: `instance` for an instance start, `pre_warm` for the init-only buddy. */
export interface InvokeStarted extends PoolScoped {
  readonly lambdaId: string
  readonly kind: 'instance' | 'pre_warm'
}

/** The invoke gate refused an instance start (a refused pre-warm is no event). */
export interface InvokeRefused extends PoolScoped {
  readonly reason: 'rate-limit' | 'backoff' | 'circuit-open'
  readonly retryInMs: number
}

/** One invoke returned (or was aborted); the exit reason comes from the WaiterResponse when there was one. */
export interface InvokeReturned extends PoolScoped {
  readonly lambdaId: string
  readonly result: InvokeResult
  readonly durationMs: number
  readonly exitReason?: ExitReason | undefined
  readonly functionError?: string | undefined
  readonly err?: unknown
}

/** The app failed in init (its invoke returned a function error before connecting back). */
export interface AppStartFailed extends PoolScoped {
  readonly lambdaId: string
  readonly error: AppStartFailedError
}

/** The ordering invariant's guard refused a write; the write did not happen. */
export interface TunnelOrderingViolated extends PoolScoped {
  readonly error: TunnelOrderingError
}

/** A control-channel request answered with something other than an accepted channel. */
export interface ControlResponded {
  readonly route: ControlRouteName | 'unknown'
  readonly status: number
  readonly detail: Readonly<Record<string, unknown>>
}

export interface Http2ErrorSeen {
  readonly kind: Http2ErrorKind
  readonly detail: Readonly<Record<string, unknown>>
}

/** The front door answered a request itself (400 reserved path, 403 name not allowed, 503 closing, …). */
export interface FrontDoorRefused {
  readonly status: number
  readonly code: string
}

/** The front door closed a client connection before reading a request from it. */
export interface ConnectionDropped {
  readonly reason: 'max-connections' | 'preface-timeout'
}

/** How a WebSocket handshake ended (issue 18); `refused` is any non-101 answer from the app. */
export type WebSocketHandshakeOutcome = 'accepted' | 'refused' | 'unsupported' | 'no-capacity' | 'closing' | 'failed'

/** Why an accepted WebSocket ended: a side closed it, the instance left, it sat idle, or something broke. */
export type WebSocketCloseReason = 'client' | 'app' | 'going-away' | 'idle' | 'error'

/** A WebSocket handshake reached the dispatcher and was answered. */
export interface WebSocketHandshake extends RequestScoped {
  readonly outcome: WebSocketHandshakeOutcome
}

/** An accepted WebSocket ended; bytes are the raw frames each way after the 101. */
export interface WebSocketClosed extends RequestScoped {
  readonly lambdaId: string
  readonly reason: WebSocketCloseReason
  readonly clientToAppBytes: number
  readonly appToClientBytes: number
  readonly durationMs: number
}

/** Every channel of one router. Domain objects publish; router/telemetry/ subscribes. */
export class RouterEvents {
  /** A pool started serving; gauges, health and the dashboard read it until `poolClosed`. */
  readonly poolOpened = new EventChannel<PoolSource>()
  readonly poolClosed = new EventChannel<PoolScoped>()
  readonly requestQueued = new EventChannel<RequestQueued>()
  readonly requestRetried = new EventChannel<RequestRetried>()
  readonly requestDispatched = new EventChannel<RequestDispatched>()
  readonly requestEnded = new EventChannel<RequestEnded>()
  readonly requestBodyFailed = new EventChannel<RequestBodyFailed>()
  readonly exchangeBytes = new EventChannel<ExchangeBytes>()
  readonly channelOpened = new EventChannel<ChannelOpened>()
  readonly channelClosed = new EventChannel<ChannelClosed>()
  readonly channelRefusedOverCap = new EventChannel<ChannelRefusedOverCap>()
  readonly controlAuthRefused = new EventChannel<ControlAuthRefused>()
  readonly instanceStateChanged = new EventChannel<InstanceStateChanged>()
  readonly instanceStartTimedOut = new EventChannel<InstanceStartTimedOut>()
  readonly instanceSlowToConnect = new EventChannel<InstanceSlowToConnect>()
  readonly instanceCloseRequested = new EventChannel<InstanceCloseRequested>()
  readonly invokeStarted = new EventChannel<InvokeStarted>()
  readonly invokeRefused = new EventChannel<InvokeRefused>()
  readonly invokeReturned = new EventChannel<InvokeReturned>()
  readonly appStartFailed = new EventChannel<AppStartFailed>()
  readonly tunnelOrderingViolated = new EventChannel<TunnelOrderingViolated>()
  readonly controlResponded = new EventChannel<ControlResponded>()
  readonly http2Error = new EventChannel<Http2ErrorSeen>()
  readonly frontDoorRefused = new EventChannel<FrontDoorRefused>()
  readonly connectionDropped = new EventChannel<ConnectionDropped>()
  readonly webSocketHandshake = new EventChannel<WebSocketHandshake>()
  readonly webSocketClosed = new EventChannel<WebSocketClosed>()
}
