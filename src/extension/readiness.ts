// App readiness: pure status-range rules and backoff, the http and tcp probes, and waitForApp, the one bounded-backoff
// poll the project allows (STYLE.md §11). Touches only loopback connections to the app.
import { request } from 'node:http'
import { connect } from 'node:net'
import { delay } from '../common/index.js'

/** An inclusive range of HTTP status codes that count as healthy. */
export interface StatusRange {
  readonly min: number
  readonly max: number
}

/** Parses `"200-299"`, `"200-399,404"` or `"200"`; undefined when any part is not a status or range of statuses. */
export function parseStatusRanges(text: string): StatusRange[] | undefined {
  const ranges: StatusRange[] = []
  for (const part of text.split(',')) {
    const match = /^\s*([1-5]\d\d)\s*(?:-\s*([1-5]\d\d)\s*)?$/.exec(part)
    if (!match) return undefined
    const min = Number(match[1])
    const max = match[2] === undefined ? min : Number(match[2])
    if (max < min) return undefined
    ranges.push({ min, max })
  }
  return ranges
}

export function isHealthyStatus(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((range) => status >= range.min && status <= range.max)
}

const FIRST_PROBE_DELAY_MS = 10
const MAX_PROBE_DELAY_MS = 100

/** Wait before probe number `attempt` (1-based) after a failed one: 10 ms doubling to a 100 ms cap. */
export function nextProbeDelayMs(attempt: number): number {
  return Math.min(MAX_PROBE_DELAY_MS, FIRST_PROBE_DELAY_MS * 2 ** Math.max(0, attempt - 1))
}

/** One readiness check: resolves true when the app is ready; never rejects. */
export interface ReadinessProbe {
  /** For logs: `http GET :3001/health 200-299` or `tcp :3001`. */
  readonly description: string
  /** What the last finished check saw, for the one-line explanation of an app that never became ready. */
  readonly lastObservation: string | undefined
  /** The HTTP status of the last answer, when the last check got one (http probes only). */
  readonly lastStatus?: number | undefined
  /** `limitMs`: wait at most this long for the answer (never longer than the probe's own timeout). */
  check(limitMs?: number): Promise<boolean>
}

/**
 * GET `path` on 127.0.0.1:`port` on a fresh connection; healthy when the status falls in `healthyStatus`. A probe
 * waits up to `probeTimeoutMs` for the answer; the caller runs one at a time, so a slow health route is asked once,
 * not again on top of its own unfinished answer.
 */
export function createHttpProbe(
  port: number,
  path: string,
  healthyStatus: readonly StatusRange[],
  probeTimeoutMs: number,
): ReadinessProbe {
  const ranges = healthyStatus.map((range) => (range.min === range.max ? `${range.min}` : `${range.min}-${range.max}`))
  let lastObservation: string | undefined
  let lastStatus: number | undefined
  return {
    description: `http GET :${port}${path} ${ranges.join(',')}`,
    get lastObservation() {
      return lastObservation
    },
    get lastStatus() {
      return lastStatus
    },
    check: (limitMs = probeTimeoutMs) =>
      new Promise((resolve) => {
        const waitMs = Math.max(1, Math.round(Math.min(probeTimeoutMs, limitMs)))
        const req = request(
          { host: '127.0.0.1', port, path, agent: false, timeout: waitMs, headers: { host: 'localhost' } },
          (res) => {
            res.resume()
            lastStatus = res.statusCode
            lastObservation = `GET ${path} on port ${port} answered ${res.statusCode}`
            resolve(isHealthyStatus(res.statusCode ?? 0, healthyStatus))
          },
        )
        let timedOut = false
        req.once('timeout', () => {
          timedOut = true
          req.destroy()
        })
        req.once('error', (error: NodeJS.ErrnoException) => {
          lastStatus = undefined
          lastObservation = timedOut
            ? `GET ${path} on port ${port} did not answer within ${waitMs} ms`
            : connectFailure(port, error)
          resolve(false)
        })
        req.end()
      }),
  }
}

/** Healthy as soon as 127.0.0.1:`port` accepts a TCP connection. Also answers "is the app still there?". */
export function createTcpProbe(port: number, probeTimeoutMs: number): ReadinessProbe {
  let lastObservation: string | undefined
  return {
    description: `tcp :${port}`,
    get lastObservation() {
      return lastObservation
    },
    check: (limitMs = probeTimeoutMs) =>
      new Promise((resolve) => {
        const waitMs = Math.max(1, Math.round(Math.min(probeTimeoutMs, limitMs)))
        const socket = connect({ host: '127.0.0.1', port, timeout: waitMs })
        const finish = (ready: boolean, observation: string): void => {
          lastObservation = observation
          socket.destroy()
          resolve(ready)
        }
        socket.once('connect', () => finish(true, `port ${port} accepted a connection`))
        socket.once('timeout', () => finish(false, `port ${port} did not accept within ${waitMs} ms`))
        socket.once('error', (error: NodeJS.ErrnoException) => finish(false, connectFailure(port, error)))
      }),
  }
}

function connectFailure(port: number, error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return `nothing listens on port ${port} (connection refused)`
  return `connecting to port ${port} failed (${error.code ?? error.message})`
}

// The least a probe is given to answer, even at the deadline: a loopback answer takes well under a millisecond.
const MIN_PROBE_WAIT_MS = 250

export interface ReadinessResult {
  readonly ready: boolean
  readonly attempts: number
  readonly waitedMs: number
  /** What the last probe saw (`GET /health on port 3001 answered 404`). */
  readonly lastObservation: string | undefined
}

/**
 * Probes until the app is ready, `timeoutMs` passes (undefined: no limit; Lambda bounds the init phase itself),
 * or `signal` aborts. Between failed probes it backs off per nextProbeDelayMs. Never rejects.
 */
export async function waitForApp(
  probe: ReadinessProbe,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ReadinessResult> {
  const startedAt = performance.now()
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : startedAt + options.timeoutMs
  let attempts = 0
  for (;;) {
    attempts++
    // The probe in flight is bounded by the overall deadline too (with a floor, so the last probe is a real one).
    if (await probe.check(Math.max(MIN_PROBE_WAIT_MS, deadline - performance.now()))) {
      return {
        ready: true,
        attempts,
        waitedMs: Math.round(performance.now() - startedAt),
        lastObservation: probe.lastObservation,
      }
    }
    const remainingMs = deadline - performance.now()
    if (remainingMs <= 0 || options.signal?.aborted) break
    try {
      await delay(Math.min(nextProbeDelayMs(attempts), remainingMs), options.signal)
    } catch {
      break
    }
  }
  return {
    ready: false,
    attempts,
    waitedMs: Math.round(performance.now() - startedAt),
    lastObservation: probe.lastObservation,
  }
}
