// The Lambda-facing control channel: HTTP/2 only, h2c with prior knowledge and/or TLS with ALPN h2. Routes channel
// POSTs, pings and closes (original-protocol.md §3.4) to pools, tunes flow control (DESIGN.md §6), and upholds the
// ordering invariant: respond() first, then construct the Channel, then publish it. Owns its listeners and sessions.
import { once } from 'node:events'
import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  constants as http2,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2'
import type { AddressInfo, Socket } from 'node:net'
import { goawayGracefully, type Logger, openedAfterGoaway, withTimeout } from '../../common/index.js'
import {
  advertisesWebSocket,
  CONTROL_BODY_NO_LAMBDA_ID,
  CONTROL_BODY_NO_ROUTE,
  controlBodyNoInstance,
  controlBodyNoPool,
  HEADER_CAPABILITIES,
  HEADER_CHANNEL_TOKEN,
  HEADER_LAMBDA_ID,
  HEADER_POOL_ID,
  tunnelOpenHeaders,
} from '../../protocol/index.js'
import type { TunnelOrderingError } from '../errors.js'
import type { Http2ErrorKind, RouterEvents } from '../events.js'
import { isOwnReset } from '../http2-reset.js'
import { Channel } from '../instances/channel.js'
import type { ControlPool, ControlRouteKind } from './control-pool.js'
import { type ControlHttp2Settings, DEFAULT_CONTROL_HTTP2_SETTINGS, keepSessionAlive } from './http2-settings.js'
import {
  CONTROL_ROUTE_METHODS,
  type ControlRoute,
  controlBodyNoInstanceForLambda,
  headerValues,
  parseControlPath,
  resolveControlPoolId,
} from './routes.js'

// nghttp2_error NGHTTP2_ERR_BAD_CLIENT_MAGIC (nghttp2.h): the connection did not start with the HTTP/2 preface.
const NGHTTP2_ERR_BAD_CLIENT_MAGIC = -903

export interface ControlServerOptions {
  readonly host: string
  /** h2c (prior knowledge) port; 0 picks a free one; absent: no h2c listener. */
  readonly h2cPort?: number
  /** TLS port (ALPN h2 only); used only together with `tls`. */
  readonly tlsPort?: number
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer }
  resolvePool(poolId: string): ControlPool | undefined
  readonly settings?: Partial<ControlHttp2Settings>
  readonly logger: Logger
  /** Where control responses, HTTP/2 errors and ordering violations are published. */
  readonly events: RouterEvents
  /**
   * AllowUnauthenticatedChannels: admit control requests that carry no channel token (the original extension has
   * none). A wrong token is refused either way. Default false.
   */
  readonly allowUnauthenticatedChannels?: boolean
  /**
   * Test seam only: publish each channel before responding, as the original did before its fix, so a test can show
   * the TunnelWriter guard refuses the write and no DATA leaves. Never set in production.
   */
  readonly breakOrderingInvariant?: boolean
}

/** The ports actually bound (useful with port 0). */
export interface ControlListenResult {
  readonly h2cPort?: number
  readonly tlsPort?: number
}

export class ControlServer {
  readonly #options: ControlServerOptions
  readonly #settings: ControlHttp2Settings
  readonly #events: RouterEvents
  readonly #logger: Logger
  readonly #servers: Array<{ kind: 'h2c' | 'tls'; server: Http2Server | Http2SecureServer; port: number }> = []
  readonly #sessions = new Set<Http2Session>()
  #state: 'idle' | 'listening' | 'closing' | 'closed' = 'idle'

  constructor(options: ControlServerOptions) {
    if (options.h2cPort === undefined && (options.tls === undefined || options.tlsPort === undefined)) {
      throw new Error('ControlServer needs an h2c port, or a TLS port with a key and certificate')
    }
    this.#options = options
    this.#settings = { ...DEFAULT_CONTROL_HTTP2_SETTINGS, ...options.settings }
    this.#events = options.events
    this.#logger = options.logger
    const serverOptions = {
      settings: {
        initialWindowSize: this.#settings.initialWindowSize,
        maxConcurrentStreams: this.#settings.maxConcurrentStreams,
      },
      maxSessionMemory: this.#settings.maxSessionMemoryMb,
    }
    if (options.h2cPort !== undefined) {
      const server = createServer(serverOptions)
      this.#wire(server)
      this.#servers.push({ kind: 'h2c', server, port: options.h2cPort })
    }
    if (options.tls !== undefined && options.tlsPort !== undefined) {
      const server = createSecureServer({
        ...serverOptions,
        key: options.tls.key,
        cert: options.tls.cert,
        allowHTTP1: false,
        ALPNProtocols: ['h2'],
      })
      this.#wire(server)
      server.on('unknownProtocol', this.#onUnknownProtocol)
      // A client offering no h2 in ALPN fails the handshake here ("no application protocol"), as do bad handshakes.
      server.on('tlsClientError', (err: Error) => this.#http2Error('tls_error', { err }))
      this.#servers.push({ kind: 'tls', server, port: options.tlsPort })
    }
  }

  /** Binds every configured listener; resolves with the bound ports. */
  async listen(): Promise<ControlListenResult> {
    if (this.#state !== 'idle') throw new Error(`ControlServer.listen() called while ${this.#state}`)
    this.#state = 'listening'
    const result: { h2cPort?: number; tlsPort?: number } = {}
    for (const entry of this.#servers) {
      entry.server.listen(entry.port, this.#options.host)
      await once(entry.server, 'listening')
      const port = (entry.server.address() as AddressInfo).port
      if (entry.kind === 'h2c') result.h2cPort = port
      else result.tlsPort = port
      this.#logger.info({ kind: entry.kind, host: this.#options.host, port }, 'control channel listening')
    }
    return result
  }

  /** Open HTTP/2 sessions (extension connections). */
  get sessionCount(): number {
    return this.#sessions.size
  }

  /**
   * Stops listening and closes every session gracefully (GOAWAY, open streams may finish); sessions still open after
   * `graceMs` are destroyed. Call it after the pools have closed, so their channels were sent goaway first.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#state === 'closing' || this.#state === 'closed') return
    const wasListening = this.#state === 'listening'
    this.#state = 'closing'
    const serversClosed = wasListening
      ? this.#servers.map((entry) => new Promise<void>((resolve) => entry.server.close(() => resolve())))
      : []
    const sessionsClosed = [...this.#sessions].map((session) => {
      const closed = once(session, 'close').then(() => undefined)
      goawayGracefully(session)
      return closed
    })
    const outcome = await withTimeout(Promise.all(sessionsClosed), options.graceMs ?? 1000)
    if (outcome === 'timeout') for (const session of this.#sessions) session.destroy()
    await Promise.all(serversClosed)
    this.#state = 'closed'
  }

  #wire(server: Http2Server | Http2SecureServer): void {
    server.on('stream', this.#onStream)
    server.on('session', this.#onSession)
    server.on('sessionError', this.#onSessionError)
  }

  readonly #onSession = (session: Http2Session): void => {
    this.#sessions.add(session)
    session.once('close', () => this.#sessions.delete(session))
    session.on('frameError', (type: number, code: number, id: number) => {
      this.#http2Error('frame_error', { type, code, streamId: id })
    })
    session.on('goaway', (code: number) => {
      if (code !== http2.NGHTTP2_NO_ERROR) this.#http2Error('goaway_received', { code })
    })
    // The connection window can only be raised once the session exists (DESIGN.md §6).
    try {
      session.setLocalWindowSize(this.#settings.connectionWindowSize)
    } catch (err) {
      this.#logger.debug({ err }, 'could not raise the connection window')
    }
    if (this.#state === 'closing' || this.#state === 'closed') goawayGracefully(session)
    keepSessionAlive(session, this.#settings, (timeoutMs) => {
      this.#http2Error('session_error', { reason: `no PING answer within ${timeoutMs} ms` })
    })
  }

  readonly #onSessionError = (err: Error): void => {
    // An HTTP/1.1 request on the h2c port fails the connection preface and ends here too (nghttp2's bad client magic);
    // every other nghttp2 error is a protocol violation by an HTTP/2 peer (a HEADERS frame on stream 0, an invalid
    // SETTINGS value…), a session error.
    const { code, errno } = err as NodeJS.ErrnoException
    const badPreface = code === 'ERR_HTTP2_ERROR' && errno === NGHTTP2_ERR_BAD_CLIENT_MAGIC
    this.#http2Error(badPreface ? 'bad_preface' : 'session_error', { err })
  }

  readonly #onUnknownProtocol = (socket: Socket): void => {
    this.#http2Error('bad_preface', { alpn: 'none or http/1.1' })
    socket.destroy()
  }

  // Every stream gets this listener first: an unhandled stream 'error' (a peer RST_STREAM) would crash the process.
  readonly #onStreamError = (err: Error): void => {
    // Our own resets (client aborts, timeouts) emit 'error' too; only the peer's count.
    if (isOwnReset(err)) return
    this.#http2Error('stream_error', { err })
  }

  readonly #onOrderingViolation = (error: TunnelOrderingError, poolId: string): void => {
    this.#events.tunnelOrderingViolated.publish({ poolId, error })
  }

  readonly #onStream = (
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    _flags: number,
    rawHeaders: string[],
  ): void => {
    if (openedAfterGoaway(stream)) return
    stream.on('error', this.#onStreamError)
    const path = headers[':path']
    const route = typeof path === 'string' ? parseControlPath(path) : undefined
    if (route === undefined || headers[':method'] !== CONTROL_ROUTE_METHODS[route.kind]) {
      this.#refuse(stream, 404, CONTROL_BODY_NO_ROUTE, false)
      this.#responded('unknown', 404, { path, method: headers[':method'] })
      return
    }
    const raw = rawHeaders ?? flattenHeaders(headers)
    switch (route.kind) {
      case 'request':
        this.#onChannel(stream, route, raw)
        return
      case 'ping':
        this.#onPing(stream, route, raw)
        return
      case 'close':
        this.#onClose(stream, route, raw)
        return
      default: {
        const unreachable: never = route
        throw new Error(`unknown control route ${String(unreachable)}`)
      }
    }
  }

  #onChannel(stream: ServerHttp2Stream, route: ControlRoute & { kind: 'request' }, rawHeaders: string[]): void {
    const { lambdaId, channelId } = route
    const lambdaIdHeader = headerValues(rawHeaders, HEADER_LAMBDA_ID)
    if (lambdaIdHeader.length !== 1 || (lambdaIdHeader[0] as string).trim().length === 0) {
      this.#refuse(stream, 400, CONTROL_BODY_NO_LAMBDA_ID, true)
      this.#responded('request', 400, { lambdaId, channelId })
      return
    }
    const resolved = this.#resolve(stream, route, rawHeaders)
    if (resolved === undefined) return
    const { pool, poolId } = resolved
    const admission = resolved.access === 'unknown' ? 'unknown' : pool.acceptsChannel(lambdaId, channelId)
    if (admission === 'unknown') {
      this.#refuseUnknownInstance(stream, route, poolId)
      return
    }
    if (admission === 'full') {
      // Beyond NumberOfChannels: a peer opening channels it was not asked for. No detail, as for a bad token.
      this.#answerEmpty(stream, 429)
      this.#responded('request', 429, { poolId, lambdaId, channelId, why: 'channel cap' })
      return
    }
    if (stream.destroyed) return
    const webSocket = advertisesWebSocket(rawHeaders, HEADER_CAPABILITIES)
    const ids = { poolId, lambdaId, channelId, webSocket, onOrderingViolation: this.#onOrderingViolation }
    if (this.#options.breakOrderingInvariant) {
      // The original's bug, reproduced on purpose: publish first, respond after.
      pool.addChannel(new Channel(stream, { ...ids, skipHeadersCheck: true }))
      if (!stream.destroyed && !stream.headersSent) this.#respondTunnel(stream)
      return
    }
    // The ordering invariant (DESIGN.md §2.5): HEADERS first, then the Channel, then anything that may write to it.
    if (!this.#respondTunnel(stream)) return
    pool.addChannel(new Channel(stream, ids))
  }

  #respondTunnel(stream: ServerHttp2Stream): boolean {
    try {
      stream.respond(tunnelOpenHeaders())
      return true
    } catch (err) {
      // The stream died between the routing checks and here (peer reset): nothing was published.
      this.#logger.debug({ err }, 'channel stream closed before it could be answered')
      return false
    }
  }

  #onPing(stream: ServerHttp2Stream, route: ControlRoute, rawHeaders: string[]): void {
    const resolved = this.#resolve(stream, route, rawHeaders)
    if (resolved === undefined) return
    if (resolved.access === 'unknown' || !resolved.pool.ping(route.lambdaId)) {
      this.#refuseUnknownInstance(stream, route, resolved.poolId)
      return
    }
    this.#answerEmpty(stream, 200)
  }

  #onClose(stream: ServerHttp2Stream, route: ControlRoute, rawHeaders: string[]): void {
    const resolved = this.#resolve(stream, route, rawHeaders)
    if (resolved === undefined) return
    const { pool, poolId } = resolved
    // Answer without waiting for the request body's END_STREAM: the Rust extension closes it only after the response.
    stream.resume()
    pool.closeFromLambda(route.lambdaId, (known) => {
      if (known) {
        this.#answerEmpty(stream, 200)
        this.#responded('close', 200, { poolId, lambdaId: route.lambdaId })
      } else {
        this.#refuseUnknownInstance(stream, route, poolId)
      }
    })
  }

  // The one step every route takes first: find the pool (409 when unknown, as the original), then judge the channel
  // token (a bare 403: no body, no hint of which part was wrong; nothing reaches the instance). Undefined once the
  // stream has been answered.
  #resolve(
    stream: ServerHttp2Stream,
    route: ControlRoute,
    rawHeaders: string[],
  ): { pool: ControlPool; poolId: string; access: 'ok' | 'unknown' } | undefined {
    const poolId = resolveControlPoolId(route, rawHeaders, HEADER_POOL_ID)
    const pool = this.#options.resolvePool(poolId)
    if (pool === undefined) {
      this.#refuse(stream, 409, controlBodyNoPool(poolId), true)
      this.#responded(route.kind, 409, { ...routeIds(route, poolId), why: 'unknown pool' })
      return undefined
    }
    const tokens = headerValues(rawHeaders, HEADER_CHANNEL_TOKEN)
    const allowMissing = this.#options.allowUnauthenticatedChannels === true
    const access = pool.authorize(route.lambdaId, tokens, allowMissing, route.kind)
    if (access === 'refused') {
      this.#answerEmpty(stream, 403)
      this.#responded(route.kind, 403, { poolId: pool.poolId, lambdaId: route.lambdaId })
      return undefined
    }
    return { pool, poolId, access }
  }

  // 409 for an instance the pool does not know (or no longer serves): the extension stops.
  #refuseUnknownInstance(stream: ServerHttp2Stream, route: ControlRoute, poolId: string): void {
    const body =
      route.kind === 'request'
        ? controlBodyNoInstance(poolId, route.lambdaId, route.channelId)
        : controlBodyNoInstanceForLambda(poolId, route.lambdaId)
    this.#refuse(stream, 409, body, true)
    this.#responded(route.kind, 409, { ...routeIds(route, poolId), why: 'unknown instance' })
  }

  #responded(route: ControlRouteKind | 'unknown', status: number, detail: Record<string, unknown>): void {
    this.#events.controlResponded.publish({ route, status, detail })
  }

  #http2Error(kind: Http2ErrorKind, detail: Record<string, unknown>): void {
    this.#events.http2Error.publish({ kind, detail })
  }

  #answerEmpty(stream: ServerHttp2Stream, status: number): void {
    stream.resume()
    if (stream.destroyed || stream.headersSent) return
    stream.respond({ ':status': status }, { endStream: true })
  }

  // A refused stream: status and text body, then the peer's request body is read and discarded so the stream ends.
  #refuse(stream: ServerHttp2Stream, status: number, body: string, textPlain: boolean): void {
    stream.resume()
    if (stream.destroyed || stream.headersSent) return
    stream.respond(textPlain ? { ':status': status, 'content-type': 'text/plain' } : { ':status': status })
    stream.end(body)
  }
}

// The ids a control response is logged with.
function routeIds(route: ControlRoute, poolId: string): Record<string, string> {
  const ids = { poolId, lambdaId: route.lambdaId }
  return route.kind === 'request' ? { ...ids, channelId: route.channelId } : ids
}

// Node passes rawHeaders to 'stream' listeners; this covers a caller that does not.
function flattenHeaders(headers: IncomingHttpHeaders): string[] {
  const raw: string[] = []
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value) raw.push(name, item)
    else raw.push(name, value)
  }
  return raw
}
