// wrk (HTTP/1.1 load): the argument list for one run and the parser of its report line (bench/wrk-report.lua).
// Both pure; running it is the caller's business.
import type { LoadResult } from './load-result.js'

export interface WrkRun {
  readonly url: string
  readonly connections: number
  readonly durationS: number
  /** Path of bench/wrk-report.lua. */
  readonly scriptPath: string
  /** Per-request timeout; wrk counts a request over it as a timeout error. */
  readonly timeoutS?: number
}

/** wrk uses one thread per connection up to the 2 cores this project benchmarks on. */
export function wrkArgs(run: WrkRun): string[] {
  const threads = Math.max(1, Math.min(2, run.connections))
  return [
    `--threads=${threads}`,
    `--connections=${run.connections}`,
    `--duration=${run.durationS}s`,
    `--timeout=${run.timeoutS ?? 10}s`,
    `--script=${run.scriptPath}`,
    run.url,
  ]
}

const REPORT_PREFIX = 'BENCH_WRK '

interface WrkReport {
  requests: number
  durationUs: number
  bytes: number
  connectErrors: number
  readErrors: number
  writeErrors: number
  statusErrors: number
  timeouts: number
  p50Us: number
  p90Us: number
  p99Us: number
  maxUs: number
  meanUs: number
}

const REPORT_KEYS: readonly (keyof WrkReport)[] = [
  'requests',
  'durationUs',
  'bytes',
  'connectErrors',
  'readErrors',
  'writeErrors',
  'statusErrors',
  'timeouts',
  'p50Us',
  'p90Us',
  'p99Us',
  'maxUs',
  'meanUs',
]

/** Reads the report line out of wrk's stdout. Throws when it is missing or incomplete (wrk failed). */
export function parseWrkOutput(stdout: string): LoadResult {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(REPORT_PREFIX))
  if (line === undefined) throw new Error(`wrk printed no report line:\n${stdout.slice(0, 500)}`)
  const parsed: unknown = JSON.parse(line.slice(REPORT_PREFIX.length))
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`wrk report is not an object: ${line}`)
  const report = parsed as Record<string, unknown>
  for (const key of REPORT_KEYS) {
    if (typeof report[key] !== 'number') throw new Error(`wrk report lacks ${key}: ${line}`)
  }
  const values = report as unknown as WrkReport
  const durationS = values.durationUs / 1e6
  return {
    requests: values.requests,
    durationS,
    requestsPerS: durationS > 0 ? values.requests / durationS : 0,
    p50Us: values.p50Us,
    p99Us: values.p99Us,
    maxUs: values.maxUs,
    // wrk counts a timed-out request in `timeouts` and in no other error field.
    errors: values.connectErrors + values.readErrors + values.writeErrors + values.statusErrors + values.timeouts,
    bytes: values.bytes,
  }
}
