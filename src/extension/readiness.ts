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
  check(): Promise<boolean>
}

const PROBE_TIMEOUT_MS = 1_000

/** GET `path` on 127.0.0.1:`port` on a fresh connection; healthy when the status falls in `healthyStatus`. */
export function createHttpProbe(port: number, path: string, healthyStatus: readonly StatusRange[]): ReadinessProbe {
  const ranges = healthyStatus.map((range) => (range.min === range.max ? `${range.min}` : `${range.min}-${range.max}`))
  return {
    description: `http GET :${port}${path} ${ranges.join(',')}`,
    check: () =>
      new Promise((resolve) => {
        const req = request(
          { host: '127.0.0.1', port, path, agent: false, timeout: PROBE_TIMEOUT_MS, headers: { host: 'localhost' } },
          (res) => {
            res.resume()
            resolve(isHealthyStatus(res.statusCode ?? 0, healthyStatus))
          },
        )
        req.once('timeout', () => req.destroy())
        req.once('error', () => resolve(false))
        req.end()
      }),
  }
}

/** Healthy as soon as 127.0.0.1:`port` accepts a TCP connection. Also answers "is the app still there?". */
export function createTcpProbe(port: number): ReadinessProbe {
  return {
    description: `tcp :${port}`,
    check: () =>
      new Promise((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, timeout: PROBE_TIMEOUT_MS })
        const finish = (ready: boolean): void => {
          socket.destroy()
          resolve(ready)
        }
        socket.once('connect', () => finish(true))
        socket.once('timeout', () => finish(false))
        socket.once('error', () => finish(false))
      }),
  }
}

export interface ReadinessResult {
  readonly ready: boolean
  readonly attempts: number
  readonly waitedMs: number
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
    if (await probe.check()) return { ready: true, attempts, waitedMs: Math.round(performance.now() - startedAt) }
    const remainingMs = deadline - performance.now()
    if (remainingMs <= 0 || options.signal?.aborted) break
    try {
      await delay(Math.min(nextProbeDelayMs(attempts), remainingMs), options.signal)
    } catch {
      break
    }
  }
  return { ready: false, attempts, waitedMs: Math.round(performance.now() - startedAt) }
}
