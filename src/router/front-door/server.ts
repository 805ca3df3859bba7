// FrontDoor: the client-facing listeners. HTTP/1.1 and h2c (prior knowledge) share the plain port, told apart by the
// first bytes; HTTPS negotiates h2 or http/1.1 by ALPN. Every request takes one path: admit, build the tunnelled
// headers, dispatch with a ClientExchange. It owns its servers, sessions and exchanges, and nothing else.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http'
import {
  createServer as createHttp2Server,
  type Http2Server,
  Http2ServerRequest,
  constants as http2Constants,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import { type AddressInfo, Server as NetServer, type Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket, type Server as TlsServer } from 'node:tls'
import { goawayGracefully, type Logger, openedAfterGoaway } from '../../common/index.js'
import { getHeader, HEADER_LAMBDA_NAME, type RawHeaders } from '../../protocol/index.js'
import type { DispatchDecision, DispatchRequest, ExchangeHandler } from '../dispatch/exchange.js'
import {
  BadClientRequestError,
  ClientHeadTooLargeError,
  ClientRequestTimeoutError,
  LambdaNameNotAllowedError,
  RouterClosingError,
  type RouterError,
} from '../errors.js'
import { type AdmissionPolicy, admitRequest, http1FramingProblem, http2AuthorityProblem } from './admission.js'
import { statusFor } from './error-status.js'
import {
  ClientExchange,
  type ClientResponse,
  type ExchangeHost,
  type ExchangeOutcome,
  writeErrorResponse,
} from './exchange.js'
import { buildUpstreamHeaders, isValidRequestId } from './forwarded-headers.js'
import { classifyConnection } from './preface.js'

/** Anything that takes a request and reports its outcome to a handler: a Pool, or a scripted stand-in in tests. */
export interface RequestDispatcher {
  dispatch(request: DispatchRequest, handler: ExchangeHandler): DispatchDecision
}

/** Client-side limits; each is a deliberate choice documented in docs/router.md. */
export interface FrontDoorLimits {
  /** Largest request head accepted (HTTP/1.1 maxHeaderSize, HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE); over it → 431. */
  readonly maxRequestHeadBytes: number
  /** Time for a client to send a complete request head. */
  readonly headersTimeoutMs: number
  /** Absolute time, from its first byte, for a plain connection to tell HTTP/1.1 from h2c. */
  readonly prefaceTimeoutMs: number
  /** Open connections per client listener; more are closed at accept (net.Server maxConnections). */
  readonly maxConnections: number
  /** SETTINGS_MAX_CONCURRENT_STREAMS for client HTTP/2 connections. */
  readonly maxConcurrentStreams: number
  /** Time for a client to send its whole request, body included; 0 disables it (the body idle timeout applies). */
  readonly requestTimeoutMs: number
  /** How long an idle connection is kept open before its first request and between requests (HTTP/2: idle session). */
  readonly keepAliveTimeoutMs: number
}

/** One line of the access log. */
export interface AccessLogEntry {
  readonly requestId: string
  readonly method: string
  readonly target: string
  readonly protocol: 'HTTP/1.1' | 'HTTP/2'
  readonly poolKey: string | undefined
  readonly status: number
  readonly result: ExchangeOutcome['result'] | 'refused'
  readonly durationMs: number
  readonly errorCode: string | undefined
}

export interface FrontDoorOptions {
  /** Address to bind; undefined binds every interface. */
  readonly host?: string
  readonly httpPort: number
  /** HTTPS listener (ALPN h2 and http/1.1), when a certificate is configured. */
  readonly https?: { readonly port: number; readonly key: string | Buffer; readonly cert: string | Buffer }
  readonly limits: FrontDoorLimits
  readonly admission: AdmissionPolicy
  readonly trustForwardedHeaders: boolean
  /** The dispatcher for a pool key that admission produced (DEFAULT_POOL_ID or an allow-listed name). */
  readonly resolveDispatcher: (poolKey: string) => RequestDispatcher | undefined
  readonly logger: Logger
  /** Called once per finished request (not for /health). Must not throw. */
  readonly onAccess?: (entry: AccessLogEntry) => void
  /** Called once per request the front door answers itself (refusals, client errors), for metrics. Must not throw. */
  readonly onRefused?: (status: number, error: RouterError) => void
  /** Called once per connection closed unread: over MaxConnections, or its preface unfinished in time. Must not throw. */
  readonly onConnectionDropped?: (reason: ConnectionDropReason) => void
  /** Request ids for clients that sent none; a seam for tests. */
  readonly newRequestId?: () => string
}

/** Where the front door listens, once `listen()` resolved. */
export interface FrontDoorAddresses {
  readonly httpUrl: string
  readonly httpsUrl: string | undefined
}

type ClientRequest = IncomingMessage | Http2ServerRequest

/** Why the front door closed a connection before reading a request from it. */
export type ConnectionDropReason = 'max-connections' | 'preface-timeout'

// HTTP/2 tuning (DESIGN.md §6): Node's 64 KiB default windows throttle uploads and downloads; the stream cap bounds
// what one client connection can hold open; session memory bounds what it can make the router buffer.
const HTTP2_INITIAL_WINDOW_BYTES = 1024 * 1024
const HTTP2_CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024
const HTTP2_MAX_SESSION_MEMORY_MB = 64
// Resets on one client connection before it is asked to reconnect, as a share of its stream cap: well under it (see
// #onSession), as 100 of 256 streams proved under load.
const HTTP2_RESETS_BEFORE_GOAWAY_SHARE = 0.4
// Node's default of 128 pairs is below what HTTP/1.1 clients may send (Node allows 2000); the byte limit is the real
// bound, so both protocols accept the same heads.
const HTTP2_MAX_HEADER_LIST_PAIRS = 2000
const HEALTH_BODY = 'OK'
const HEALTH_HEADERS = ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', '2', 'Cache-Control', 'no-store']

/** The client-facing server. `listen()` starts it; `beginClosing()`, `drain()` and `close()` stop it in order. */
export class FrontDoor implements ExchangeHost {
  readonly #options: FrontDoorOptions
  readonly #logger: Logger
  readonly #newRequestId: () => string
  readonly #http1: HttpServer
  readonly #http2: Http2Server
  readonly #tls: TlsServer | undefined
  readonly #handOffHttp1: (socket: Socket) => void
  readonly #resetsBeforeGoaway: number
  readonly #sessions = new Set<ServerHttp2Session>()
  // Plain connections whose protocol is not known yet: no server owns them, so close() ends them itself.
  readonly #sniffing = new Set<Socket>()
  readonly #exchanges = new Set<ClientExchange>()
  readonly #serversClosed: Promise<unknown>[] = []
  #closingError: RouterClosingError | undefined
  #onDrained: (() => void) | undefined
  #closed: Promise<void> | undefined

  constructor(options: FrontDoorOptions) {
    this.#options = options
    this.#logger = options.logger
    this.#newRequestId = options.newRequestId ?? randomUUID
    const { limits } = options
    this.#resetsBeforeGoaway = Math.max(1, Math.floor(limits.maxConcurrentStreams * HTTP2_RESETS_BEFORE_GOAWAY_SHARE))
    this.#http1 = createHttpServer({
      maxHeaderSize: limits.maxRequestHeadBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts on this period (default 30 s); a tenth of the head timeout keeps the error small.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 10))),
      insecureHTTPParser: false,
      noDelay: true,
    })
    // Node's own connection listener is what `emit('connection')` reaches (documented for injecting sockets); the
    // plain port first decides which protocol a connection speaks, then hands it to HTTP/1.1 or HTTP/2.
    const http1Listeners = this.#http1.listeners('connection') as ((socket: Socket) => void)[]
    this.#http1.removeAllListeners('connection')
    this.#handOffHttp1 = (socket) => {
      for (const listener of http1Listeners) listener.call(this.#http1, socket)
    }
    this.#http1.on('connection', this.#sniff)
    this.#http1.on('request', this.#onRequest)
    this.#http1.on('clientError', this.#onClientError)
    this.#http1.maxConnections = limits.maxConnections
    this.#http1.on('drop', this.#onDrop)

    this.#http2 = createHttp2Server({
      maxHeaderListPairs: HTTP2_MAX_HEADER_LIST_PAIRS,
      maxSessionMemory: HTTP2_MAX_SESSION_MEMORY_MB,
      settings: {
        maxConcurrentStreams: limits.maxConcurrentStreams,
        initialWindowSize: HTTP2_INITIAL_WINDOW_BYTES,
        maxHeaderListSize: limits.maxRequestHeadBytes,
      },
    })
    this.#http2.on('request', this.#onRequest)
    this.#http2.on('session', this.#onSession)
    this.#http2.on('sessionError', this.#onSessionError)
    // An idle session gets a graceful GOAWAY: streams still open (a quiet SSE response) finish, new ones go elsewhere.
    this.#http2.setTimeout(limits.keepAliveTimeoutMs)
    this.#http2.on('timeout', (session: ServerHttp2Session) => goawayGracefully(session))

    if (options.https) {
      this.#tls = createTlsServer({
        key: options.https.key,
        cert: options.https.cert,
        ALPNProtocols: ['h2', 'http/1.1'],
        handshakeTimeout: limits.headersTimeoutMs,
      })
      this.#tls.maxConnections = limits.maxConnections
      this.#tls.on('drop', this.#onDrop)
      this.#tls.on('secureConnection', this.#onSecureConnection)
      this.#tls.on('tlsClientError', (error: Error) => this.#logger.debug({ err: error }, 'TLS handshake failed'))
    }
  }

  /** True once closing began; new requests are answered 503 with `Connection: close`. */
  get closing(): boolean {
    return this.#closingError !== undefined
  }

  /** Requests accepted and not yet finished (queued or streaming). */
  get inFlightCount(): number {
    return this.#exchanges.size
  }

  /** Binds the listeners. Ports of 0 pick free ports; the URLs name the bound ones. */
  async listen(): Promise<FrontDoorAddresses> {
    const { host, httpPort, https } = this.#options
    const httpPortBound = await listenOn(this.#http1, httpPort, host)
    const displayHost = urlHost(host)
    let httpsUrl: string | undefined
    if (this.#tls && https) httpsUrl = `https://${displayHost}:${await listenOn(this.#tls, https.port, host)}`
    return { httpUrl: `http://${displayHost}:${httpPortBound}`, httpsUrl }
  }

  /**
   * Starts shutdown: new requests on open connections get 503 + `Connection: close` (GOAWAY on HTTP/2), the
   * listeners stop accepting, idle connections close. Requests already accepted carry on. Idempotent.
   */
  beginClosing(): void {
    if (this.#closingError) return
    this.#closingError = new RouterClosingError()
    for (const server of [this.#http1, this.#tls]) {
      if (!server?.listening) continue
      this.#serversClosed.push(once(server, 'close'))
      // net.Server's close only stops accepting. http.Server's close would also run closeIdleConnections, and Node 20
      // counts a connection as idle once its request is fully read, even while its response is still streaming:
      // that would cut off the very requests shutdown lets finish. Connections idle now get 503 on their next request.
      NetServer.prototype.close.call(server)
    }
    for (const session of this.#sessions) goawayGracefully(session)
  }

  /** Resolves true when every accepted request has finished, or false when `timeoutMs` ran out first. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#exchanges.size === 0) return true
    let timer: NodeJS.Timeout | undefined
    const drained = await new Promise<boolean>((resolve) => {
      this.#onDrained = () => resolve(true)
      timer = setTimeout(() => resolve(false), timeoutMs)
    })
    clearTimeout(timer)
    this.#onDrained = undefined
    return drained
  }

  /**
   * Ends everything still open: unfinished exchanges get 503 (or are aborted mid-body), connections and sessions are
   * destroyed, and the promise resolves when the listeners have closed. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#closeNow()
    return this.#closed
  }

  async #closeNow(): Promise<void> {
    this.beginClosing()
    const reason = this.#closingError as RouterClosingError
    for (const exchange of [...this.#exchanges]) exchange.cancel(reason)
    for (const socket of this.#sniffing) socket.destroy()
    this.#http1.closeAllConnections()
    // Stops Node's head/request timeout checks (httpServerPreClose); the listener itself is closed already.
    this.#http1.close()
    for (const session of this.#sessions) session.destroy()
    await Promise.all(this.#serversClosed)
  }

  onExchangeDone(exchange: ClientExchange, outcome: ExchangeOutcome): void {
    this.#exchanges.delete(exchange)
    if (this.#options.onAccess) {
      const { request } = exchange
      this.#options.onAccess({
        requestId: request.requestId,
        method: request.method,
        target: request.target,
        protocol: exchange.http2 ? 'HTTP/2' : 'HTTP/1.1',
        poolKey: exchange.poolKey,
        status: outcome.status,
        result: outcome.result,
        durationMs: performance.now() - request.receivedAtMs,
        errorCode: outcome.error?.code,
      })
    }
    if (this.#exchanges.size === 0) this.#onDrained?.()
  }

  readonly #onRequest = (req: ClientRequest, res: ClientResponse): void => {
    const receivedAtMs = performance.now()
    const http2 = req.httpVersionMajor === 2
    if (req instanceof Http2ServerRequest && openedAfterGoaway(req.stream)) return
    if (this.#closingError) {
      this.#refuse(req, res, http2, this.#closingError, receivedAtMs)
      return
    }
    const rawHeaders = req.rawHeaders
    const framingProblem = http2 ? http2AuthorityProblem(rawHeaders) : http1FramingProblem(req.httpVersion, rawHeaders)
    if (framingProblem !== undefined) {
      this.#refuse(req, res, http2, new BadClientRequestError(framingProblem), receivedAtMs)
      return
    }
    // url and method are always set on a server-side request (the types also cover client-side messages).
    const admission = admitRequest(
      req.url as string,
      getHeader(rawHeaders, HEADER_LAMBDA_NAME),
      this.#options.admission,
    )
    if (admission.kind === 'health') {
      ;(res as ServerResponse).writeHead(200, HEALTH_HEADERS)
      res.end(HEALTH_BODY)
      return
    }
    if (admission.kind === 'refuse') {
      this.#refuse(req, res, http2, admission.error, receivedAtMs)
      return
    }
    const dispatcher = this.#options.resolveDispatcher(admission.poolKey)
    if (dispatcher === undefined) {
      // Admission and the pool table come from the same configuration; this is reached only if they disagree.
      this.#refuse(req, res, http2, new LambdaNameNotAllowedError(admission.poolKey), receivedAtMs)
      return
    }
    const { headers, requestId } = buildUpstreamHeaders(
      rawHeaders,
      {
        clientAddress: req.socket.remoteAddress,
        proto: (req.socket as TLSSocket).encrypted === true ? 'https' : 'http',
        trustForwardedHeaders: this.#options.trustForwardedHeaders,
      },
      this.#newRequestId,
    )
    const abort = new AbortController()
    const request: DispatchRequest = {
      requestId,
      method: req.method as string,
      target: admission.target,
      headers,
      body: hasRequestBody(req, http2, rawHeaders) ? req : null,
      signal: abort.signal,
      receivedAtMs,
    }
    const exchange = new ClientExchange(res, request, abort, { poolKey: admission.poolKey, http2, host: this })
    this.#exchanges.add(exchange)
    dispatcher.dispatch(request, exchange)
  }

  #refuse(req: ClientRequest, res: ClientResponse, http2: boolean, error: RouterError, receivedAtMs: number): void {
    const clientId = getHeader(req.rawHeaders, 'x-request-id')
    const requestId = clientId !== undefined && isValidRequestId(clientId) ? clientId : this.#newRequestId()
    const status = writeErrorResponse(res, error, requestId, http2)
    this.#options.onRefused?.(status, error)
    this.#options.onAccess?.({
      requestId,
      method: req.method as string,
      target: req.url as string,
      protocol: http2 ? 'HTTP/2' : 'HTTP/1.1',
      poolKey: undefined,
      status,
      result: 'refused',
      durationMs: performance.now() - receivedAtMs,
      errorCode: error.code,
    })
  }

  // Reads just enough of a new plain connection to tell h2c prior knowledge (RFC 9113 §3.4) from HTTP/1.1, then
  // gives the socket, with those bytes put back, to the server for its protocol. Two bounds:
  // - Before its first byte the connection is idle, as a keep-alive connection between requests is: clients open
  //   connections ahead of their first request (undici's pools, browsers' preconnect), so it is held for the
  //   keep-alive timeout, then ended with a FIN. Closing it after the short preface bound instead raced the client's
  //   first request: data arriving as the socket was destroyed made the kernel answer with RST (ECONNRESET).
  // - From the first byte, the preface deadline is absolute: an idle timer would let a peer that trickles the
  //   preface a byte at a time hold the connection forever.
  readonly #sniff = (socket: Socket): void => {
    let seen: Buffer | undefined
    const giveUp = (): void => {
      cleanup()
      socket.destroy()
    }
    const onIdle = (): void => {
      cleanup()
      socket.end(() => socket.destroy())
    }
    const onDeadline = (): void => {
      this.#options.onConnectionDropped?.('preface-timeout')
      giveUp()
    }
    let deadline = setTimeout(onIdle, this.#options.limits.keepAliveTimeoutMs)
    const cleanup = (): void => {
      this.#sniffing.delete(socket)
      clearTimeout(deadline)
      socket.removeListener('data', onData)
      socket.removeListener('end', giveUp)
      socket.removeListener('error', giveUp)
      socket.removeListener('close', cleanup)
    }
    const onData = (chunk: Buffer): void => {
      if (seen === undefined) {
        clearTimeout(deadline)
        deadline = setTimeout(onDeadline, this.#options.limits.prefaceTimeoutMs)
      }
      seen = seen === undefined ? chunk : Buffer.concat([seen, chunk])
      const kind = classifyConnection(seen)
      if (kind === 'undecided') return
      cleanup()
      if (kind === 'h2') {
        // The session reads what is buffered on its first tick, then takes the socket's handle (Node reads the
        // stream's buffer in ServerHttp2Session's constructor); paused, the stream does not emit it to nobody.
        socket.pause()
        socket.unshift(seen)
        this.#http2.emit('connection', socket)
        return
      }
      // Still flowing: the bytes put back are emitted to the HTTP/1.1 parser's 'data' listener right after this
      // handler returns, before any later read can reach the handle the parser consumes.
      socket.unshift(seen)
      this.#handOffHttp1(socket)
    }
    this.#sniffing.add(socket)
    socket.on('data', onData)
    socket.once('end', giveUp)
    socket.once('error', giveUp)
    socket.once('close', cleanup)
  }

  readonly #onSecureConnection = (socket: TLSSocket): void => {
    if (socket.alpnProtocol === 'h2') this.#http2.emit('connection', socket)
    else this.#handOffHttp1(socket)
  }

  readonly #onSession = (session: ServerHttp2Session): void => {
    this.#sessions.add(session)
    session.once('close', () => this.#sessions.delete(session))
    // Node 20 keeps a stream reset while its data still waited for the socket in the session's stream table, which
    // admits only HTTP2_MAX_CONCURRENT_STREAMS: after a few hundred resets on one connection every new stream is
    // refused (ENHANCE_YOUR_CALM), then the session fails with everything multiplexed on it. A graceful GOAWAY moves
    // the client to a fresh connection long before; requests in flight finish.
    let resets = 0
    session.on('stream', (stream: ServerHttp2Stream) => {
      stream.once('close', () => {
        if (stream.rstCode !== http2Constants.NGHTTP2_NO_ERROR && ++resets === this.#resetsBeforeGoaway) {
          goawayGracefully(session)
        }
      })
    })
    session.on('error', (error: Error) => this.#logger.debug({ err: error }, 'client HTTP/2 session error'))
    session.once('connect', () => session.setLocalWindowSize(HTTP2_CONNECTION_WINDOW_BYTES))
    if (this.#closingError) goawayGracefully(session)
  }

  readonly #onDrop = (): void => {
    this.#options.onConnectionDropped?.('max-connections')
  }

  readonly #onSessionError = (error: Error): void => {
    this.#logger.debug({ err: error }, 'client HTTP/2 session error')
  }

  // Node's parser refused the head, or a client timeout hit. Answer in our words through statusFor (the same rule as
  // Node's default: only when no response has started on this socket), then close: the parser state is unusable.
  readonly #onClientError = (error: NodeJS.ErrnoException, socket: Socket): void => {
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy()
      return
    }
    const clientError = clientErrorFor(error, this.#options.limits.maxRequestHeadBytes)
    const answer = statusFor(clientError)
    this.#options.onRefused?.(answer.status, clientError)
    socket.end(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n` +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(answer.body)}\r\n` +
        'Connection: close\r\n\r\n' +
        answer.body,
    )
  }
}

/** Maps Node's HTTP/1.1 parser and timeout errors to the router's client errors. */
export function clientErrorFor(error: NodeJS.ErrnoException, maxRequestHeadBytes: number): RouterError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ClientHeadTooLargeError(maxRequestHeadBytes, { cause: error })
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ClientRequestTimeoutError({ cause: error })
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return new BadClientRequestError('conflicting or invalid message framing', { cause: error })
    default:
      return new BadClientRequestError(`malformed request (${error.code ?? 'unknown'})`, { cause: error })
  }
}

// RFC 9112 §6.3: an HTTP/1.1 request has a body only with Content-Length (non-zero here) or Transfer-Encoding.
// On HTTP/2, END_STREAM on the HEADERS frame says there is none.
function hasRequestBody(req: ClientRequest, http2: boolean, rawHeaders: RawHeaders): boolean {
  if (http2) return !(req as Http2ServerRequest).stream.endAfterHeaders
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') return true
    if (name.length === 14 && name.toLowerCase() === 'content-length') return rawHeaders[index + 1] !== '0'
  }
  return false
}

async function listenOn(server: HttpServer | TlsServer, port: number, host: string | undefined): Promise<number> {
  const listening = once(server, 'listening')
  if (host === undefined) server.listen(port)
  else server.listen(port, host)
  await listening
  return (server.address() as AddressInfo).port
}

// Printable host for URLs: the bound address, loopback when bound to every interface, brackets for IPv6.
function urlHost(host: string | undefined): string {
  if (host === undefined || host === '' || host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}
