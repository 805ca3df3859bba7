// Builds the demo app's node:http server. No side effects on import: nothing listens until the caller says so.
import { createServer, type Server } from 'node:http'
import { createBodySources, matchRoute, type RouteContext, sendNoRoute } from './routes.js'

/** Node's own default, kept explicit because the extension's app pool must stay below it. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5000

export interface DemoServerOptions {
  /** How long an idle keep-alive connection stays open; default 5000 (Node's default). */
  keepAliveTimeoutMs?: number
  /** Called by `/exit-mid-response`; default `process.exit`. In-process tests pass a spy. */
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
  return server
}
