// Prometheus, as a subscriber of the router's events: one metric bump per event, in one place. Per-pool label
// children are bound once per pool and label value, so hot-path events build no label objects, and the counters a
// request bumps and the durations it observes are plain numbers until the registry is read (PendingCounts). Touches
// only the metric families it is given.
import type { Counter } from 'prom-client'
import type { RouterEvents } from '../events.js'
import type { ChannelCloseReason } from '../instances/channel.js'
import type { MetricFamilies } from './metric-families.js'
import type { PendingCount, PendingObservations } from './pending-counts.js'
import { outcomeOf, type RequestOutcome } from './request-outcome.js'

// The label children of one pool, made on first use.
class PoolCounters {
  readonly #families: MetricFamilies
  readonly #poolId: string
  readonly #outcomes = new Map<RequestOutcome, PendingCount>()
  readonly #channelCloses = new Map<ChannelCloseReason, PendingCount>()
  readonly queued: PendingCount
  readonly retried: Counter.Internal
  readonly duration: PendingObservations
  readonly queueWait: PendingObservations
  readonly channelsOpened: PendingCount
  readonly requestBytes: PendingCount
  readonly responseBytes: PendingCount

  constructor(families: MetricFamilies, poolId: string) {
    this.#families = families
    this.#poolId = poolId
    const { pending } = families
    this.queued = pending.of(families.requestsQueued.labels({ pool: poolId }))
    this.retried = families.requestsRetried.labels({ pool: poolId })
    this.duration = pending.observations(families.requestDuration, { pool: poolId })
    this.queueWait = pending.observations(families.queueWait, { pool: poolId })
    this.channelsOpened = pending.of(families.channelsOpened.labels({ pool: poolId }))
    this.requestBytes = pending.of(families.requestBodyBytes.labels({ pool: poolId }))
    this.responseBytes = pending.of(families.responseBodyBytes.labels({ pool: poolId }))
  }

  outcome(outcome: RequestOutcome): PendingCount {
    let count = this.#outcomes.get(outcome)
    if (count === undefined) {
      count = this.#families.pending.of(this.#families.requests.labels({ pool: this.#poolId, outcome }))
      this.#outcomes.set(outcome, count)
    }
    return count
  }

  channelClosed(reason: ChannelCloseReason): PendingCount {
    let count = this.#channelCloses.get(reason)
    if (count === undefined) {
      count = this.#families.pending.of(this.#families.channelsClosed.labels({ pool: this.#poolId, reason }))
      this.#channelCloses.set(reason, count)
    }
    return count
  }
}

/** Subscribes the metric families to `events`, for as long as `events` lives. */
export function subscribePrometheus(events: RouterEvents, families: MetricFamilies): void {
  const pools = new Map<string, PoolCounters>()
  const of = (poolId: string): PoolCounters => {
    let counters = pools.get(poolId)
    if (counters === undefined) {
      counters = new PoolCounters(families, poolId)
      pools.set(poolId, counters)
    }
    return counters
  }
  events.requestQueued.subscribe(({ poolId }) => of(poolId).queued.inc())
  events.requestRetried.subscribe(({ poolId }) => of(poolId).retried.inc())
  events.requestDispatched.subscribe(({ poolId, queuedMs }) => {
    if (queuedMs !== undefined) of(poolId).queueWait.observe(queuedMs / 1000)
  })
  events.requestEnded.subscribe((end) => {
    const counters = of(end.poolId)
    counters.outcome(outcomeOf(end)).inc()
    if (end.kind === 'completed') counters.duration.observe(end.durationMs / 1000)
  })
  events.exchangeBytes.subscribe(({ poolId, requestBodyBytes, responseBodyBytes }) => {
    const counters = of(poolId)
    if (requestBodyBytes > 0) counters.requestBytes.inc(requestBodyBytes)
    if (responseBodyBytes > 0) counters.responseBytes.inc(responseBodyBytes)
  })
  events.channelOpened.subscribe(({ poolId }) => of(poolId).channelsOpened.inc())
  events.channelClosed.subscribe(({ poolId, reason }) => of(poolId).channelClosed(reason).inc())
  events.controlAuthRefused.subscribe(({ route, reason }) => families.controlAuthRefusals.inc({ route, reason }))
  events.channelRefusedOverCap.subscribe(({ poolId }) =>
    families.channelsRefused.inc({ pool: poolId, reason: 'over_cap' }),
  )
  events.instanceStateChanged.subscribe(({ poolId, from, to, ageMs }) => {
    families.instanceTransitions.inc({ pool: poolId, to })
    if (to === 'open' && from === 'starting') families.instanceConnect.observe({ pool: poolId }, ageMs / 1000)
  })
  events.instanceStartTimedOut.subscribe(({ poolId }) => families.instanceStartTimeouts.inc({ pool: poolId }))
  events.invokeStarted.subscribe(({ poolId, kind }) => families.invokesStarted.inc({ pool: poolId, kind }))
  events.invokeRefused.subscribe(({ poolId, reason }) => families.invokeRefusals.inc({ pool: poolId, reason }))
  events.invokeReturned.subscribe(({ poolId, result, exitReason }) => {
    families.invokes.inc({ pool: poolId, result })
    if (exitReason !== undefined) families.invokeExitReasons.inc({ pool: poolId, reason: exitReason })
  })
  events.tunnelOrderingViolated.subscribe(({ poolId }) => families.orderingViolations.inc({ pool: poolId }))
  events.controlResponded.subscribe(({ route, status }) =>
    families.controlResponses.inc({ route, status: String(status) }),
  )
  events.http2Error.subscribe(({ kind }) => families.http2Errors.inc({ kind }))
  events.frontDoorRefused.subscribe(({ status, code }) =>
    families.frontDoorRefusals.inc({ status: String(status), code }),
  )
  events.connectionDropped.subscribe(({ reason }) => families.connectionsDropped.inc({ reason }))
}
