// The hop from the extension to the app: an undici Pool on 127.0.0.1 and relay(request, handler), the same handler
// shape the router uses in the other direction (STYLE.md §5). Touches only the app's sockets.
import type { Readable } from 'node:stream'
import { type Dispatcher, Pool } from 'undici'
import {
  connectionListedNames,
  HEADER_CHANNEL_ID,
  HEADER_LAMBDA_ID,
  HEADER_POOL_ID,
  HOP_BY_HOP_HEADERS,
  INTERNAL_HEADERS,
  type RawHeaders,
} from '../protocol/index.js'
import { AppRequestError } from './errors.js'

/** One request for the app, as the tunnel delivered it. */
export interface AppRequest {
  readonly method: string
  /** Path and query exactly as tunnelled. */
  readonly target: string
  /** Headers to send, already built by appRequestHeaders. */
  readonly headers: RawHeaders
  /** The body, or null when the request has none. */
  readonly body: Readable | null
}

/** Back-pressure on the app's response body. */
export interface RelayController {
  pause(): void
  resume(): void
}

/**
 * Receives one app response. Invariants: `onResponseStart` at most once and before any data; exactly one of
 * `onResponseEnd` / `onResponseError`, once, and nothing after it; no method throws.
 */
export interface RelayHandler {
  onResponseStart(status: number, headers: RawHeaders, controller: RelayController): void
  onResponseData(chunk: Buffer): void
  onResponseEnd(): void
  onResponseError(error: AppRequestError): void
}

/** Cancels a relayed request (the router reset the channel); the handler hears nothing more. */
export interface RelayControl {
  abort(): void
}

/** Ids the app sees on every request, as the original adds them (original-protocol.md §7.3). */
export interface RequestIds {
  readonly poolId: string
  readonly lambdaId: string
  readonly channelId: string
}

// undici refuses `expect` (it has its own 100-continue handling); the app gets the body without the handshake.
const DROPPED_REQUEST_HEADERS: ReadonlySet<string> = new Set(['expect'])

/**
 * Headers for the app: the tunnelled ones without hop-by-hop names, names listed in Connection, `Expect`, or spoofed
 * internal names; with `ids` (LAMBDA_DISPATCH_FORWARD_INTERNAL_HEADERS), X-Pool-Id, X-Lambda-Id and X-Channel-Id
 * first, as the original sent them. Repeated headers all stay, in order (the original kept only the last value).
 */
export function appRequestHeaders(tunnelled: RawHeaders, ids: RequestIds | undefined): RawHeaders {
  return readTunnelledRequest(tunnelled, ids).headers
}

/** A tunnelled request's headers as the channel uses them, read in one pass that lower-cases each name once. */
export interface TunnelledRequest {
  /** The headers for the app, as appRequestHeaders builds them. */
  readonly headers: RawHeaders
  /** The first value of each header the channel decides on (framing, compression), undefined when absent. */
  readonly contentLength: string | undefined
  readonly transferEncoding: string | undefined
  readonly acceptEncoding: string | undefined
}

export function readTunnelledRequest(tunnelled: RawHeaders, ids: RequestIds | undefined): TunnelledRequest {
  const headers: RawHeaders =
    ids === undefined
      ? []
      : [HEADER_POOL_ID, ids.poolId, HEADER_LAMBDA_ID, ids.lambdaId, HEADER_CHANNEL_ID, ids.channelId]
  const fromIndex = headers.length
  let connection: string | undefined
  let contentLength: string | undefined
  let transferEncoding: string | undefined
  let acceptEncoding: string | undefined
  for (let index = 0; index + 1 < tunnelled.length; index += 2) {
    const name = tunnelled[index] as string
    const value = tunnelled[index + 1] as string
    const lower = name.toLowerCase()
    if (HOP_BY_HOP_HEADERS.has(lower)) {
      if (lower === 'connection') connection = joinConnection(connection, value)
      else if (lower === 'transfer-encoding') transferEncoding ??= value
      continue
    }
    if (INTERNAL_HEADERS.has(lower) || DROPPED_REQUEST_HEADERS.has(lower)) continue
    if (lower === 'content-length') contentLength ??= value
    else if (lower === 'accept-encoding') acceptEncoding ??= value
    headers.push(name, value)
  }
  return { headers: withoutListed(headers, connection, fromIndex), contentLength, transferEncoding, acceptEncoding }
}

/**
 * The app's response headers for the tunnel: decoded once (latin1), without hop-by-hop names or the names the app's
 * Connection header lists (RFC 9110 §7.6.1: hop-by-hop too; the router never sees that list). Order and repeats stay.
 */
export function appResponseHeaders(rawHeaders: Buffer[]): RawHeaders {
  const headers: RawHeaders = []
  let connection: string | undefined
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as Buffer).toString('latin1')
    const lower = name.toLowerCase()
    if (HOP_BY_HOP_HEADERS.has(lower)) {
      if (lower === 'connection')
        connection = joinConnection(connection, (rawHeaders[index + 1] as Buffer).toString('latin1'))
      continue
    }
    headers.push(name, (rawHeaders[index + 1] as Buffer).toString('latin1'))
  }
  return withoutListed(headers, connection, 0)
}

// Every Connection value seen so far, as one comma-separated list.
function joinConnection(seen: string | undefined, value: string): string {
  return seen === undefined ? value : `${seen},${value}`
}

/**
 * `headers` (hop-by-hop names already gone) without the names `connection` lists, from index `from` on. The usual
 * `keep-alive` (a hop-by-hop name, already dropped) costs no second pass.
 */
function withoutListed(headers: RawHeaders, connection: string | undefined, from: number): RawHeaders {
  if (connection === undefined || HOP_BY_HOP_HEADERS.has(connection.trim().toLowerCase())) return headers
  const listed = connectionListedNames(['connection', connection])
  if (listed === undefined) return headers
  const out: RawHeaders = headers.slice(0, from)
  for (let index = from; index + 1 < headers.length; index += 2) {
    const name = headers[index] as string
    if (!listed.has(name.toLowerCase())) out.push(name, headers[index + 1] as string)
  }
  return out
}

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])
// A pooled keep-alive socket the app closed as we reused it fails like this before any response byte.
const STALE_SOCKET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'])

/** Retry once on a stale pooled socket: only idempotent requests without a body, only before any response. */
export function canRetryOnStaleSocket(method: string, hasBody: boolean, errorCode: string | undefined): boolean {
  return !hasBody && IDEMPOTENT_METHODS.has(method) && errorCode !== undefined && STALE_SOCKET_CODES.has(errorCode)
}

export interface AppClientOptions {
  readonly port: number
  /** Below the app's own keep-alive timeout (Node: 5 s), or reused sockets race the app closing them. */
  readonly keepAliveTimeoutMs: number
  readonly connectTimeoutMs: number
  /** Most sockets to the app; default unlimited (channels already bound the concurrency). Tests pin it to 1. */
  readonly connections?: number
}

/** The app's connection pool. Timeouts on headers and body are off: the router owns request timeouts. */
export class AppClient {
  readonly port: number
  readonly #options: AppClientOptions
  #pool: Pool

  constructor(options: AppClientOptions) {
    this.port = options.port
    this.#options = options
    this.#pool = this.#createPool()
  }

  /** Sends `request` to the app and streams the answer into `handler`. Never throws: failures reach the handler. */
  relay(request: AppRequest, handler: RelayHandler): RelayControl {
    const exchange = new AppExchange(this.#pool, request, handler)
    exchange.start()
    return exchange
  }

  /**
   * Starts over with fresh connections; call between invokes only. Lambda freezes the app and the extension together,
   * so after a long freeze both keep-alive timers fire at once on thaw and a pooled socket may be closing as it is
   * reused; a new pool avoids that race for requests that could not be retried.
   */
  recycleConnections(): void {
    const old = this.#pool
    this.#pool = this.#createPool()
    void old.close()
  }

  async close(): Promise<void> {
    await this.#pool.destroy()
  }

  #createPool(): Pool {
    return new Pool(`http://127.0.0.1:${this.#options.port}`, {
      keepAliveTimeout: this.#options.keepAliveTimeoutMs,
      keepAliveMaxTimeout: this.#options.keepAliveTimeoutMs,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { timeout: this.#options.connectTimeoutMs },
      connections: this.#options.connections ?? null,
    })
  }
}

// undici's handler in its callback form (onConnect/onHeaders/onData): it hands over the raw header list, so order
// and repeats survive, and costs no per-response header object on the hot path.
class AppExchange implements Dispatcher.DispatchHandler, RelayController, RelayControl {
  readonly #pool: Pool
  readonly #request: AppRequest
  readonly #handler: RelayHandler
  readonly #options: Dispatcher.DispatchOptions
  #abortDispatch: ((error?: Error) => void) | undefined
  #resumeSocket: (() => void) | undefined
  #aborted = false
  #responseStarted = false
  #paused = false
  #retried = false

  constructor(pool: Pool, request: AppRequest, handler: RelayHandler) {
    this.#pool = pool
    this.#request = request
    this.#handler = handler
    this.#options = { method: request.method as Dispatcher.HttpMethod, path: request.target, headers: request.headers }
    if (request.body !== null) this.#options.body = request.body
  }

  start(): void {
    this.#pool.dispatch(this.#options, this)
  }

  abort(): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#abortDispatch?.(new Error('the router reset the channel stream'))
    this.#request.body?.destroy()
  }

  pause(): void {
    this.#paused = true
  }

  resume(): void {
    if (!this.#paused) return
    this.#paused = false
    this.#resumeSocket?.()
  }

  onConnect(abort: (error?: Error) => void): void {
    this.#abortDispatch = abort
    if (this.#aborted) abort(new Error('the router reset the channel stream'))
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx answers (100 Continue, 103 Early Hints) are not forwarded; the final status follows.
    if (status < 200 || this.#aborted) return true
    this.#responseStarted = true
    this.#resumeSocket = resume
    this.#handler.onResponseStart(status, appResponseHeaders(rawHeaders), this)
    return !this.#paused
  }

  onData(chunk: Buffer): boolean {
    if (this.#aborted) return true
    this.#handler.onResponseData(chunk)
    return !this.#paused
  }

  onComplete(): void {
    if (!this.#aborted) this.#handler.onResponseEnd()
  }

  onError(error: Error): void {
    if (this.#aborted) return
    const errorCode = (error as NodeJS.ErrnoException).code
    const method = this.#request.method
    if (
      !this.#responseStarted &&
      !this.#retried &&
      canRetryOnStaleSocket(method, this.#request.body !== null, errorCode)
    ) {
      this.#retried = true
      this.#pool.dispatch(this.#options, this)
      return
    }
    const phase = this.#responseStarted ? 'mid-response' : 'before-response'
    this.#handler.onResponseError(new AppRequestError(method, this.#request.target, phase, errorCode, { cause: error }))
  }
}
