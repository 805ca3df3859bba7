// Per-second counts over a rolling window: what the dashboard charts (requests/s, p50/p99), the invokes-per-minute
// gauge and the CloudWatch EMF minute totals read. The math (latency buckets, percentiles, merging) is pure;
// RollingWindow holds one ring of second slots and reads a clock. No timers, no I/O.

/** Latency buckets grow by 2^(1/8) (about 9 %): fine enough for p50/p99 on a dashboard, 181 counters per second. */
export const LATENCY_BUCKETS_PER_DOUBLING = 8
/** Upper bound of bucket 0; anything faster lands there. */
export const LATENCY_MIN_MS = 0.1
/** The last bucket's upper bound is about 10 minutes; anything slower lands there. */
export const LATENCY_BUCKET_COUNT = 181

/** The seconds a window keeps: five minutes of chart. */
export const WINDOW_SECONDS = 300

/** The latency bucket a duration falls in: the first whose upper bound is at least `ms`. */
export function latencyBucketIndex(ms: number): number {
  if (!(ms > LATENCY_MIN_MS)) return 0
  const index = Math.ceil(Math.log2(ms / LATENCY_MIN_MS) * LATENCY_BUCKETS_PER_DOUBLING)
  return index >= LATENCY_BUCKET_COUNT ? LATENCY_BUCKET_COUNT - 1 : index
}

/** Upper bound of a latency bucket, in ms. */
export function latencyBucketUpperMs(index: number): number {
  return LATENCY_MIN_MS * 2 ** (index / LATENCY_BUCKETS_PER_DOUBLING)
}

/** What one second (or a merge of several) holds. `latency` counts durations by bucket. */
export interface WindowCounts {
  readonly requests: number
  /** Requests that ended in a gateway error (502/503/504 made by the router) or an app 5xx. */
  readonly errors: number
  readonly invokes: number
  readonly latency: ArrayLike<number>
  /** Fastest and slowest duration recorded; percentiles are clamped to them (exact when all values are equal). */
  readonly minMs: number
  readonly maxMs: number
}

/**
 * A latency quantile from bucket counts: the geometric middle of the bucket holding the rank (within about 4.5 % of
 * any value in it), clamped to [min, max]; the first and last ranks are the exact min and max.
 */
export function latencyQuantileMs(counts: WindowCounts, quantile: number): number | undefined {
  let total = 0
  for (let index = 0; index < counts.latency.length; index++) total += counts.latency[index] as number
  if (total === 0) return undefined
  const rank = Math.max(1, Math.ceil(quantile * total))
  // The extremes are known exactly.
  if (rank === 1) return counts.minMs
  if (rank >= total) return counts.maxMs
  let seen = 0
  for (let index = 0; index < counts.latency.length; index++) {
    seen += counts.latency[index] as number
    if (seen >= rank) {
      const middle = index === 0 ? LATENCY_MIN_MS : LATENCY_MIN_MS * 2 ** ((index - 0.5) / LATENCY_BUCKETS_PER_DOUBLING)
      return Math.min(Math.max(middle, counts.minMs), counts.maxMs)
    }
  }
  return counts.maxMs
}

/** Sums seconds (of one pool or of several pools); missing seconds count as empty. */
export function mergeCounts(parts: readonly (WindowCounts | undefined)[]): WindowCounts {
  const latency = new Array<number>(LATENCY_BUCKET_COUNT).fill(0)
  let requests = 0
  let errors = 0
  let invokes = 0
  let minMs = Number.POSITIVE_INFINITY
  let maxMs = Number.NEGATIVE_INFINITY
  for (const part of parts) {
    if (part === undefined) continue
    requests += part.requests
    errors += part.errors
    invokes += part.invokes
    for (let index = 0; index < part.latency.length; index++) {
      latency[index] = (latency[index] as number) + (part.latency[index] as number)
    }
    if (part.minMs < minMs) minMs = part.minMs
    if (part.maxMs > maxMs) maxMs = part.maxMs
  }
  return { requests, errors, invokes, latency, minMs, maxMs }
}

/** Charts of the last seconds, oldest first; one entry per second ending at `endSecond` (epoch seconds). */
export interface WindowSeries {
  readonly endSecond: number
  readonly requests: readonly number[]
  readonly errors: readonly number[]
  readonly invokes: readonly number[]
  /** null for a second without a completed request. */
  readonly p50Ms: readonly (number | null)[]
  readonly p99Ms: readonly (number | null)[]
}

/**
 * The series of the `count` seconds ending at `endSecond`, merging every window's slot per second (a router-wide chart
 * is the merge of its pools).
 */
export function seriesOf(windows: readonly RollingWindow[], endSecond: number, count: number): WindowSeries {
  const requests: number[] = []
  const errors: number[] = []
  const invokes: number[] = []
  const p50Ms: (number | null)[] = []
  const p99Ms: (number | null)[] = []
  for (let second = endSecond - count + 1; second <= endSecond; second++) {
    const merged = mergeCounts(windows.map((window) => window.at(second)))
    requests.push(merged.requests)
    errors.push(merged.errors)
    invokes.push(merged.invokes)
    p50Ms.push(roundMs(latencyQuantileMs(merged, 0.5)))
    p99Ms.push(roundMs(latencyQuantileMs(merged, 0.99)))
  }
  return { endSecond, requests, errors, invokes, p50Ms, p99Ms }
}

/** The merged counts of the seconds `fromSecond`..`toSecond` (inclusive) across windows. */
export function totalsOf(windows: readonly RollingWindow[], fromSecond: number, toSecond: number): WindowCounts {
  const parts: (WindowCounts | undefined)[] = []
  for (let second = fromSecond; second <= toSecond; second++) {
    for (const window of windows) parts.push(window.at(second))
  }
  return mergeCounts(parts)
}

// Three decimals are plenty for a chart and keep the JSON small.
function roundMs(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value * 1000) / 1000
}

interface Slot {
  second: number
  requests: number
  errors: number
  invokes: number
  readonly latency: Uint32Array
  minMs: number
  maxMs: number
}

/**
 * One pool's ring of second slots, keyed by wall-clock second so charts and EMF minutes line up with real time.
 * Recording costs a clock read and a few array writes; a slot is zeroed when its second comes round again.
 */
export class RollingWindow {
  readonly seconds: number
  readonly #now: () => number
  readonly #slots: Slot[]

  /** `now` is wall-clock epoch ms (Date.now by default). */
  constructor(options: { now?: () => number; seconds?: number } = {}) {
    this.seconds = options.seconds ?? WINDOW_SECONDS
    this.#now = options.now ?? Date.now
    this.#slots = Array.from({ length: this.seconds }, () => ({
      second: -1,
      requests: 0,
      errors: 0,
      invokes: 0,
      latency: new Uint32Array(LATENCY_BUCKET_COUNT),
      minMs: Number.POSITIVE_INFINITY,
      maxMs: Number.NEGATIVE_INFINITY,
    }))
  }

  /** The current epoch second by this window's clock. */
  currentSecond(): number {
    return Math.floor(this.#now() / 1000)
  }

  /** One finished request; `durationMs` only for completed responses (the latency charts). */
  recordRequest(durationMs: number | undefined, error: boolean): void {
    const slot = this.#slot()
    slot.requests++
    if (error) slot.errors++
    if (durationMs === undefined) return
    const index = latencyBucketIndex(durationMs)
    slot.latency[index] = (slot.latency[index] as number) + 1
    if (durationMs < slot.minMs) slot.minMs = durationMs
    if (durationMs > slot.maxMs) slot.maxMs = durationMs
  }

  recordInvoke(): void {
    this.#slot().invokes++
  }

  /** The counts of one epoch second, or undefined when nothing was recorded in it (or it left the window). */
  at(second: number): WindowCounts | undefined {
    const slot = this.#slots[((second % this.seconds) + this.seconds) % this.seconds] as Slot
    return slot.second === second ? slot : undefined
  }

  #slot(): Slot {
    const second = this.currentSecond()
    const slot = this.#slots[second % this.seconds] as Slot
    if (slot.second !== second) {
      slot.second = second
      slot.requests = 0
      slot.errors = 0
      slot.invokes = 0
      slot.latency.fill(0)
      slot.minMs = Number.POSITIVE_INFINITY
      slot.maxMs = Number.NEGATIVE_INFINITY
    }
    return slot
  }
}
