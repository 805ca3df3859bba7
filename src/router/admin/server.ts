// AdminServer: the operator's HTTP/1.1 listener on its own port (AdminPort, loopback by default): /health, /ready,
// /metrics, the dashboard page and its JSON and Server-Sent Events API. It owns its server, its SSE clients and one
// display-refresh timer that runs only while a client listens. It never touches the front door; a failing handler
// answers 500 and logs.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../../common/index.js'
import type { RecentError } from '../telemetry/recent-errors.js'
import { adminHostAllowList, isAllowedAdminHost } from './allowed-hosts.js'
import { DASHBOARD_HTML } from './dashboard.js'
import type { RouterHealth } from './health.js'
import { type AdminRoute, routeAdminRequest } from './routes.js'
import { type AdminSnapshot, recentErrorView } from './snapshot.js'

/** What the admin listener reads; the Router implements it. Calls must not throw (a rejection becomes a 500). */
export interface AdminSource {
  health(): RouterHealth
  snapshot(): Promise<AdminSnapshot>
  metrics(): Promise<{ readonly contentType: string; readonly body: string }>
  /** Calls `listener` for every recent error as it happens; returns the unsubscribe function. */
  subscribeErrors(listener: (error: RecentError) => void): () => void
}

export interface AdminServerOptions {
  readonly host: string
  readonly port: number
  readonly source: AdminSource
  readonly logger: Logger
  /** How often /api/events pushes a snapshot: a display refresh (default 1000 ms). */
  readonly eventIntervalMs?: number
  /** Host names answered besides IP literals, loopback names and `host` (AdminAllowedHosts); others get 421. */
  readonly allowedHosts?: readonly string[]
  /** Most /api/events clients at once (default 32); one more gets 503. Each may buffer up to 4 MiB. */
  readonly maxEventClients?: number
}

const DEFAULT_EVENT_INTERVAL_MS = 1000
// A handful of dashboards and `status --watch` terminals; each may hold SSE_MAX_BUFFERED_BYTES, so 32 bound it at 128 MiB.
export const DEFAULT_MAX_EVENT_CLIENTS = 32
// The browser reconnects this long after the stream drops (SSE `retry:` field).
const SSE_RETRY_MS = 2000
// A client that reads slower than snapshots arrive is cut off rather than buffered without bound.
const SSE_MAX_BUFFERED_BYTES = 4 * 1024 * 1024
// Errors pushed the moment they happen, at most this many per refresh; in an error storm (a full queue refusing
// thousands of requests a second) the rest reach the page with the next snapshot's list.
const MAX_ERROR_EVENTS_PER_TICK = 20
const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }

/** One Server-Sent Events message: `event:` name and one `data:` line of JSON (JSON has no raw newlines). */
export function formatServerSentEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

export class AdminServer {
  readonly #options: AdminServerOptions
  readonly #server: Server
  readonly #clients = new Set<ServerResponse>()
  readonly #allowedHosts: ReadonlySet<string>
  readonly #maxEventClients: number
  #timer: NodeJS.Timeout | undefined
  #unsubscribe: (() => void) | undefined
  #ticking = false
  #errorEventsThisTick = 0
  #listening = false
  #closed: Promise<void> | undefined

  constructor(options: AdminServerOptions) {
    this.#options = options
    this.#allowedHosts = adminHostAllowList(options.host, options.allowedHosts ?? [])
    this.#maxEventClients = options.maxEventClients ?? DEFAULT_MAX_EVENT_CLIENTS
    this.#server = createServer({ keepAliveTimeout: 5000 }, (req, res) => this.#onRequest(req, res))
    this.#server.on('clientError', (error: Error, socket) => {
      this.#options.logger.debug({ err: error }, 'admin client error')
      socket.destroy()
    })
  }

  /** True while the listener is bound. */
  get listening(): boolean {
    return this.#listening
  }

  /** Clients connected to /api/events. */
  get eventClientCount(): number {
    return this.#clients.size
  }

  /** Binds the listener; the URL names the bound port (port 0 picks a free one). */
  async listen(): Promise<{ readonly url: string }> {
    const listening = once(this.#server, 'listening')
    this.#server.listen(this.#options.port, this.#options.host)
    await listening
    this.#listening = true
    const { port } = this.#server.address() as AddressInfo
    return { url: `http://${urlHost(this.#options.host)}:${port}` }
  }

  /** Ends every event stream, stops the refresh timer and closes the listener. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#close()
    return this.#closed
  }

  async #close(): Promise<void> {
    this.#stopEvents()
    for (const client of this.#clients) client.end()
    this.#clients.clear()
    if (!this.#server.listening) return
    const closed = once(this.#server, 'close')
    this.#server.close()
    this.#server.closeAllConnections()
    await closed
    this.#listening = false
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (!isAllowedAdminHost(req.headers.host, this.#allowedHosts)) {
      // RFC 9110 §15.5.20: this server is not configured to answer for that authority.
      this.#options.logger.debug({ host: req.headers.host }, 'admin request for a host not on the allow-list')
      sendText(res, 421, 'misdirected request\n')
      return
    }
    const routing = routeAdminRequest(req.method ?? 'GET', req.url ?? '/')
    if (routing.kind === 'not-found') {
      sendText(res, 404, 'not found\n')
      return
    }
    if (routing.kind === 'method-not-allowed') {
      res.setHeader('Allow', routing.allow)
      sendText(res, 405, 'method not allowed\n')
      return
    }
    this.#serve(routing.route, req, res).catch((error: unknown) => {
      this.#options.logger.warn({ err: error, route: routing.route }, 'admin request failed')
      if (!res.headersSent) sendText(res, 500, 'internal error\n')
      else res.destroy()
    })
  }

  async #serve(route: AdminRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const source = this.#options.source
    switch (route) {
      case 'health': {
        const health = source.health()
        sendJson(res, health.live ? 200 : 503, { live: health.live, state: health.state })
        return
      }
      case 'ready': {
        const health = source.health()
        sendJson(res, health.ready ? 200 : 503, health)
        return
      }
      case 'metrics': {
        const { contentType, body } = await source.metrics()
        res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' })
        res.end(body)
        return
      }
      case 'dashboard':
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
          // Everything is inline; nothing may load from elsewhere.
          'Content-Security-Policy':
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
        })
        res.end(DASHBOARD_HTML)
        return
      case 'snapshot':
        sendJson(res, 200, await source.snapshot())
        return
      case 'events':
        if (req.method === 'HEAD') {
          res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' })
          res.end()
          return
        }
        if (this.#clients.size >= this.#maxEventClients) {
          res.setHeader('Retry-After', String(Math.ceil(SSE_RETRY_MS / 1000)))
          sendText(res, 503, 'too many event streams\n')
          return
        }
        await this.#openEvents(res)
        return
      default: {
        const unreachable: never = route
        throw new Error(`unknown admin route ${String(unreachable)}`)
      }
    }
  }

  // An event stream: `retry`, a snapshot at once, then a snapshot per tick and every recent error as it happens.
  async #openEvents(res: ServerResponse): Promise<void> {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    })
    res.write(`retry: ${SSE_RETRY_MS}\n\n`)
    this.#clients.add(res)
    res.once('close', () => {
      this.#clients.delete(res)
      if (this.#clients.size === 0) this.#stopEvents()
    })
    if (this.#timer === undefined) {
      this.#timer = setInterval(this.#onTick, this.#options.eventIntervalMs ?? DEFAULT_EVENT_INTERVAL_MS)
      this.#unsubscribe = this.#options.source.subscribeErrors(this.#onRecentError)
    }
    const snapshot = await this.#options.source.snapshot()
    if (this.#clients.has(res)) this.#send(res, formatServerSentEvent('snapshot', snapshot))
  }

  #stopEvents(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
  }

  // A display refresh: one snapshot built per tick and sent to every client; a slow build skips the next tick.
  readonly #onTick = (): void => {
    this.#errorEventsThisTick = 0
    if (this.#ticking) return
    this.#ticking = true
    this.#options.source
      .snapshot()
      .then((snapshot) => this.#broadcast(formatServerSentEvent('snapshot', snapshot)))
      .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'admin snapshot failed'))
      .finally(() => {
        this.#ticking = false
      })
  }

  readonly #onRecentError = (error: RecentError): void => {
    if (this.#errorEventsThisTick >= MAX_ERROR_EVENTS_PER_TICK) return
    this.#errorEventsThisTick++
    this.#broadcast(formatServerSentEvent('recent-error', recentErrorView(error)))
  }

  #broadcast(message: string): void {
    for (const client of this.#clients) this.#send(client, message)
  }

  #send(client: ServerResponse, message: string): void {
    if (client.writableLength > SSE_MAX_BUFFERED_BYTES) {
      client.destroy()
      return
    }
    client.write(message)
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, JSON_HEADERS)
  res.end(JSON.stringify(body))
}

function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(body)
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}
