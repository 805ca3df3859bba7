// Builds the demo app's node:http server, and starts it after its simulated start-up delay. No side effects on import:
// nothing listens until the caller says so.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createBodySources, matchRoute, type RouteContext, sendNoRoute } from './routes.js'
import { createDemoWebSockets } from './websocket.js'

/** Node's own default, kept explicit because the extension's app pool must stay below it. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5000

export interface DemoServerOptions {
  /** How long an idle keep-alive connection stays open; default 5000 (Node's default). */
  keepAliveTimeoutMs?: number
  /** Called by `/exit-mid-response` and by an event asking `/events` to exit; default `process.exit`. */
  exitProcess?: (code: number) => void
}

/** Creates the demo app server; the caller calls `listen()` and, to stop, `close()` plus `closeAllConnections()`. */
export function createDemoServer(options: DemoServerOptions = {}): Server {
  const exitProcess = options.exitProcess ?? ((code: number) => process.exit(code))
  const sources = createBodySources()
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo-app.invalid')
    const match = matchRoute(req.method ?? 'GET', url.pathname)
    if (match.kind !== 'route') {
      req.resume()
      sendNoRoute(res, match)
      return
    }
    const context: RouteContext = { query: url.searchParams, params: match.params, exitProcess, ...sources }
    match.handler(req, res, context)
  })
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS
  const webSockets = createDemoWebSockets()
  server.on('upgrade', webSockets.onUpgrade)
  // Upgraded sockets are no longer the HTTP server's: closing every connection ends the WebSockets too.
  const closeHttpConnections = server.closeAllConnections.bind(server)
  server.closeAllConnections = () => {
    webSockets.closeAll()
    closeHttpConnections()
  }
  return server
}

export interface DemoAppListenOptions extends DemoServerOptions {
  readonly port: number
  readonly host: string
  /** A simulated slow app init: nothing listens until this has passed. 0 listens at once. */
  readonly startupDelayMs: number
}

/** The demo app, listening (or about to). */
export interface DemoApp {
  readonly server: Server
  /** Resolves with the bound address once listening; rejects when listen fails; never settles if stopped first. */
  readonly listening: Promise<AddressInfo>
  /** Cancels a pending start, closes the server and its connections (SSE and /hang included). */
  stop(): void
}

/** Creates the demo server and listens on `host:port` after `startupDelayMs`. */
export function startDemoApp(options: DemoAppListenOptions): DemoApp {
  const server = createDemoServer(options)
  let startTimer: NodeJS.Timeout | undefined
  const listening = new Promise<AddressInfo>((resolve, reject) => {
    // The one timer here is the simulated init itself, not a wait for anything.
    startTimer = setTimeout(() => {
      startTimer = undefined
      once(server, 'listening').then(() => resolve(server.address() as AddressInfo), reject)
      server.listen(options.port, options.host)
    }, options.startupDelayMs)
  })
  return {
    server,
    listening,
    stop() {
      clearTimeout(startTimer)
      server.close()
      server.closeAllConnections()
    },
  }
}
