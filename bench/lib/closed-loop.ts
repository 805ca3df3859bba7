// Closed-loop load for the scale-up comparison: `concurrency` clients, each sending its next request as soon as its
// last one answered, until `total` requests were sent. Records every request's timing, status and chosen headers.
import { Agent, request } from 'node:http'

/** One phase of load the scale-up comparison's load process runs (bench/scaleup-load.ts). */
export interface LoadPhase {
  readonly name: string
  readonly path: string
  readonly concurrency: number
  readonly total: number
  /** Response headers to keep, lower case. */
  readonly keepHeaders: readonly string[]
  /** When set, request i carries `X-Request-Id: <prefix><i>`. */
  readonly requestIdPrefix?: string
  readonly timeoutMs: number
}

/** What the load process loads: a URL, or an API Gateway stand-in it starts in front of a function. */
export interface LoadPlan {
  readonly url?: string
  readonly gateway?: { readonly lambdaEndpoint: string; readonly functionName: string; readonly maxSockets: number }
}

export interface RequestRecord {
  readonly index: number
  /** Milliseconds since the run started. */
  readonly startMs: number
  readonly latencyMs: number
  /** 0 when the request failed without a response. */
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly error?: string
}

export interface ClosedLoopOptions {
  readonly url: string
  readonly concurrency: number
  readonly total: number
  /** Response headers to keep, lower case. */
  readonly keepHeaders: readonly string[]
  /** Request headers for request `index` (e.g. a request id to find it in the router's log). */
  readonly headersFor?: (index: number) => Record<string, string>
  readonly timeoutMs: number
}

export async function runClosedLoop(options: ClosedLoopOptions): Promise<RequestRecord[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency })
  const records: RequestRecord[] = []
  const started = performance.now()
  let next = 0
  const one = (index: number): Promise<RequestRecord> =>
    new Promise((resolve) => {
      const startMs = performance.now() - started
      const finish = (status: number, headers: Record<string, string>, error?: string): void =>
        resolve({
          index,
          startMs,
          latencyMs: performance.now() - started - startMs,
          status,
          headers,
          ...(error === undefined ? {} : { error }),
        })
      const req = request(options.url, {
        agent,
        headers: options.headersFor?.(index) ?? {},
        timeout: options.timeoutMs,
      })
      req.once('response', (res) => {
        res.resume()
        res.once('end', () => {
          const kept: Record<string, string> = {}
          for (const name of options.keepHeaders) {
            const value = res.headers[name]
            if (typeof value === 'string') kept[name] = value
          }
          finish(res.statusCode ?? 0, kept)
        })
        res.once('error', (error) => finish(0, {}, error.message))
      })
      req.once('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)))
      req.once('error', (error) => finish(0, {}, error.message))
      req.end()
    })
  const worker = async (): Promise<void> => {
    while (next < options.total) {
      const index = next++
      records.push(await one(index))
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  agent.destroy()
  return records.sort((a, b) => a.index - b.index)
}
