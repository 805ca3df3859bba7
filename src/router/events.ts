// The router's domain events, in the spirit of undici's diagnostics_channel: pools, instances, the invoke gates, the
// dispatcher, the exchanges and the control server publish typed messages on named channels; metrics, logs, the
// dashboard windows, the recent errors and EMF subscribe (router/telemetry/). A channel nobody listens to costs one
// length check.
// No timers, and no I/O but the report of a subscriber that throws; one RouterEvents per router, so two routers in one
// process never hear each other.
import type { ExitReason } from '../protocol/index.js'
import type { AppStartFailedError, RouterError, TunnelOrderingError } from './errors.js'
import type { ChannelCloseReason } from './instances/channel.js'
import type { InstanceState } from './instances/instance-states.js'
import type { PoolSnapshot } from './pools/pool-snapshot.js'

/**
 * Hears a subscriber's exception, the first time that subscriber throws on `channel`; must not throw. The subscriber
 * keeps its subscription, and the other subscribers and the publisher go on as if it had returned.
 */
export type SubscriberErrorListener = (error: unknown, channel: string) => void

/**
 * One named stream of messages of one type. Subscribers run synchronously in subscription order, each isolated from
 * the others: one that throws is reported once (`onSubscriberError`), never to the publisher, which may be in the
 * middle of a request.
 */
export class EventChannel<T> {
  readonly name: string
  readonly #onSubscriberError: SubscriberErrorListener
  #subscribers: ReadonlyArray<(message: T) => void> = []
  #reported: Set<(message: T) => void> | undefined

  constructor(name = 'event', onSubscriberError: SubscriberErrorListener = warnOfSubscriberError) {
    this.name = name
    this.#onSubscriberError = onSubscriberError
  }

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

  /** Never throws: a subscriber's exception goes to `onSubscriberError`, once per subscriber. */
  publish(message: T): void {
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(message)
      } catch (error) {
        this.#onThrown(subscriber, error)
      }
    }
  }

  #onThrown(subscriber: (message: T) => void, error: unknown): void {
    this.#reported ??= new Set()
    if (this.#reported.has(subscriber)) return
    this.#reported.add(subscriber)
    this.#onSubscriberError(error, this.name)
  }
}

// Without a listener of its own, a channel reports through the process's warnings (stderr by default).
function warnOfSubscriberError(error: unknown, channel: string): void {
  process.emitWarning(`a subscriber of the ${channel} event threw, and is not reported again: ${String(error)}`, {
    type: 'LambdaDispatchSubscriberError',
  })
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

/** What a pool publishes about itself when it opens: its id, and how to read its state at any time until it closes. */
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

/**
 * The router ended a WebSocket's client side (its close frame, or the app's close relayed) and the client did not end
 * its own within WebSocketCloseTimeout: its connection (HTTP/1.1) or stream (HTTP/2) was cut off.
 */
export interface WebSocketCloseTimedOut extends RequestScoped {
  readonly lambdaId: string
  readonly waitedMs: number
}

/** Every channel of one router. Domain objects publish; router/telemetry/ subscribes. */
export class RouterEvents {
  #onSubscriberError: SubscriberErrorListener
  /** A pool started serving; gauges, health and the dashboard read it until `poolClosed`. */
  readonly poolOpened = this.#channel<PoolSource>('poolOpened')
  readonly poolClosed = this.#channel<PoolScoped>('poolClosed')
  readonly requestQueued = this.#channel<RequestQueued>('requestQueued')
  readonly requestRetried = this.#channel<RequestRetried>('requestRetried')
  readonly requestDispatched = this.#channel<RequestDispatched>('requestDispatched')
  readonly requestEnded = this.#channel<RequestEnded>('requestEnded')
  readonly requestBodyFailed = this.#channel<RequestBodyFailed>('requestBodyFailed')
  readonly exchangeBytes = this.#channel<ExchangeBytes>('exchangeBytes')
  readonly channelOpened = this.#channel<ChannelOpened>('channelOpened')
  readonly channelClosed = this.#channel<ChannelClosed>('channelClosed')
  readonly channelRefusedOverCap = this.#channel<ChannelRefusedOverCap>('channelRefusedOverCap')
  readonly controlAuthRefused = this.#channel<ControlAuthRefused>('controlAuthRefused')
  readonly instanceStateChanged = this.#channel<InstanceStateChanged>('instanceStateChanged')
  readonly instanceStartTimedOut = this.#channel<InstanceStartTimedOut>('instanceStartTimedOut')
  readonly instanceSlowToConnect = this.#channel<InstanceSlowToConnect>('instanceSlowToConnect')
  readonly instanceCloseRequested = this.#channel<InstanceCloseRequested>('instanceCloseRequested')
  readonly invokeStarted = this.#channel<InvokeStarted>('invokeStarted')
  readonly invokeRefused = this.#channel<InvokeRefused>('invokeRefused')
  readonly invokeReturned = this.#channel<InvokeReturned>('invokeReturned')
  readonly appStartFailed = this.#channel<AppStartFailed>('appStartFailed')
  readonly tunnelOrderingViolated = this.#channel<TunnelOrderingViolated>('tunnelOrderingViolated')
  readonly controlResponded = this.#channel<ControlResponded>('controlResponded')
  readonly http2Error = this.#channel<Http2ErrorSeen>('http2Error')
  readonly frontDoorRefused = this.#channel<FrontDoorRefused>('frontDoorRefused')
  readonly connectionDropped = this.#channel<ConnectionDropped>('connectionDropped')
  readonly webSocketHandshake = this.#channel<WebSocketHandshake>('webSocketHandshake')
  readonly webSocketClosed = this.#channel<WebSocketClosed>('webSocketClosed')
  readonly webSocketCloseTimedOut = this.#channel<WebSocketCloseTimedOut>('webSocketCloseTimedOut')

  /** `onSubscriberError` hears each subscriber that throws, once (the process's warnings by default). */
  constructor(options: { readonly onSubscriberError?: SubscriberErrorListener } = {}) {
    this.#onSubscriberError = options.onSubscriberError ?? warnOfSubscriberError
  }

  #channel<T>(name: string): EventChannel<T> {
    return new EventChannel<T>(name, (error, channel) => this.#onSubscriberError(error, channel))
  }
}
