// The router's telemetry: every subscriber of its events, made and closed together. Prometheus (counters on the
// Registry passed in, gauges read at scrape time), the log lines, the rolling windows of the dashboard, the recent
// errors and CloudWatch EMF. Nothing in the domain calls it; it only listens. Owns the EMF timer (through
// EmfPublisher).
import type { Registry } from 'prom-client'
import type { Logger } from '../../common/index.js'
import { EmfPublisher } from '../emf.js'
import type { PoolSource, RouterEvents } from '../events.js'
import { RollingWindow, totalsOf } from '../metrics-window.js'
import type { PoolSnapshot } from '../pools/pool-snapshot.js'
import { subscribeLogLines } from './log-lines.js'
import { createMetricFamilies, type MetricFamilies } from './metric-families.js'
import { registerPoolGauges } from './pool-gauges.js'
import { subscribePrometheus } from './prometheus.js'
import { type RecentError, RecentErrors } from './recent-errors.js'
import { isErrorOutcome, outcomeOf } from './request-outcome.js'
import { registerWebSocketMetrics, type WebSocketMetricFamilies } from './websocket-metrics.js'

export interface RouterTelemetryOptions {
  /** The router's events; every subscriber listens here. */
  readonly events: RouterEvents
  readonly registry: Registry
  readonly logger: Logger
  /** Wall clock (epoch ms) for the rolling windows, recent errors and EMF minutes; Date.now by default. */
  readonly now?: () => number
  /** Set to write CloudWatch EMF documents (CloudWatchMetricsEnabled); each call gets one whole line. */
  readonly emf?: { readonly write: (line: string) => void }
  /** How many recent errors the dashboard keeps (default 50). */
  readonly recentErrorLimit?: number
}

/** Router-wide telemetry: the metric families, the pools' rolling windows, recent errors and EMF, fed by events. */
export class RouterTelemetry {
  readonly now: () => number
  readonly metrics: MetricFamilies
  readonly webSocketMetrics: WebSocketMetricFamilies
  readonly #pools = new Map<string, PoolSource>()
  readonly #windows = new Map<string, RollingWindow>()
  readonly #recentErrors: RecentErrors
  readonly #emf: EmfPublisher | undefined

  constructor(options: RouterTelemetryOptions) {
    const { events } = options
    this.now = options.now ?? Date.now
    this.metrics = createMetricFamilies(options.registry)
    registerPoolGauges(
      options.registry,
      () => this.#pools.values(),
      (poolId) => this.windowFor(poolId),
    )
    this.#emf =
      options.emf === undefined
        ? undefined
        : new EmfPublisher({ write: options.emf.write, now: this.now, pools: () => this.#emfPools() })
    // The subscriptions last as long as the router's events: pools still publish while they close, after close().
    events.poolOpened.subscribe((pool) => this.#pools.set(pool.poolId, pool))
    events.poolClosed.subscribe(({ poolId }) => this.#pools.delete(poolId))
    subscribePrometheus(events, this.metrics)
    this.webSocketMetrics = registerWebSocketMetrics(options.registry, events, () => this.#pools.values())
    this.#subscribeWindows(events)
    subscribeLogLines(events, options.logger)
    this.#recentErrors = new RecentErrors(events, {
      now: this.now,
      ...(options.recentErrorLimit === undefined ? {} : { limit: options.recentErrorLimit }),
    })
    if (this.#emf !== undefined) this.#subscribeEmf(events, this.#emf)
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

  /** The newest errors, oldest first (at most the configured limit). */
  recentErrors(): readonly RecentError[] {
    return this.#recentErrors.list()
  }

  /** Calls `listener` with every recent error as it is recorded; returns the function that unsubscribes. */
  subscribeErrors(listener: (error: RecentError) => void): () => void {
    return this.#recentErrors.subscribe(listener)
  }

  /** Writes the last EMF minute and stops its timer. Idempotent. Events keep feeding the other subscribers. */
  close(): void {
    this.#emf?.close()
  }

  #subscribeWindows(events: RouterEvents): void {
    events.requestEnded.subscribe((end) => {
      const durationMs = end.kind === 'completed' ? end.durationMs : undefined
      this.windowFor(end.poolId).recordRequest(durationMs, isErrorOutcome(outcomeOf(end)))
    })
    events.invokeStarted.subscribe(({ poolId }) => this.windowFor(poolId).recordInvoke())
  }

  #subscribeEmf(events: RouterEvents, emf: EmfPublisher): void {
    events.requestDispatched.subscribe(({ poolId, queuedMs }) => {
      if (queuedMs !== undefined) emf.record(poolId, 'DispatchDelay', queuedMs)
    })
    events.requestEnded.subscribe((end) => {
      if (end.kind === 'completed') emf.record(end.poolId, 'RequestDuration', end.durationMs)
    })
    events.instanceStateChanged.subscribe(({ poolId, from, to, ageMs }) => {
      if (to === 'open' && from === 'starting') emf.record(poolId, 'LambdaOpenDelay', ageMs)
    })
  }

  *#emfPools(): Iterable<{
    snapshot: PoolSnapshot
    minute: (startMs: number) => { requests: number; errors: number; invokes: number }
  }> {
    for (const pool of this.#pools.values()) {
      const window = this.windowFor(pool.poolId)
      yield {
        snapshot: pool.snapshot(),
        minute: (startMs) => {
          const first = Math.floor(startMs / 1000)
          const totals = totalsOf([window], first, first + 59)
          return { requests: totals.requests, errors: totals.errors, invokes: totals.invokes }
        },
      }
    }
  }
}
