// The result of one load-generator run, whatever tool produced it. Pure types and one pure constructor.

/** What a cell reports about the load itself; latencies in microseconds. */
export interface LoadResult {
  /** Completed responses in the measured window (errors included when the tool counts them as responses). */
  readonly requests: number
  readonly durationS: number
  readonly requestsPerS: number
  readonly p50Us: number
  readonly p99Us: number
  readonly maxUs: number
  /** Failed requests: socket errors, timeouts, non-2xx/3xx statuses, streams that failed. */
  readonly errors: number
  /** Response bytes received (headers included for HTTP/1.1), for a sanity check of the body size. */
  readonly bytes: number
}
