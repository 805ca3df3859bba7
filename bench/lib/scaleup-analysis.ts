// Pure arithmetic of the scale-up comparison: latency summaries, how long requests waited on cold starts, and the
// router log lines the dispatch side is judged from (request ids, instances, queue waits).
import { percentileOfSorted, sortedAscending } from './stats.js'

export interface LatencySummary {
  readonly requests: number
  /** Requests without a 2xx answer. */
  readonly errors: number
  /** Those requests by status (`0`: no answer at all). */
  readonly errorsByStatus: Readonly<Record<string, number>>
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

export function latencySummary(samples: readonly { latencyMs: number; status: number }[]): LatencySummary {
  const sorted = sortedAscending(samples.map((sample) => sample.latencyMs))
  const errorsByStatus: Record<string, number> = {}
  let errors = 0
  for (const sample of samples) {
    if (sample.status >= 200 && sample.status <= 299) continue
    errors++
    errorsByStatus[sample.status] = (errorsByStatus[sample.status] ?? 0) + 1
  }
  return {
    requests: samples.length,
    errors,
    errorsByStatus,
    p50Ms: percentileOfSorted(sorted, 50) ?? 0,
    p99Ms: percentileOfSorted(sorted, 99) ?? 0,
    maxMs: sorted[sorted.length - 1] ?? 0,
  }
}

/** Requests that waited on a cold start, and for how long. */
export interface ColdWait {
  readonly requests: number
  readonly meanMs: number
  readonly maxMs: number
  /** Summed over the requests: request-seconds spent waiting. */
  readonly totalS: number
}

export function coldWait(waitsMs: readonly number[]): ColdWait {
  const total = waitsMs.reduce((sum, wait) => sum + wait, 0)
  return {
    requests: waitsMs.length,
    meanMs: waitsMs.length === 0 ? 0 : total / waitsMs.length,
    maxMs: waitsMs.reduce((max, wait) => Math.max(max, wait), 0),
    totalS: total / 1000,
  }
}

/** The router log lines the dispatch side reads (JSON at LogLevel=debug). */
export type RouterLogEvent =
  | {
      readonly kind: 'dispatched'
      readonly requestId: string
      readonly lambdaId: string
      /** Time in the queue; undefined when a channel was free at once. */
      readonly queuedMs: number | undefined
    }
  | { readonly kind: 'instance-state'; readonly lambdaId: string; readonly to: string }

export function parseRouterLogLine(line: string): RouterLogEvent | undefined {
  if (!line.startsWith('{')) return undefined
  let record: Record<string, unknown>
  try {
    record = JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (
    record.msg === 'request dispatched' &&
    typeof record.requestId === 'string' &&
    typeof record.lambdaId === 'string'
  ) {
    return {
      kind: 'dispatched',
      requestId: record.requestId,
      lambdaId: record.lambdaId,
      queuedMs: typeof record.queuedMs === 'number' ? record.queuedMs : undefined,
    }
  }
  if (record.msg === 'instance state' && typeof record.lambdaId === 'string' && typeof record.to === 'string') {
    return { kind: 'instance-state', lambdaId: record.lambdaId, to: record.to }
  }
  return undefined
}
