// FrontDoor: the client-facing listeners. HTTP/1.1 and h2c (prior knowledge) share the plain port (the
// ConnectionSniffer tells them apart); HTTPS negotiates h2 or http/1.1 by ALPN. Every request takes one path: pick its
// protocol's ResponseWriter, admit, build the tunnelled headers, dispatch with a ClientExchange. It owns its servers
// and exchanges, and nothing else.
import { once } from 'node:events'
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import { Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import type { AddressInfo, Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket, type Server as TlsServer } from 'node:tls'
import { type Logger, openedAfterGoaway, withTimeout } from '../../common/index.js'
import { getHeader, HEADER_LAMBDA_NAME } from '../../protocol/index.js'
import type { DispatchDecision, DispatchRequest, ExchangeHandler } from '../dispatch/exchange.js'
import { RequestAbort } from '../dispatch/request-abort.js'
import type { WebSocketClient } from '../dispatch/websocket-client.js'
import {
  BadClientRequestError,
  LambdaNameNotAllowedError,
  RouterClosingError,
  type RouterError,
  WebSocketUnsupportedError,
} from '../errors.js'
import { type AdmissionPolicy, admitRequest } from './admission.js'
import { clientErrorFor } from './client-errors.js'
import { ConnectionSniffer, responseStartedOn, stopAccepting } from './connection-sniffer.js'
import { statusFor } from './error-status.js'
import { ClientExchange, type ExchangeHost, type ExchangeOutcome } from './exchange.js'
import { buildUpstreamHeaders, isValidRequestId } from './forwarded-headers.js'
import { Http1ResponseWriter, writeSocketErrorResponse } from './http1-response-writer.js'
import { Http2ResponseWriter } from './http2-response-writer.js'
import { Http2Sessions } from './http2-sessions.js'
import { newRequestId } from './request-id.js'
import type { ClientResponse, ResponseWriter } from './response-writer.js'
import { onHttp2Connect, responseOnUpgradedSocket, UpgradedSockets, webSocketClientFor } from './websocket-clients.js'

/** Anything that takes a request and reports its outcome to a handler: a Pool, or a scripted stand-in in tests. */
export interface RequestDispatcher {
  dispatch(request: DispatchRequest, handler: ExchangeHandler): DispatchDecision
  /** WebSocket handshakes (issue 18); without it a handshake is answered 501. */
  readonly webSockets?: { dispatch(request: DispatchRequest, client: WebSocketClient): void }
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

const HEALTH_BODY = 'OK'
const HEALTH_HEADERS = ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', '2', 'Cache-Control', 'no-store']

/** The client-facing server. `listen()` starts it; `beginClosing()`, `drain()` and `close()` stop it in order. */
export class FrontDoor implements ExchangeHost {
  readonly #options: FrontDoorOptions
  readonly #logger: Logger
  readonly #newRequestId: () => string
  readonly #http1: HttpServer
  readonly #http2: Http2Sessions
  readonly #tls: TlsServer | undefined
  readonly #sniffer: ConnectionSniffer
  readonly #exchanges = new Set<ClientExchange>()
  readonly #upgraded = new UpgradedSockets()
  readonly #serversClosed: Promise<unknown>[] = []
  #closingError: RouterClosingError | undefined
  #onDrained: (() => void) | undefined
  #closed: Promise<void> | undefined

  constructor(options: FrontDoorOptions) {
    this.#options = options
    this.#logger = options.logger
    this.#newRequestId = options.newRequestId ?? newRequestId
    const { limits } = options
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
    this.#http1.on('request', this.#onRequest)
    // Every upgrade is answered here: a WebSocket is tunnelled, any other (h2c…) is served as an ordinary request.
    this.#http1.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.#onRequest(req, responseOnUpgradedSocket(req, this.#upgraded.add(socket), head), socket),
    )
    this.#http1.on('clientError', this.#onClientError)
    this.#http1.maxConnections = limits.maxConnections
    this.#http1.on('drop', this.#onDrop)

    this.#http2 = new Http2Sessions({
      maxRequestHeadBytes: limits.maxRequestHeadBytes,
      maxConcurrentStreams: limits.maxConcurrentStreams,
      keepAliveTimeoutMs: limits.keepAliveTimeoutMs,
      logger: this.#logger,
      closing: () => this.closing,
    })
    this.#http2.server.on('request', this.#onRequest)
    this.#http2.server.on('connect', (req, res) => onHttp2Connect(req, res, this.#onRequest))
    this.#sniffer = new ConnectionSniffer(this.#http1, this.#http2.server, {
      prefaceTimeoutMs: limits.prefaceTimeoutMs,
      idleTimeoutMs: limits.keepAliveTimeoutMs,
      onPrefaceTimeout: () => this.#options.onConnectionDropped?.('preface-timeout'),
    })

    if (options.https) {
      this.#tls = createTlsServer({
        key: options.https.key,
        cert: options.https.cert,
        ALPNProtocols: ['h2', 'http/1.1'],
        handshakeTimeout: limits.headersTimeoutMs,
      })
      this.#tls.maxConnections = limits.maxConnections
      this.#tls.on('drop', this.#onDrop)
      this.#tls.on('secureConnection', this.#sniffer.handOffSecure)
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
      // Not http.Server's close, which would also cut off responses still streaming. Connections idle now get 503 on
      // their next request.
      stopAccepting(server)
    }
    this.#http2.goawayAll()
  }

  /** Resolves true when every accepted request has finished, or false when `timeoutMs` ran out first. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#exchanges.size === 0) return true
    const drained = new Promise<void>((resolve) => {
      this.#onDrained = resolve
    })
    const outcome = await withTimeout(drained, timeoutMs)
    this.#onDrained = undefined
    return outcome === 'done'
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
    this.#sniffer.destroyUndecided()
    this.#http1.closeAllConnections()
    this.#upgraded.closeAll()
    // Stops Node's head/request timeout checks (httpServerPreClose); the listener itself is closed already.
    this.#http1.close()
    this.#http2.destroyAll()
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
        protocol: exchange.protocol,
        poolKey: exchange.poolKey,
        status: outcome.status,
        result: outcome.result,
        durationMs: performance.now() - request.receivedAtMs,
        errorCode: outcome.error?.code,
      })
    }
    if (this.#exchanges.size === 0) this.#onDrained?.()
  }

  readonly #onRequest = (req: ClientRequest, res: ClientResponse, upgraded?: Socket): void => {
    const receivedAtMs = performance.now()
    if (req instanceof Http2ServerRequest && openedAfterGoaway(req.stream)) return
    // The protocol is chosen here, once: everything after writes through this.
    const writer: ResponseWriter =
      req instanceof Http2ServerRequest
        ? new Http2ResponseWriter(req, res as Http2ServerResponse)
        : new Http1ResponseWriter(req, res as ServerResponse)
    if (this.#closingError) {
      this.#refuse(req, writer, this.#closingError, receivedAtMs)
      return
    }
    const rawHeaders = req.rawHeaders
    const framingProblem = writer.framingProblem()
    if (framingProblem !== undefined) {
      this.#refuse(req, writer, new BadClientRequestError(framingProblem), receivedAtMs)
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
      this.#refuse(req, writer, admission.error, receivedAtMs)
      return
    }
    const dispatcher = this.#options.resolveDispatcher(admission.poolKey)
    if (dispatcher === undefined) {
      // Admission and the pool table come from the same configuration; this is reached only if they disagree.
      this.#refuse(req, writer, new LambdaNameNotAllowedError(admission.poolKey), receivedAtMs)
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
    const abort = new RequestAbort()
    const access = { requestId, method: req.method as string, target: req.url as string, protocol: writer.protocol }
    const onAnswered = (status: number, error: RouterError | undefined): void => {
      const result = error === undefined ? 'complete' : 'error-response'
      const entry = { ...access, poolKey: admission.poolKey, status, result, errorCode: error?.code } as const
      this.#options.onAccess?.({ ...entry, durationMs: performance.now() - receivedAtMs })
    }
    const webSocket = webSocketClientFor(req, writer, upgraded, requestId, onAnswered)
    if (webSocket !== undefined) headers.push(...webSocket.extraHeaders)
    const request: DispatchRequest = {
      requestId,
      method: req.method as string,
      target: admission.target,
      headers,
      body: writer.hasRequestBody() ? req : null,
      signal: abort.signal,
      receivedAtMs,
    }
    if (webSocket !== undefined) {
      upgraded?.once('close', () => abort.abort())
      if (dispatcher.webSockets) dispatcher.webSockets.dispatch({ ...request, method: 'GET' }, webSocket.client)
      else webSocket.client.fail(new WebSocketUnsupportedError(admission.poolKey))
      return
    }
    const exchange = new ClientExchange(writer, request, abort, { poolKey: admission.poolKey, host: this })
    this.#exchanges.add(exchange)
    dispatcher.dispatch(request, exchange)
  }

  #refuse(req: ClientRequest, writer: ResponseWriter, error: RouterError, receivedAtMs: number): void {
    const clientId = getHeader(req.rawHeaders, 'x-request-id')
    const requestId = clientId !== undefined && isValidRequestId(clientId) ? clientId : this.#newRequestId()
    const answer = statusFor(error)
    writer.writeError(answer, requestId)
    this.#options.onRefused?.(answer.status, error)
    this.#options.onAccess?.({
      requestId,
      method: req.method as string,
      target: req.url as string,
      protocol: writer.protocol,
      poolKey: undefined,
      status: answer.status,
      result: 'refused',
      durationMs: performance.now() - receivedAtMs,
      errorCode: error.code,
    })
  }

  readonly #onDrop = (): void => {
    this.#options.onConnectionDropped?.('max-connections')
  }

  // Node's parser refused the head, or a client timeout hit. Answer in our words through statusFor (the same rule as
  // Node's default: only when no response has started on this socket), then close: the parser state is unusable.
  readonly #onClientError = (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || !socket.writable || responseStartedOn(socket)) {
      socket.destroy()
      return
    }
    const clientError = clientErrorFor(error, this.#options.limits.maxRequestHeadBytes)
    const answer = statusFor(clientError)
    this.#options.onRefused?.(answer.status, clientError)
    writeSocketErrorResponse(socket, answer)
  }
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
