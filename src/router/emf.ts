// CloudWatch Embedded Metric Format output (CloudWatchMetricsEnabled): the document builder is pure and table-tested;
// EmfPublisher owns one timer (the minute flush) and the buffered distribution values, and writes whole JSON lines.
// Fixes the original's weaknesses (original-router.md §6.1, §9 item 29): every document carries a pool dimension,
// zero values are written (an idle pool reports 0, not silence), and a flush takes the buffer whole before building,
// so nothing mutates a batch while it is written.
import type { PoolSnapshot } from './pools/pool-snapshot.js'

/** The CloudWatch namespace of every router metric. */
export const EMF_NAMESPACE = 'LambdaDispatch'
/** The `Service` dimension value, as the original's. */
export const EMF_SERVICE = 'LambdaDispatch.Router'
/** CloudWatch takes at most 100 values per metric in one document (EMF specification, MetricDirective). */
export const EMF_MAX_VALUES_PER_METRIC = 100
/** CloudWatch allows at most 30 dimensions, each value at most 1024 characters. */
export const EMF_MAX_DIMENSIONS = 30
export const EMF_MAX_DIMENSION_VALUE_LENGTH = 1024

export type EmfUnit = 'Count' | 'Milliseconds' | 'Bytes'

export interface EmfMetric {
  readonly name: string
  readonly unit: EmfUnit
  /** One value, or up to EMF_MAX_VALUES_PER_METRIC values (CloudWatch computes statistics over them). */
  readonly values: number | readonly number[]
}

export interface EmfBatch {
  readonly namespace: string
  /** Epoch ms the values belong to (the minute's start). */
  readonly timestampMs: number
  /** Dimension name → value; all of them form the document's one dimension set. */
  readonly dimensions: Readonly<Record<string, string>>
  /** Extra searchable members that are not dimensions (e.g. the function name). */
  readonly properties?: Readonly<Record<string, string>>
  readonly metrics: readonly EmfMetric[]
}

/**
 * One EMF document (a JSON object to write as one line). Metrics with an empty value list are left out; a metric
 * whose value is 0 is kept. Throws on a batch CloudWatch would reject: too many dimensions, a dimension value too
 * long, an array over 100 values, or a metric name that clashes with a dimension or property.
 */
export function buildEmfDocument(batch: EmfBatch): Record<string, unknown> {
  const dimensionNames = Object.keys(batch.dimensions)
  if (dimensionNames.length === 0 || dimensionNames.length > EMF_MAX_DIMENSIONS) {
    throw new Error(`EMF: 1–${EMF_MAX_DIMENSIONS} dimensions allowed, got ${dimensionNames.length}`)
  }
  for (const [name, value] of Object.entries(batch.dimensions)) {
    if (value.length === 0 || value.length > EMF_MAX_DIMENSION_VALUE_LENGTH) {
      throw new Error(`EMF: dimension ${name} must be 1–${EMF_MAX_DIMENSION_VALUE_LENGTH} characters`)
    }
  }
  const document: Record<string, unknown> = { ...batch.properties, ...batch.dimensions }
  const definitions: { Name: string; Unit: EmfUnit }[] = []
  for (const metric of batch.metrics) {
    if (Array.isArray(metric.values) && metric.values.length === 0) continue
    if (Array.isArray(metric.values) && metric.values.length > EMF_MAX_VALUES_PER_METRIC) {
      throw new Error(`EMF: ${metric.name} has ${metric.values.length} values; at most ${EMF_MAX_VALUES_PER_METRIC}`)
    }
    if (metric.name in document) throw new Error(`EMF: metric ${metric.name} clashes with another member`)
    definitions.push({ Name: metric.name, Unit: metric.unit })
    document[metric.name] = metric.values
  }
  return {
    _aws: {
      Timestamp: batch.timestampMs,
      CloudWatchMetrics: [{ Namespace: batch.namespace, Dimensions: [dimensionNames], Metrics: definitions }],
    },
    ...document,
  }
}

/** The start of the UTC minute holding `ms`. */
export function minuteStartMs(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000
}

/** The values a pool's telemetry feeds in, one per event, while EMF is on. */
export type EmfDistribution = 'RequestDuration' | 'DispatchDelay' | 'LambdaOpenDelay'

const DISTRIBUTIONS: readonly EmfDistribution[] = ['RequestDuration', 'DispatchDelay', 'LambdaOpenDelay']

/** Minute totals a pool's rolling window gives the publisher. */
export interface EmfMinuteCounts {
  readonly requests: number
  readonly errors: number
  readonly invokes: number
}

/** The gauges of a pool at flush time and its minute totals, as EMF metrics (pure). */
export function poolGaugeMetrics(pool: PoolSnapshot, counts: EmfMinuteCounts): EmfMetric[] {
  let starting = 0
  let running = 0
  let stopping = 0
  let busy = 0
  let parked = 0
  for (const instance of pool.instances) {
    if (instance.state === 'initial' || instance.state === 'starting') starting++
    else if (instance.state === 'open') running++
    else if (instance.state === 'draining' || instance.state === 'closing') stopping++
    busy += instance.busyChannels
    parked += instance.parkedChannels
  }
  return [
    { name: 'RequestCount', unit: 'Count', values: counts.requests },
    { name: 'RequestErrorCount', unit: 'Count', values: counts.errors },
    { name: 'LambdaInvokeCount', unit: 'Count', values: counts.invokes },
    { name: 'PendingRequestCount', unit: 'Count', values: pool.queueLength },
    { name: 'RunningRequestCount', unit: 'Count', values: pool.runningRequests },
    { name: 'LambdaInstanceStartingCount', unit: 'Count', values: starting },
    { name: 'LambdaInstanceRunningCount', unit: 'Count', values: running },
    { name: 'LambdaInstanceStoppingCount', unit: 'Count', values: stopping },
    { name: 'ChannelsBusyCount', unit: 'Count', values: busy },
    { name: 'ChannelsIdleCount', unit: 'Count', values: parked },
  ]
}

export interface EmfPublisherOptions {
  /** Writes one line (a JSON document and '\n'); stdout in production. Must not throw. */
  readonly write: (line: string) => void
  /** Wall-clock epoch ms. */
  readonly now: () => number
  /** The pools to report at each minute: their snapshot and their rolling-window totals for a minute. */
  readonly pools: () => Iterable<{ snapshot: PoolSnapshot; minute: (startMs: number) => EmfMinuteCounts }>
}

// The minute flush runs a little after the minute ends, so the last second's slot is complete.
const FLUSH_AFTER_MINUTE_MS = 1000

/**
 * Writes one EMF document per pool per minute (counts and gauges, plus the distribution values buffered since the
 * last flush), and an extra document for a pool as soon as one of its distributions holds 100 values. Owns one timer.
 */
export class EmfPublisher {
  readonly #options: EmfPublisherOptions
  // Pool id → distribution → values since the last flush. A flush replaces the pool's entry before building.
  #buffers = new Map<string, Map<EmfDistribution, number[]>>()
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: EmfPublisherOptions) {
    this.#options = options
    this.#arm()
  }

  /** One value of a distribution (ms); a full buffer is written at once. */
  record(poolId: string, distribution: EmfDistribution, valueMs: number): void {
    if (this.#closed) return
    let pool = this.#buffers.get(poolId)
    if (pool === undefined) {
      pool = new Map()
      this.#buffers.set(poolId, pool)
    }
    let values = pool.get(distribution)
    if (values === undefined) {
      values = []
      pool.set(distribution, values)
    }
    values.push(Math.round(valueMs * 1000) / 1000)
    if (values.length >= EMF_MAX_VALUES_PER_METRIC) this.#writeDistributions(poolId, undefined)
  }

  /** Writes the current minute's documents (the final flush) and stops the timer. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#flushMinute(minuteStartMs(this.#options.now()))
    this.#closed = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #arm(): void {
    const now = this.#options.now()
    const dueMs = minuteStartMs(now) + 60_000 + FLUSH_AFTER_MINUTE_MS - now
    this.#timer = setTimeout(this.#onTimer, dueMs)
    // The flush is for whoever reads stdout; it must not keep a finished process alive.
    this.#timer.unref()
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    if (this.#closed) return
    this.#flushMinute(minuteStartMs(this.#options.now() - FLUSH_AFTER_MINUTE_MS))
    this.#arm()
  }

  #flushMinute(startMs: number): void {
    const seen = new Set<string>()
    for (const { snapshot, minute } of this.#options.pools()) {
      seen.add(snapshot.poolId)
      this.#writeDistributions(snapshot.poolId, { snapshot, counts: minute(startMs), startMs })
    }
    // Pools gone since their values were recorded still get them written.
    for (const poolId of [...this.#buffers.keys()]) if (!seen.has(poolId)) this.#writeDistributions(poolId, undefined)
  }

  #writeDistributions(
    poolId: string,
    minute: { snapshot: PoolSnapshot; counts: EmfMinuteCounts; startMs: number } | undefined,
  ): void {
    const buffered = this.#buffers.get(poolId)
    this.#buffers.delete(poolId)
    const metrics: EmfMetric[] = minute === undefined ? [] : poolGaugeMetrics(minute.snapshot, minute.counts)
    for (const name of DISTRIBUTIONS) {
      const values = buffered?.get(name)
      if (values !== undefined && values.length > 0) metrics.push({ name, unit: 'Milliseconds', values })
    }
    if (metrics.length === 0) return
    const document = buildEmfDocument({
      namespace: EMF_NAMESPACE,
      timestampMs: minute?.startMs ?? minuteStartMs(this.#options.now()),
      dimensions: { Service: EMF_SERVICE, Pool: poolId },
      ...(minute === undefined ? {} : { properties: { FunctionName: minute.snapshot.functionName } }),
      metrics,
    })
    this.#options.write(`${JSON.stringify(document)}\n`)
  }
}
