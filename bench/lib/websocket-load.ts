// WebSocket round trips for `npm run bench` (issue 18): `sockets` clients of the `ws` library each send a message to
// the demo app's /ws echo and wait for it before sending the next (a closed loop), for a warm-up and then a measured
// duration. Reports messages/s and the round-trip latency percentiles. Needs no external tool.
import WebSocket from 'ws'
import type { PathName } from './cells.js'
import { percentileOfSorted, sortedAscending } from './stats.js'

export interface WebSocketLoadOptions {
  readonly sockets: number
  readonly messageBytes: number
  readonly durationS: number
  readonly warmupS: number
}

export interface WebSocketResult {
  readonly path: PathName
  readonly sockets: number
  readonly messageBytes: number
  readonly status: 'ok' | 'failed'
  readonly reason?: string
  /** Echoed messages per second over the measured duration, all sockets together. */
  readonly messagesPerS?: number
  readonly p50Us?: number
  readonly p99Us?: number
  readonly maxUs?: number
  readonly errors?: number
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.once('open', () => resolve(socket))
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`handshake answered ${response.statusCode}`)),
    )
    socket.once('error', reject)
  })
}

/** Measures round trips to `${httpUrl}/ws` through one path. Never throws: a failure is the result's reason. */
export async function measureWebSockets(
  path: PathName,
  httpUrl: string,
  options: WebSocketLoadOptions,
): Promise<WebSocketResult> {
  const base = { path, sockets: options.sockets, messageBytes: options.messageBytes }
  const url = `${httpUrl.replace(/^http/, 'ws')}/ws`
  let sockets: WebSocket[] = []
  try {
    sockets = await Promise.all(Array.from({ length: options.sockets }, () => open(url)))
    const payload = Buffer.alloc(options.messageBytes, 0x61)
    const latenciesUs: number[] = []
    let errors = 0
    let measuring = false
    let running = true
    const loops = sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          let sentAt = 0
          const send = (): void => {
            if (!running) {
              resolve()
              return
            }
            sentAt = performance.now()
            socket.send(payload)
          }
          socket.on('message', () => {
            if (measuring) latenciesUs.push((performance.now() - sentAt) * 1000)
            send()
          })
          socket.once('close', () => {
            if (running) errors++
            resolve()
          })
          socket.on('error', () => {})
          send()
        }),
    )
    // The two timers are the measurement's own phases (warm-up, then the measured window), not waits for events.
    await new Promise((resolve) => setTimeout(resolve, options.warmupS * 1000))
    measuring = true
    const startedAt = performance.now()
    await new Promise((resolve) => setTimeout(resolve, options.durationS * 1000))
    measuring = false
    const elapsedS = (performance.now() - startedAt) / 1000
    const count = latenciesUs.length
    running = false
    await Promise.all(loops)
    const sorted = sortedAscending(latenciesUs)
    return {
      ...base,
      status: 'ok',
      messagesPerS: count / elapsedS,
      p50Us: percentileOfSorted(sorted, 50),
      p99Us: percentileOfSorted(sorted, 99),
      maxUs: sorted.at(-1),
      errors,
    }
  } catch (error) {
    return { ...base, status: 'failed', reason: (error as Error).message }
  } finally {
    for (const socket of sockets) socket.terminate()
  }
}

/** The Markdown table of the WebSocket rows, dispatch's cost over direct in the last column. */
export function webSocketTable(results: readonly WebSocketResult[]): string {
  const direct = results.find((result) => result.path === 'direct' && result.status === 'ok')
  const rows = results.map((result) => {
    if (result.status !== 'ok')
      return `| ${result.path} | ${result.sockets} | ${result.messageBytes} | failed: ${result.reason} | | | |`
    const ms = (us: number | undefined): string => (us === undefined ? '–' : (us / 1000).toFixed(2))
    const vsDirect =
      direct?.messagesPerS !== undefined && result.messagesPerS !== undefined && result.path !== 'direct'
        ? `${((100 * result.messagesPerS) / direct.messagesPerS).toFixed(0)}%`
        : ''
    return `| ${result.path} | ${result.sockets} | ${result.messageBytes} | ${Math.round(result.messagesPerS ?? 0)} | ${ms(result.p50Us)} | ${ms(result.p99Us)} | ${vsDirect} |`
  })
  return [
    '| path | sockets | message bytes | messages/s | p50 ms | p99 ms | of direct |',
    '| ---- | ------: | ------------: | ---------: | -----: | -----: | --------: |',
    ...rows,
  ].join('\n')
}
