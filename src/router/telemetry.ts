// The router's telemetry: one method per domain event, each writing its log line and bumping its metric in one place.
// Metrics live on the prom-client Registry passed in (never the global one); gauges are read from pool snapshots at
// scrape time through collect(), so no count is mirrored here.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Logger } from '../common/index.js'
import type { ExitReason } from '../protocol/index.js'
import type { RouterError, TunnelOrderingError } from './errors.js'
import type { InstanceState } from './instances/instance-states.js'

/** What a pool shows to metrics, health and the dashboard. Built on demand; nothing in it is a mirrored counter. */
export interface PoolSnapshot {
  readonly poolId: string
  readonly functionName: string
  readonly closing: boolean
  readonly queueLength: number
  readonly runningRequests: number
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

/** How one client request ended, as a metric label. Each request ends exactly once. */
export type RequestOutcome =
  | 'completed'
  | 'queue_full'
  | 'no_capacity'
  | 'closing'
  | 'queue_timeout'
  | 'head_timeout'
  | 'body_idle_timeout'
  | 'aborted_queued'
  | 'aborted_running'
  | 'bad_upstream_head'
  | 'upstream_closed'
  | 'tunnel_ordering'

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

const INSTANCE_STATES: readonly InstanceState[] = ['initial', 'starting', 'open', 'draining', 'closing', 'closed']

/** Router-wide telemetry: owns the metric families; `forPool` hands out per-pool views with bound labels. */
export class RouterTelemetry {
  readonly logger: Logger
  readonly #sources = new Map<string, () => PoolSnapshot>()
  readonly requests: Counter<'pool' | 'outcome'>
  readonly requestsQueued: Counter<'pool'>
  readonly requestDuration: Histogram<'pool'>
  readonly queueWait: Histogram<'pool'>
  readonly channelsOpened: Counter<'pool'>
  readonly channelsClosed: Counter<'pool' | 'reason'>
  readonly controlResponses: Counter<'route' | 'status'>
  readonly instanceTransitions: Counter<'pool' | 'to'>
  readonly instanceStartTimeouts: Counter<'pool'>
  readonly invokes: Counter<'pool' | 'result'>
  readonly invokeExitReasons: Counter<'pool' | 'reason'>
  readonly invokeRefusals: Counter<'pool' | 'reason'>
  readonly orderingViolations: Counter<'pool'>
  readonly http2Errors: Counter<'kind'>

  constructor(options: { registry: Registry; logger: Logger }) {
    this.logger = options.logger
    const registers = [options.registry]
    const sources = this.#sources
    this.requests = new Counter({
      name: 'lambda_dispatch_router_requests_total',
      help: 'Client requests dispatched to a pool, by how they ended',
      labelNames: ['pool', 'outcome'],
      registers,
    })
    this.requestsQueued = new Counter({
      name: 'lambda_dispatch_router_requests_queued_total',
      help: 'Client requests that had to wait in the pool queue',
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
        for (const [poolId, source] of sources) this.set({ pool: poolId }, source().queueLength)
      },
    })
    new Gauge({
      name: 'lambda_dispatch_router_pool_running_requests',
      help: 'Requests in flight on a channel',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset()
        for (const [poolId, source] of sources) this.set({ pool: poolId }, source().runningRequests)
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
          for (const instance of source().instances) counts.set(instance.state, (counts.get(instance.state) ?? 0) + 1)
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
          for (const instance of source().instances) {
            parked += instance.parkedChannels
            busy += instance.busyChannels
          }
          this.set({ pool: poolId, state: 'parked' }, parked)
          this.set({ pool: poolId, state: 'busy' }, busy)
        }
      },
    })
  }

  /** A per-pool view with labels bound once, so hot-path events do no label hashing. */
  forPool(poolId: string): PoolTelemetry {
    return new PoolTelemetry(this, poolId)
  }

  /** Makes a pool's gauges visible at scrape time; returns the function that removes them again. */
  registerPool(poolId: string, snapshot: () => PoolSnapshot): () => void {
    this.#sources.set(poolId, snapshot)
    return () => {
      if (this.#sources.get(poolId) === snapshot) this.#sources.delete(poolId)
    }
  }

  /** The ordering invariant's guard refused a write; the write did not happen. */
  onTunnelOrderingViolation(error: TunnelOrderingError, poolId: string): void {
    this.orderingViolations.inc({ pool: poolId })
    this.logger.error({ err: error, poolId, lambdaId: error.lambdaId, channelId: error.channelId }, 'tunnel ordering')
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
  }
}

/** Telemetry of one pool. Request, channel, instance and invoke events; one metric bump per event. */
export class PoolTelemetry {
  readonly poolId: string
  readonly logger: Logger
  readonly #router: RouterTelemetry
  readonly #outcomes = new Map<RequestOutcome, Counter.Internal>()
  readonly #channelCloses = new Map<ChannelCloseReason, Counter.Internal>()
  readonly #queued: Counter.Internal
  readonly #duration: Histogram.Internal<'pool'>
  readonly #queueWait: Histogram.Internal<'pool'>
  readonly #channelsOpened: Counter.Internal

  constructor(router: RouterTelemetry, poolId: string) {
    this.#router = router
    this.poolId = poolId
    this.logger = router.logger.child({ poolId })
    this.#queued = router.requestsQueued.labels({ pool: poolId })
    this.#duration = router.requestDuration.labels({ pool: poolId })
    this.#queueWait = router.queueWait.labels({ pool: poolId })
    this.#channelsOpened = router.channelsOpened.labels({ pool: poolId })
  }

  onRequestQueued(requestId: string, queueLength: number): void {
    this.#queued.inc()
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ requestId, queueLength }, 'request queued')
  }

  /** A request was bound to a channel; `queuedMs` is undefined when it never waited. */
  onRequestDispatched(requestId: string, lambdaId: string, channelId: string, queuedMs: number | undefined): void {
    if (queuedMs !== undefined) this.#queueWait.observe(queuedMs / 1000)
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
  }

  onRequestTimedOut(requestId: string, phase: 'queue' | 'head' | 'body-idle', error: RouterError): void {
    this.#ended(phase === 'queue' ? 'queue_timeout' : phase === 'head' ? 'head_timeout' : 'body_idle_timeout')
    this.logger.warn({ requestId, phase, err: error }, 'request timed out')
  }

  onRequestAborted(requestId: string, phase: 'queued' | 'running'): void {
    this.#ended(phase === 'queued' ? 'aborted_queued' : 'aborted_running')
    this.logger.debug({ requestId, phase }, 'request aborted by the client')
  }

  /** The pool refused or dropped a queued request for want of capacity or because it is closing. */
  onRequestDropped(requestId: string, reason: 'no-capacity' | 'closing', error: RouterError): void {
    this.#ended(reason === 'no-capacity' ? 'no_capacity' : 'closing')
    this.logger.info({ requestId, reason, err: error }, 'queued request dropped')
  }

  /** The upstream failed the request: bad head, closed stream, or a refused write (ordering). */
  onRequestFailed(
    requestId: string,
    kind: 'bad_upstream_head' | 'upstream_closed' | 'tunnel_ordering',
    error: RouterError,
  ): void {
    this.#ended(kind)
    this.logger.warn({ requestId, err: error }, 'request failed upstream')
  }

  onRequestCompleted(requestId: string, status: number, durationMs: number): void {
    this.#ended('completed')
    this.#duration.observe(durationMs / 1000)
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ requestId, status, durationMs }, 'request completed')
  }

  onChannelOpened(lambdaId: string, channelId: string): void {
    this.#channelsOpened.inc()
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ lambdaId, channelId }, 'channel opened')
  }

  onChannelClosed(lambdaId: string, channelId: string, reason: ChannelCloseReason): void {
    this.#channelClosed(reason).inc()
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ lambdaId, channelId, reason }, 'channel closed')
  }

  onInstanceStateChanged(lambdaId: string, from: InstanceState, to: InstanceState): void {
    this.#router.instanceTransitions.inc({ pool: this.poolId, to })
    this.logger.info({ lambdaId, from, to }, 'instance state')
  }

  onInstanceStartTimedOut(lambdaId: string, waitedMs: number): void {
    this.#router.instanceStartTimeouts.inc({ pool: this.poolId })
    this.logger.warn({ lambdaId, waitedMs }, 'instance did not connect back within the start timeout')
  }

  onInvokeRefused(reason: 'rate-limit' | 'backoff' | 'circuit-open', retryInMs: number): void {
    this.#router.invokeRefusals.inc({ pool: this.poolId, reason })
    this.logger.info({ reason, retryInMs }, 'instance start refused by the invoke gate')
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
    this.logger[level]({ lambdaId, result, ...detail }, 'invoke returned')
  }

  // Per-request counters use label children bound once per pool and label value (no label hashing per event).
  #channelClosed(reason: ChannelCloseReason): Counter.Internal {
    let child = this.#channelCloses.get(reason)
    if (child === undefined) {
      child = this.#router.channelsClosed.labels({ pool: this.poolId, reason })
      this.#channelCloses.set(reason, child)
    }
    return child
  }

  #ended(outcome: RequestOutcome): void {
    let child = this.#outcomes.get(outcome)
    if (child === undefined) {
      child = this.#router.requests.labels({ pool: this.poolId, outcome })
      this.#outcomes.set(outcome, child)
    }
    child.inc()
  }
}
