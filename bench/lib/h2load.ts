// h2load (HTTP/2 over cleartext with prior knowledge): the argument list for one run, and the parsers of its summary
// and of its per-request log (--log-file), from which the percentiles come (h2load prints none). All pure.
import type { LoadResult } from './load-result.js'
import { percentileOfSorted, sortedAscending } from './stats.js'

export interface H2loadRun {
  readonly url: string
  /** Concurrent streams in all; spread over connections by h2Shape. */
  readonly concurrency: number
  readonly durationS: number
  readonly warmupS: number
  readonly logFile: string
}

/**
 * How `concurrency` streams are opened: at most 10 streams per connection, as a browser or a proxy in front would
 * multiplex them (1 → 1×1, 10 → 1×10, 50 → 5×10, 200 → 20×10).
 */
export function h2Shape(concurrency: number): { connections: number; streamsPerConnection: number } {
  const connections = Math.max(1, Math.ceil(concurrency / 10))
  return { connections, streamsPerConnection: Math.max(1, Math.round(concurrency / connections)) }
}

export function h2loadArgs(run: H2loadRun): string[] {
  const { connections, streamsPerConnection } = h2Shape(run.concurrency)
  return [
    `--threads=${Math.min(2, connections)}`,
    `--clients=${connections}`,
    `--max-concurrent-streams=${streamsPerConnection}`,
    `--duration=${run.durationS}`,
    `--warm-up-time=${run.warmupS}`,
    `--log-file=${run.logFile}`,
    run.url,
  ]
}

/** The counters of h2load's summary. */
export interface H2loadSummary {
  readonly requestsPerS: number
  readonly total: number
  readonly succeeded: number
  readonly failed: number
  readonly errored: number
  readonly timeout: number
  readonly status2xx: number
  readonly status3xx: number
  readonly status4xx: number
  readonly status5xx: number
  /** Bytes received in all (the `traffic: … total` figure). */
  readonly trafficBytes: number
}

const NUMBER = '([\\d.]+)'

function capture(text: string, pattern: string, what: string): number {
  const match = new RegExp(pattern).exec(text)
  if (!match) throw new Error(`h2load output lacks ${what}:\n${text.slice(0, 800)}`)
  return Number(match[1])
}

/** Parses h2load's end-of-run summary. Throws when a line is missing (h2load failed to run). */
export function parseH2loadSummary(stdout: string): H2loadSummary {
  const requests =
    /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      stdout,
    )
  const statuses = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(stdout)
  if (!requests || !statuses) throw new Error(`h2load output lacks its request counters:\n${stdout.slice(0, 800)}`)
  return {
    requestsPerS: capture(stdout, `finished in [\\d.]+m?s, ${NUMBER} req/s`, 'req/s'),
    total: Number(requests[1]),
    succeeded: Number(requests[2]),
    failed: Number(requests[3]),
    errored: Number(requests[4]),
    timeout: Number(requests[5]),
    status2xx: Number(statuses[1]),
    status3xx: Number(statuses[2]),
    status4xx: Number(statuses[3]),
    status5xx: Number(statuses[4]),
    trafficBytes: capture(stdout, `traffic: [\\d.]+[KMG]?B \\((\\d+)\\) total`, 'traffic'),
  }
}

/** Durations (µs) of the successful rows of an h2load --log-file, and how many rows failed (status -1 or ≥ 400). */
export function parseH2loadLog(text: string): { durationsUs: number[]; failedRows: number } {
  const durationsUs: number[] = []
  let failedRows = 0
  for (const line of text.split('\n')) {
    if (line === '') continue
    const [, status, duration] = line.split('\t')
    const code = Number(status)
    if (!Number.isInteger(code) || code < 0 || code >= 400) {
      failedRows++
      continue
    }
    durationsUs.push(Number(duration))
  }
  return { durationsUs, failedRows }
}

/** One LoadResult from the summary (rate, counts) and the log (latencies). */
export function h2loadResult(summary: H2loadSummary, log: { durationsUs: number[] }, durationS: number): LoadResult {
  const sorted = sortedAscending(log.durationsUs)
  // h2load's `failed` already holds `errored` (network, resets) and `timeout`, and every non-2xx/3xx status.
  const errors = summary.failed
  return {
    requests: summary.total,
    durationS,
    requestsPerS: summary.requestsPerS,
    p50Us: percentileOfSorted(sorted, 50) ?? 0,
    p99Us: percentileOfSorted(sorted, 99) ?? 0,
    maxUs: sorted[sorted.length - 1] ?? 0,
    errors,
    bytes: summary.trafficBytes,
  }
}
