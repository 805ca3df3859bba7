// The router's telemetry: one method per domain event, each writing its log line, bumping its metric and feeding the
// pool's rolling window (dashboard charts, EMF minutes) in one place. Metrics live on the prom-client Registry passed
// in (never the global one); gauges are read from pool snapshots and windows at scrape time through collect(), so no
// count is mirrored here. Recent errors are kept in a bounded list for the dashboard.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { type Logger, shortId } from '../common/index.js'
import type { ExitReason } from '../protocol/index.js'
import { EmfPublisher } from './emf.js'
import type { AppStartFailedError, RouterError, TunnelOrderingError } from './errors.js'
import type { InstanceState } from './instances/instance-states.js'
import type { BreakerState } from './invoke/circuit-breaker.js'
import { RollingWindow, totalsOf } from './metrics-window.js'

/** What a pool shows to metrics, health and the dashboard. Built on demand; nothing in it is a mirrored counter. */
export interface PoolSnapshot {
  readonly poolId: string
  readonly functionName: string
  readonly closing: boolean
  readonly queueLength: number
  readonly runningRequests: number
  /** Instances the scaler wants now. */
  readonly desiredInstances: number
  /** The invoke circuit breaker: `open` refuses invokes, `half-open` lets one probe through. */
  readonly breakerState: BreakerState
  /** Set while the pool refuses work because the invoke breaker is open and no instance can serve. */
  readonly noCapacity: { readonly why: string; readonly retryAfterMs: number } | undefined
  readonly instances: readonly InstanceSnapshot[]
}

export interface InstanceSnapshot {
  readonly lambdaId: string
  readonly state: InstanceState
  readonly ageMs: number
  readonly outstanding: number
  readonly parkedChannels: number
  readonly busyChannels: number
}

/**
 * How one client request ended, as a metric label. Each request ends exactly once: a response from the app by its
 * status class, or the kind of gateway failure, timeout or abort.
 */
export type RequestOutcome =
  | StatusClass
  | 'queue_full'
  | 'no_capacity'
  | 'closing'
  | 'queue_timeout'
  | 'head_timeout'
  | 'body_idle_timeout'
  | 'request_body_timeout'
  | 'aborted_queued'
  | 'aborted_running'
  | 'bad_upstream_head'
  | 'bad_upstream_framing'
  | 'upstream_closed'
  | 'tunnel_ordering'
  | 'app_start_failed'

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx'

const STATUS_CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx']

/** The class label of an HTTP status (anything outside 100–599 is clamped to the nearest class). */
export function statusClassOf(status: number): StatusClass {
  const index = Math.min(Math.max(Math.floor(status / 100) - 1, 0), 4)
  return STATUS_CLASSES[index] as StatusClass
}

/** Why a channel stream stopped being usable. */
export type ChannelCloseReason = 'used' | 'goaway' | 'lost' | 'replaced'

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

/** One entry of the dashboard's recent-errors list. */
export interface RecentError {
  /** Wall-clock epoch ms. */
  readonly timeMs: number
  /** The LD_… code of the error, or a short kind for failures without one (`invoke_failed`, `http2_session_error`). */
  readonly code: string
  /** The pool, or undefined for router-wide trouble (control-channel HTTP/2). */
  readonly poolId: string | undefined
  readonly message: string
  readonly requestId?: string | undefined
  readonly lambdaId?: string | undefined
}

export interface RouterTelemetryOptions {
  readonly registry: Registry
  readonly logger: Logger
  /** Wall clock (epoch ms) for the rolling windows, recent errors and EMF minutes; Date.now by default. */
  readonly now?: () => number
  /** Set to write CloudWatch EMF documents (CloudWatchMetricsEnabled); each call gets one whole line. */
  readonly emf?: { readonly write: (line: string) => void }
  /** How many recent errors the dashboard keeps (default 50). */
  readonly recentErrorLimit?: number
}

const INSTANCE_STATES: readonly InstanceState[] = ['initial', 'starting', 'open', 'draining', 'closing', 'closed']
const DEFAULT_RECENT_ERROR_LIMIT = 50
const INVOKES_PER_MINUTE_SECONDS = 60

// Gateway outcomes a client saw as a 5xx: they count as errors in the charts (aborts do not: the client left).
const ERROR_OUTCOMES: ReadonlySet<RequestOutcome> = new Set<RequestOutcome>([
  '5xx',
  'queue_full',
  'no_capacity',
  'closing',
  'queue_timeout',
  'head_timeout',
  'body_idle_timeout',
  'bad_upstream_head',
  'bad_upstream_framing',
  'upstream_closed',
  'tunnel_ordering',
  'app_start_failed',
])

// The outcome of each phase's timeout. A request body that came too slowly (408) is the client's fault, not an error.
const TIMEOUT_OUTCOMES = {
  queue: 'queue_timeout',
  head: 'head_timeout',
  'body-idle': 'body_idle_timeout',
  'request-body': 'request_body_timeout',
} as const satisfies Record<string, RequestOutcome>

interface PoolSource {
  readonly snapshot: () => PoolSnapshot
  readonly window: RollingWindow
}

/** Router-wide telemetry: owns the metric families; `forPool` hands out per-pool views with bound labels. */
export class RouterTelemetry {
  readonly logger: Logger
  readonly now: () => number
  readonly #sources = new Map<string, PoolSource>()
  readonly #windows = new Map<string, RollingWindow>()
  readonly #recentErrors: RecentError[] = []
  readonly #recentErrorLimit: number
  readonly #errorListeners = new Set<(error: RecentError) => void>()
  readonly emf: EmfPublisher | undefined
  readonly requests: Counter<'pool' | 'outcome'>
  readonly requestsQueued: Counter<'pool'>
  readonly requestsRetried: Counter<'pool'>
  readonly requestDuration: Histogram<'pool'>
  readonly queueWait: Histogram<'pool'>
  readonly requestBodyBytes: Counter<'pool'>
  readonly responseBodyBytes: Counter<'pool'>
  readonly frontDoorRefusals: Counter<'status' | 'code'>
  readonly connectionsDropped: Counter<'reason'>
  readonly channelsOpened: Counter<'pool'>
  readonly channelsClosed: Counter<'pool' | 'reason'>
  readonly controlResponses: Counter<'route' | 'status'>
  readonly controlAuthRefusals: Counter<'route' | 'reason'>
  readonly channelsRefused: Counter<'pool' | 'reason'>
  readonly instanceTransitions: Counter<'pool' | 'to'>
  readonly instanceStartTimeouts: Counter<'pool'>
  readonly instanceConnect: Histogram<'pool'>
  readonly invokesStarted: Counter<'pool' | 'kind'>
  readonly invokes: Counter<'pool' | 'result'>
  readonly invokeExitReasons: Counter<'pool' | 'reason'>
  readonly invokeRefusals: Counter<'pool' | 'reason'>
  readonly orderingViolations: Counter<'pool'>
  readonly http2Errors: Counter<'kind'>

  constructor(options: RouterTelemetryOptions) {
    this.logger = options.logger
    this.now = options.now ?? Date.now
    this.#recentErrorLimit = options.recentErrorLimit ?? DEFAULT_RECENT_ERROR_LIMIT
    const registers = [options.registry]
    const sources = this.#sources
    this.requests = new Counter({
      name: 'lambda_dispatch_router_requests_total',
      help: 'Client requests dispatched to a pool, by how they ended: the app response status class, or the gateway failure, timeout or abort',
      labelNames: ['pool', 'outcome'],
      registers,
    })
    this.requestsQueued = new Counter({
      name: 'lambda_dispatch_router_requests_queued_total',
      help: 'Client requests that had to wait in the pool queue',
      labelNames: ['pool'],
      registers,
    })
    this.requestsRetried = new Counter({
      name: 'lambda_dispatch_router_requests_retried_total',
      help: 'Client requests an instance refused unprocessed (REFUSED_STREAM before any of it reached the app) and that were dispatched again',
      labelNames: ['pool'],
      registers,
    })
    this.requestDuration = new Histogram({
      name: 'lambda_dispatch_router_request_duration_seconds',
      help: 'Time from front-door acceptance to the end of a completed response',
      labelNames: ['pool'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    })
    this.queueWait = new Histogram({
      name: 'lambda_dispatch_router_queue_wait_seconds',
      help: 'Time queued requests waited for a channel',
      labelNames: ['pool'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    })
    this.requestBodyBytes = new Counter({
      name: 'lambda_dispatch_router_request_body_bytes_total',
      help: 'Client request body bytes written into channels (in)',
      labelNames: ['pool'],
      registers,
    })
    this.responseBodyBytes = new Counter({
      name: 'lambda_dispatch_router_response_body_bytes_total',
      help: 'Response body bytes relayed from channels to clients (out)',
      labelNames: ['pool'],
      registers,
    })
    this.frontDoorRefusals = new Counter({
      name: 'lambda_dispatch_router_front_door_refusals_total',
      help: 'Requests the front door answered itself before any pool (reserved path, name not allowed, closing)',
      labelNames: ['status', 'code'],
      registers,
    })
    this.connectionsDropped = new Counter({
      name: 'lambda_dispatch_router_connections_dropped_total',
      help: 'Client connections closed before a request was read: over MaxConnections, or silent past ClientPrefaceTimeout',
      labelNames: ['reason'],
      registers,
    })
    this.channelsOpened = new Counter({
      name: 'lambda_dispatch_router_channels_opened_total',
      help: 'Channel streams accepted (HEADERS sent, then published)',
      labelNames: ['pool'],
      registers,
    })
    this.channelsClosed = new Counter({
      name: 'lambda_dispatch_router_channels_closed_total',
      help: 'Channel streams retired, by reason',
      labelNames: ['pool', 'reason'],
      registers,
    })
    this.controlResponses = new Counter({
      name: 'lambda_dispatch_router_control_responses_total',
      help: 'Control-channel answers other than an accepted channel, by route and status',
      labelNames: ['route', 'status'],
      registers,
    })
    this.controlAuthRefusals = new Counter({
      name: 'lambda_dispatch_router_control_auth_refusals_total',
      help: 'Control requests for a live instance refused with 403 for a missing or wrong channel token, by route',
      labelNames: ['route', 'reason'],
      registers,
    })
    this.channelsRefused = new Counter({
      name: 'lambda_dispatch_router_channels_refused_total',
      help: 'Channel POSTs refused for a live instance: over_cap is a new channel id beyond its NumberOfChannels',
      labelNames: ['pool', 'reason'],
      registers,
    })
    this.instanceTransitions = new Counter({
      name: 'lambda_dispatch_router_instance_transitions_total',
      help: 'Instance state transitions, by the state entered',
      labelNames: ['pool', 'to'],
      registers,
    })
    this.instanceStartTimeouts = new Counter({
      name: 'lambda_dispatch_router_instance_start_timeouts_total',
      help: 'Instances that did not connect back within the start timeout',
      labelNames: ['pool'],
      registers,
    })
    this.instanceConnect = new Histogram({
      name: 'lambda_dispatch_router_instance_connect_seconds',
      help: 'Cold start as the router sees it: from the invoke to the instance first channel (connect-back)',
      labelNames: ['pool'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    })
    this.invokesStarted = new Counter({
      name: 'lambda_dispatch_router_invokes_started_total',
      help: 'Lambda invokes sent: one per instance started, plus init-only pre-warm invokes',
      labelNames: ['pool', 'kind'],
      registers,
    })
    this.invokes = new Counter({
      name: 'lambda_dispatch_router_invokes_total',
      help: 'Lambda invokes that returned, by result',
      labelNames: ['pool', 'result'],
      registers,
    })
    this.invokeExitReasons = new Counter({
      name: 'lambda_dispatch_router_invoke_exit_reasons_total',
      help: 'ExitReason reported by returned invokes',
      labelNames: ['pool', 'reason'],
      registers,
    })
    this.invokeRefusals = new Counter({
      name: 'lambda_dispatch_router_invoke_refusals_total',
      help: 'Instance starts the invoke gate refused, by reason',
      labelNames: ['pool', 'reason'],
      registers,
    })
    this.orderingViolations = new Counter({
      name: 'lambda_dispatch_router_tunnel_ordering_violations_total',
      help: 'Writes of tunnel DATA refused because the channel response HEADERS were not sent',
      labelNames: ['pool'],
      registers,
    })
    this.http2Errors = new Counter({
      name: 'lambda_dispatch_router_http2_errors_total',
      help: 'HTTP/2 session, stream and protocol errors on the control channel',
      labelNames: ['kind'],
      registers,
    })
    new Gauge({
      name: 'lambda_dispatch_router_pool_queue_length',
      help: 'Requests waiting in the pool queue',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset()
        for (const [poolId, source] of sources) this.set({ pool: poolId }, source.snapshot().queueLength)
      },
    })
    new Gauge({
      name: 'lambda_dispatch_router_pool_running_requests',
      help: 'Requests in flight on a channel',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset()
        for (const [poolId, source] of sources) this.set({ pool: poolId }, source.snapshot().runningRequests)
      },
    })
    new Gauge({
      name: 'lambda_dispatch_router_pool_desired_instances',
      help: 'Instances the scaler wants for the pool now',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset()
        for (const [poolId, source] of sources) this.set({ pool: poolId }, source.snapshot().desiredInstances)
      },
    })
    new Gauge({
      name: 'lambda_dispatch_router_pool_instances',
      help: 'Instances of the pool, by state',
      labelNames: ['pool', 'state'],
      registers,
      collect() {
        this.reset()
        for (const [poolId, source] of sources) {
          const counts = new Map<InstanceState, number>(INSTANCE_STATES.map((state) => [state, 0]))
          for (const instance of source.snapshot().instances) {
            counts.set(instance.state, (counts.get(instance.state) ?? 0) + 1)
          }
          for (const [state, count] of counts) this.set({ pool: poolId, state }, count)
        }
      },
    })
    new Gauge({
      name: 'lambda_dispatch_router_pool_channels',
      help: 'Channel streams of the pool, parked (idle) or busy',
      labelNames: ['pool', 'state'],
      registers,
      collect() {
        this.reset()
        for (const [poolId, source] of sources) {
          let parked = 0
          let busy = 0
          for (const instance of source.snapshot().instances) {
            parked += instance.parkedChannels
            busy += instance.busyChannels
          }
          this.set({ pool: poolId, state: 'parked' }, parked)
          this.set({ pool: poolId, state: 'busy' }, busy)
        }
      },
    })
    new Gauge({
      name: 'lambda_dispatch_router_invokes_per_minute',
      help: 'Invokes sent in the last 60 seconds (rolling window)',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset()
        for (const [poolId, source] of sources) {
          const second = source.window.currentSecond()
          const totals = totalsOf([source.window], second - INVOKES_PER_MINUTE_SECONDS + 1, second)
          this.set({ pool: poolId }, totals.invokes)
        }
      },
    })
    this.emf =
      options.emf === undefined
        ? undefined
        : new EmfPublisher({ write: options.emf.write, now: this.now, pools: () => this.#emfPools() })
  }

  /** A per-pool view with its label children bound once, so hot-path events build no label objects. */
  forPool(poolId: string): PoolTelemetry {
    return new PoolTelemetry(this, poolId, this.windowFor(poolId))
  }

  /** The pool's rolling window (requests, latency, invokes per second); made on first use, kept for the router's life. */
  windowFor(poolId: string): RollingWindow {
    let window = this.#windows.get(poolId)
    if (window === undefined) {
      window = new RollingWindow({ now: this.now })
      this.#windows.set(poolId, window)
    }
    return window
  }

  /** Makes a pool's gauges visible at scrape time; returns the function that removes them again. */
  registerPool(poolId: string, snapshot: () => PoolSnapshot): () => void {
    const source: PoolSource = { snapshot, window: this.windowFor(poolId) }
    this.#sources.set(poolId, source)
    return () => {
      if (this.#sources.get(poolId) === source) this.#sources.delete(poolId)
    }
  }

  /** The snapshots of the registered pools, for health and the dashboard. */
  poolSnapshots(): PoolSnapshot[] {
    return [...this.#sources.values()].map((source) => source.snapshot())
  }

  /** The newest errors, oldest first (at most the configured limit). */
  recentErrors(): readonly RecentError[] {
    return [...this.#recentErrors]
  }

  /** Calls `listener` with every recent error as it is recorded; returns the function that unsubscribes. */
  subscribeErrors(listener: (error: RecentError) => void): () => void {
    this.#errorListeners.add(listener)
    return () => this.#errorListeners.delete(listener)
  }

  /** Writes the last EMF minute and stops its timer. Idempotent. */
  close(): void {
    this.emf?.close()
  }

  /** Records an error for the dashboard (called by the event methods here and in PoolTelemetry). */
  recordError(error: Omit<RecentError, 'timeMs'>): void {
    const entry: RecentError = { timeMs: this.now(), ...error }
    this.#recentErrors.push(entry)
    if (this.#recentErrors.length > this.#recentErrorLimit) this.#recentErrors.shift()
    for (const listener of this.#errorListeners) listener(entry)
  }

  /** The ordering invariant's guard refused a write; the write did not happen. */
  onTunnelOrderingViolation(error: TunnelOrderingError, poolId: string): void {
    this.orderingViolations.inc({ pool: poolId })
    this.logger.error(
      {
        err: error,
        poolId,
        lambdaId: logId(this.logger, error.lambdaId),
        channelId: logId(this.logger, error.channelId),
      },
      'tunnel ordering',
    )
    this.recordError({ code: error.code, poolId, message: error.message, lambdaId: error.lambdaId })
  }

  /** A control-channel request answered with something other than an accepted channel. */
  onControlResponse(
    route: 'request' | 'ping' | 'close' | 'unknown',
    status: number,
    detail: Record<string, unknown>,
  ): void {
    this.controlResponses.inc({ route, status: String(status) })
    this.logger.debug({ route, status, ...detail }, 'control response')
  }

  onHttp2Error(kind: Http2ErrorKind, detail: Record<string, unknown>): void {
    this.http2Errors.inc({ kind })
    this.logger.warn({ kind, ...detail }, 'control channel http2 error')
    const err = detail.err
    this.recordError({
      code: `http2_${kind}`,
      poolId: undefined,
      message: err instanceof Error ? err.message : `control channel: ${kind.replaceAll('_', ' ')}`,
    })
  }

  /** The front door answered a request itself (400 reserved path, 403 name not allowed, 503 closing, …). */
  onFrontDoorRefused(status: number, code: string): void {
    this.frontDoorRefusals.inc({ status: String(status), code })
  }

  /** The front door closed a client connection before reading a request from it. */
  onConnectionDropped(reason: 'max-connections' | 'preface-timeout'): void {
    this.connectionsDropped.inc({ reason })
    this.logger.debug({ reason }, 'client connection dropped')
  }

  *#emfPools(): Iterable<{
    snapshot: PoolSnapshot
    minute: (startMs: number) => { requests: number; errors: number; invokes: number }
  }> {
    for (const source of this.#sources.values()) {
      yield {
        snapshot: source.snapshot(),
        minute: (startMs) => {
          const first = Math.floor(startMs / 1000)
          const totals = totalsOf([source.window], first, first + 59)
          return { requests: totals.requests, errors: totals.errors, invokes: totals.invokes }
        },
      }
    }
  }
}

/** Telemetry of one pool. Request, channel, instance and invoke events; one metric bump per event. */
export class PoolTelemetry {
  readonly poolId: string
  readonly logger: Logger
  readonly #router: RouterTelemetry
  readonly #window: RollingWindow
  readonly #emf: EmfPublisher | undefined
  readonly #outcomes = new Map<RequestOutcome, Counter.Internal>()
  readonly #channelCloses = new Map<ChannelCloseReason, Counter.Internal>()
  readonly #queued: Counter.Internal
  readonly #retried: Counter.Internal
  readonly #duration: Histogram.Internal<'pool'>
  readonly #queueWait: Histogram.Internal<'pool'>
  readonly #channelsOpened: Counter.Internal
  readonly #requestBytes: Counter.Internal
  readonly #responseBytes: Counter.Internal

  constructor(router: RouterTelemetry, poolId: string, window: RollingWindow) {
    this.#router = router
    this.#window = window
    this.#emf = router.emf
    this.poolId = poolId
    this.logger = router.logger.child({ poolId })
    this.#queued = router.requestsQueued.labels({ pool: poolId })
    this.#retried = router.requestsRetried.labels({ pool: poolId })
    this.#duration = router.requestDuration.labels({ pool: poolId })
    this.#queueWait = router.queueWait.labels({ pool: poolId })
    this.#channelsOpened = router.channelsOpened.labels({ pool: poolId })
    this.#requestBytes = router.requestBodyBytes.labels({ pool: poolId })
    this.#responseBytes = router.responseBodyBytes.labels({ pool: poolId })
  }

  onRequestQueued(requestId: string, queueLength: number): void {
    this.#queued.inc()
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ requestId, queueLength }, 'request queued')
  }

  /** An instance refused the request unprocessed (REFUSED_STREAM: it is leaving); it is dispatched again. */
  onRequestRetried(requestId: string, lambdaId: string, channelId: string, attempt: number): void {
    this.#retried.inc()
    this.logger.info(
      { requestId, lambdaId, channelId, attempt },
      'request refused unprocessed by a leaving instance; retried',
    )
  }

  /** A request was bound to a channel; `queuedMs` is undefined when it never waited. */
  onRequestDispatched(requestId: string, lambdaId: string, channelId: string, queuedMs: number | undefined): void {
    if (queuedMs !== undefined) {
      this.#queueWait.observe(queuedMs / 1000)
      this.#emf?.record(this.poolId, 'DispatchDelay', queuedMs)
    }
    if (this.logger.isLevelEnabled('debug')) {
      this.logger.debug({ requestId, lambdaId, channelId, queuedMs }, 'request dispatched')
    }
  }

  onRequestRejected(requestId: string, reason: 'queue-full' | 'no-capacity' | 'closing' | 'aborted'): void {
    this.#ended(
      reason === 'queue-full'
        ? 'queue_full'
        : reason === 'no-capacity'
          ? 'no_capacity'
          : reason === 'closing'
            ? 'closing'
            : 'aborted_queued',
    )
    this.logger.debug({ requestId, reason }, 'request rejected')
    if (reason === 'queue-full') {
      this.#router.recordError({
        code: 'LD_QUEUE_FULL',
        poolId: this.poolId,
        message: 'the request queue is full',
        requestId,
      })
    } else if (reason === 'no-capacity') {
      this.#router.recordError({
        code: 'LD_NO_CAPACITY',
        poolId: this.poolId,
        message: 'the pool cannot start instances now',
        requestId,
      })
    }
  }

  onRequestTimedOut(
    requestId: string,
    phase: 'queue' | 'head' | 'body-idle' | 'request-body',
    error: RouterError,
  ): void {
    this.#ended(TIMEOUT_OUTCOMES[phase])
    this.logger.warn({ requestId, phase, err: error }, 'request timed out')
    this.#router.recordError({ code: error.code, poolId: this.poolId, message: error.message, requestId })
  }

  onRequestAborted(requestId: string, phase: 'queued' | 'running'): void {
    this.#ended(phase === 'queued' ? 'aborted_queued' : 'aborted_running')
    this.logger.debug({ requestId, phase }, 'request aborted by the client')
  }

  /** The pool refused or dropped a queued request for want of capacity or because it is closing. */
  onRequestDropped(
    requestId: string,
    reason: 'no-capacity' | 'closing' | 'app-start-failed',
    error: RouterError,
  ): void {
    this.#ended(reason === 'closing' ? 'closing' : reason === 'no-capacity' ? 'no_capacity' : 'app_start_failed')
    this.logger.info({ requestId, reason, err: error }, 'queued request dropped')
    if (reason !== 'closing') {
      this.#router.recordError({ code: error.code, poolId: this.poolId, message: error.message, requestId })
    }
  }

  /** The upstream failed the request: bad head, closed stream, or a refused write (ordering). */
  onRequestFailed(
    requestId: string,
    kind: 'bad_upstream_head' | 'bad_upstream_framing' | 'upstream_closed' | 'tunnel_ordering',
    error: RouterError,
  ): void {
    this.#ended(kind)
    this.logger.warn({ requestId, err: error }, 'request failed upstream')
    this.#router.recordError({ code: error.code, poolId: this.poolId, message: error.message, requestId })
  }

  /** The app's response was relayed whole; counted by its status class. */
  onRequestCompleted(requestId: string, status: number, durationMs: number): void {
    this.#count(statusClassOf(status))
    this.#window.recordRequest(durationMs, status >= 500)
    this.#duration.observe(durationMs / 1000)
    this.#emf?.record(this.poolId, 'RequestDuration', durationMs)
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ requestId, status, durationMs }, 'request completed')
  }

  /** Body bytes one exchange moved, once when it ends (however it ends). */
  onExchangeBytes(requestBodyBytes: number, responseBodyBytes: number): void {
    if (requestBodyBytes > 0) this.#requestBytes.inc(requestBodyBytes)
    if (responseBodyBytes > 0) this.#responseBytes.inc(responseBodyBytes)
  }

  onChannelOpened(lambdaId: string, channelId: string): void {
    this.#channelsOpened.inc()
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ lambdaId, channelId }, 'channel opened')
  }

  onChannelClosed(lambdaId: string, channelId: string, reason: ChannelCloseReason): void {
    this.#channelClosed(reason).inc()
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ lambdaId, channelId, reason }, 'channel closed')
  }

  /**
   * A control request for a live instance was refused (403) for its channel token; the instance was not touched.
   * Logged once per instance (`first`), counted every time.
   */
  onControlAuthRefused(
    lambdaId: string,
    route: 'request' | 'ping' | 'close',
    reason: 'missing' | 'wrong',
    first: boolean,
  ): void {
    this.#router.controlAuthRefusals.inc({ route, reason })
    if (!first) return
    this.logger.warn(
      { lambdaId: logId(this.logger, lambdaId), route, reason },
      'control request refused: no valid channel token (later refusals for this instance are only counted)',
    )
    this.#router.recordError({
      code: 'control_auth_refused',
      poolId: this.poolId,
      message: `a ${route} control request had a ${reason} channel token`,
      lambdaId,
    })
  }

  /** A channel POST with a new channel id came for an instance that already holds `maxChannels` of them. */
  onChannelRefusedOverCap(lambdaId: string, channelId: string, maxChannels: number): void {
    this.#router.channelsRefused.inc({ pool: this.poolId, reason: 'over_cap' })
    if (this.logger.isLevelEnabled('debug')) {
      this.logger.debug({ lambdaId, channelId, maxChannels }, 'channel refused: over the instance channel cap')
    }
  }

  /** `ageMs` is the instance's age at the transition: entering `open` from `starting` it is the connect-back time. */
  onInstanceStateChanged(lambdaId: string, from: InstanceState, to: InstanceState, ageMs?: number): void {
    this.#router.instanceTransitions.inc({ pool: this.poolId, to })
    if (to === 'open' && from === 'starting' && ageMs !== undefined) {
      this.#router.instanceConnect.observe({ pool: this.poolId }, ageMs / 1000)
      this.#emf?.record(this.poolId, 'LambdaOpenDelay', ageMs)
    }
    this.logger.info({ lambdaId: logId(this.logger, lambdaId), from, to }, 'instance state')
  }

  onInstanceStartTimedOut(lambdaId: string, waitedMs: number): void {
    this.#router.instanceStartTimeouts.inc({ pool: this.poolId })
    this.logger.warn(
      { lambdaId: logId(this.logger, lambdaId), waitedMs },
      'instance did not connect back within the start timeout',
    )
    this.#router.recordError({
      code: 'instance_start_timeout',
      poolId: this.poolId,
      message: `instance did not connect back within ${waitedMs} ms`,
      lambdaId,
    })
  }

  /** An instance did not connect back while others of its pool were connected: slow (a busy host), not broken. */
  onInstanceSlowToConnect(lambdaId: string, ageMs: number): void {
    this.logger.info(
      { lambdaId: logId(this.logger, lambdaId), ageMs },
      'instance was slow to connect back; backing off without counting a failure',
    )
  }

  /** An invoke was sent: `instance` for an instance start, `pre_warm` for the init-only buddy. */
  onInvokeStarted(lambdaId: string, kind: 'instance' | 'pre_warm'): void {
    this.#router.invokesStarted.inc({ pool: this.poolId, kind })
    this.#window.recordInvoke()
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ lambdaId, kind }, 'invoke sent')
  }

  onInvokeRefused(reason: 'rate-limit' | 'backoff' | 'circuit-open', retryInMs: number): void {
    this.#router.invokeRefusals.inc({ pool: this.poolId, reason })
    this.logger.info({ reason, retryInMs }, 'instance start refused by the invoke gate')
  }

  /** The app failed in init (its invoke returned a function error before connecting back): one line with why. */
  onAppStartFailed(lambdaId: string, error: AppStartFailedError): void {
    this.logger.error({ lambdaId: logId(this.logger, lambdaId), err: error }, error.message)
  }

  /** One invoke returned (or was aborted); the exit reason comes from the WaiterResponse when there was one. */
  onInvokeReturned(
    lambdaId: string,
    result: InvokeResult,
    detail: {
      durationMs: number
      exitReason?: ExitReason | undefined
      functionError?: string | undefined
      err?: unknown
    },
  ): void {
    this.#router.invokes.inc({ pool: this.poolId, result })
    if (detail.exitReason !== undefined) {
      this.#router.invokeExitReasons.inc({ pool: this.poolId, reason: detail.exitReason })
    }
    const level = result === 'completed' || result === 'aborted' ? 'info' : 'warn'
    this.logger[level]({ lambdaId: logId(this.logger, lambdaId), result, ...detail }, 'invoke returned')
    if (level === 'warn') {
      const err = detail.err
      this.#router.recordError({
        code: errorCode(err) ?? `invoke_${result}`,
        poolId: this.poolId,
        message: err instanceof Error ? err.message : (detail.functionError ?? `invoke ${result.replaceAll('_', ' ')}`),
        lambdaId,
      })
    }
  }

  // Per-request counters use label children bound once per pool and label value (no label object per event).
  #channelClosed(reason: ChannelCloseReason): Counter.Internal {
    let child = this.#channelCloses.get(reason)
    if (child === undefined) {
      child = this.#router.channelsClosed.labels({ pool: this.poolId, reason })
      this.#channelCloses.set(reason, child)
    }
    return child
  }

  // Every request that did not complete with an app response ends here: its outcome and its place in the window.
  #ended(outcome: RequestOutcome): void {
    this.#count(outcome)
    this.#window.recordRequest(undefined, ERROR_OUTCOMES.has(outcome))
  }

  #count(outcome: RequestOutcome): void {
    let child = this.#outcomes.get(outcome)
    if (child === undefined) {
      child = this.#router.requests.labels({ pool: this.poolId, outcome })
      this.#outcomes.set(outcome, child)
    }
    child.inc()
  }
}

/**
 * How an instance or channel id appears in a log line: in full at debug level (to follow one instance), else its
 * 8-character prefix (issue 13: ids in logs must not be enough to address an instance).
 */
export function logId(logger: Logger, id: string): string {
  return logger.isLevelEnabled('debug') ? id : shortId(id)
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  const code = (error as { code: unknown }).code
  return typeof code === 'string' && code.startsWith('LD_') ? code : undefined
}
