// ClientExchange: the handler that writes one client's response (HTTP/1.1 or HTTP/2 through Node's compat objects).
// It owns the request's AbortController; it touches only its own response object and never throws.

import type { ServerResponse } from 'node:http'
import { type Http2ServerResponse, constants as http2Constants } from 'node:http2'
import type { Socket } from 'node:net'
import { TurnCork } from '../../common/index.js'
import type { RawHeaders } from '../../protocol/index.js'
import type { DispatchRequest, ExchangeController, ExchangeHandler } from '../dispatch/exchange.js'
import { ClientAbortedError, type RouterError } from '../errors.js'
import { CLIENT_CLOSED_REQUEST_STATUS, statusFor } from './error-status.js'
import { toHttp2ResponseHeaders } from './response-headers.js'

/** The response object of either protocol; both compat classes offer the calls used here. */
export type ClientResponse = ServerResponse | Http2ServerResponse

// Both classes take a flat [name, value, …] list in writeHead at run time (Node 20 http2 compat appends each pair,
// keeping repeats such as Set-Cookie); @types/node declares it only for ServerResponse.
function asWriter(res: ClientResponse): ServerResponse {
  return res as ServerResponse
}

/**
 * Response bytes queued for a client before the upstream is paused. Node reports back-pressure at 16 KiB, one HTTP/2
 * DATA frame from the channel: pausing there makes every frame a stop-and-wait round trip. 'drain' resumes.
 */
export const CLIENT_WRITE_BUFFER_BYTES = 256 * 1024

// Bytes written to the client and not yet handed to the kernel (HTTP/2: the stream's queue, under the compat object).
function queuedBytes(res: ClientResponse, http2: boolean): number {
  return http2 ? (res as Http2ServerResponse).stream.writableLength : (res as ServerResponse).writableLength
}

/** How one exchange ended, for the access log and metrics. */
export interface ExchangeOutcome {
  /** Status written to the client, or 499 when the client went away first. */
  readonly status: number
  /** 'aborted' when the response was cut off (upstream failure after the start, or the client went away). */
  readonly result: 'complete' | 'error-response' | 'aborted'
  readonly error: RouterError | undefined
}

/** What a ClientExchange needs from the front door that owns it; one object shared by every exchange. */
export interface ExchangeHost {
  /** True while the router is closing: responses then ask HTTP/1.1 clients to close the connection. */
  readonly closing: boolean
  /** Called exactly once per exchange, when it is over for the client. Must not throw. */
  onExchangeDone(exchange: ClientExchange, outcome: ExchangeOutcome): void
}

type ExchangeState = 'waiting' | 'streaming' | 'done'

/**
 * Writes the dispatcher's outcome to one client. Back-pressure: a full client socket pauses the upstream through the
 * controller until 'drain'. An error before the response started becomes statusFor(error); after it started, the
 * client connection (HTTP/1.1) or stream (HTTP/2) is aborted so a truncated body is never mistaken for a whole one.
 */
export class ClientExchange implements ExchangeHandler {
  /** The request as dispatched; its signal is the one this exchange aborts. */
  readonly request: DispatchRequest
  /** Pool the request went to, for logs. */
  readonly poolKey: string
  readonly http2: boolean
  readonly #res: ClientResponse
  readonly #abort: AbortController
  readonly #host: ExchangeHost
  #state: ExchangeState = 'waiting'
  #controller: ExchangeController | undefined
  #waitingForDrain = false
  #bodyStarted = false
  #headFlush: NodeJS.Immediate | undefined
  readonly #cork: TurnCork
  // HTTP/1.1: the connection. A pipelined request's response is not attached to it until the ones before it end, so
  // only the socket tells such a request that its client went away.
  readonly #socket: Socket | undefined
  #status = 0

  /**
   * `abort` must be the controller of `request.signal`: it fires when the client goes away, or when this exchange
   * gives up on the upstream (a head Node refuses to write).
   */
  constructor(
    res: ClientResponse,
    request: DispatchRequest,
    abort: AbortController,
    options: { poolKey: string; http2: boolean; host: ExchangeHost },
  ) {
    this.request = request
    this.poolKey = options.poolKey
    this.http2 = options.http2
    this.#res = res
    this.#abort = abort
    this.#host = options.host
    // HTTP/2: the compat response has no cork(); its stream does, and carries every write.
    this.#cork = new TurnCork(options.http2 ? (res as Http2ServerResponse).stream : (res as ServerResponse))
    res.once('close', this.#onClientClose)
    this.#socket = options.http2 ? undefined : (res as ServerResponse).req.socket
    this.#socket?.once('close', this.#onClientClose)
  }

  get state(): ExchangeState {
    return this.#state
  }

  onResponseStart(status: number, headers: RawHeaders, controller: ExchangeController): void {
    if (this.#state !== 'waiting') return
    this.#controller = controller
    const res = this.#res
    try {
      if (this.http2) {
        asWriter(res).writeHead(status, toHttp2ResponseHeaders(headers))
      } else {
        // During shutdown the connection must not be reused: the slow path of writeHead merges this header in.
        if (this.#host.closing) (res as ServerResponse).setHeader('Connection', 'close')
        asWriter(res).writeHead(status, headers)
        // Node sends an HTTP/1.1 head with the first body write, in one packet. The body usually arrives in a later
        // DATA frame of the same socket read, and each frame is its own callback with a microtask checkpoint in
        // between, so the check waits for the loop's check phase: every frame already read has been delivered by
        // then. When the app holds its body (SSE, slow work), the head still goes out within this loop turn.
        this.#headFlush = setImmediate(this.#flushHeadIfNoBody)
      }
    } catch (cause) {
      // Node refused the head (an invalid status or field). Nothing was sent, so the client gets a gateway error and
      // the upstream is told to stop through the signal.
      this.#abort.abort(cause)
      this.#finishWithError(undefined)
      return
    }
    this.#status = status
    this.#state = 'streaming'
  }

  onResponseData(chunk: Buffer): void {
    if (this.#state !== 'streaming') return
    this.#bodyStarted = true
    this.#cancelHeadFlush()
    // The DATA frames of one read from the channel arrive as separate callbacks; they leave in one client write.
    this.#cork.hold()
    asWriter(this.#res).write(chunk)
    if (!this.#waitingForDrain && queuedBytes(this.#res, this.http2) >= CLIENT_WRITE_BUFFER_BYTES) {
      this.#waitingForDrain = true
      this.#controller?.pause()
      this.#res.once('drain', this.#onDrain)
    }
  }

  onResponseEnd(): void {
    if (this.#state !== 'streaming') return
    this.#state = 'done'
    this.#detachSocket()
    this.#cancelHeadFlush()
    this.#cork.flush()
    this.#res.end()
    this.#host.onExchangeDone(this, { status: this.#status, result: 'complete', error: undefined })
  }

  onResponseError(error: RouterError): void {
    if (this.#state === 'done') return
    if (this.#state === 'waiting') {
      this.#finishWithError(error)
      return
    }
    this.#state = 'done'
    this.#detachSocket()
    this.#cancelHeadFlush()
    this.#cork.flush()
    this.#res.removeListener('drain', this.#onDrain)
    // Never append text to a started body: abort, so the client sees a broken response, not a short one.
    abortResponse(this.#res, this.http2)
    this.#host.onExchangeDone(this, { status: this.#status, result: 'aborted', error })
  }

  /** Ends the exchange from the router's side (shutdown grace exceeded): a status if possible, else an abort. */
  cancel(error: RouterError): void {
    if (this.#state === 'done') return
    // Answer first: aborting makes the dispatcher report its own error to this handler at once.
    this.onResponseError(error)
    this.#abort.abort(error)
  }

  #finishWithError(error: RouterError | undefined): void {
    this.#state = 'done'
    this.#detachSocket()
    const status = writeErrorResponse(this.#res, error, this.request.requestId, this.http2)
    this.#host.onExchangeDone(this, { status, result: 'error-response', error })
  }

  readonly #flushHeadIfNoBody = (): void => {
    this.#headFlush = undefined
    if (this.#state === 'streaming' && !this.#bodyStarted) (this.#res as ServerResponse).flushHeaders()
  }

  #cancelHeadFlush(): void {
    if (this.#headFlush === undefined) return
    clearImmediate(this.#headFlush)
    this.#headFlush = undefined
  }

  #detachSocket(): void {
    this.#socket?.removeListener('close', this.#onClientClose)
  }

  readonly #onDrain = (): void => {
    this.#waitingForDrain = false
    if (this.#state === 'streaming') this.#controller?.resume()
  }

  readonly #onClientClose = (): void => {
    if (this.#state === 'done') return
    this.#state = 'done'
    this.#detachSocket()
    this.#cancelHeadFlush()
    this.#cork.flush()
    const error = new ClientAbortedError(this.request.requestId)
    this.#res.removeListener('drain', this.#onDrain)
    this.#abort.abort(error)
    this.#host.onExchangeDone(this, { status: CLIENT_CLOSED_REQUEST_STATUS, result: 'aborted', error })
  }
}

/**
 * Answers with statusFor(error) (502 when `error` is undefined) as a small text/plain response, and returns the
 * status. Used for every response the router itself makes up: refusals at the front door and upstream failures.
 */
export function writeErrorResponse(
  res: ClientResponse,
  error: unknown,
  requestId: string | undefined,
  http2: boolean,
): number {
  const answer = statusFor(error)
  if (res.headersSent) {
    abortResponse(res, http2)
    return answer.status
  }
  const headers: string[] = [
    'Content-Type',
    'text/plain; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(answer.body)),
  ]
  if (requestId !== undefined) headers.push('X-Request-Id', requestId)
  if (answer.retryAfterS !== undefined) headers.push('Retry-After', String(answer.retryAfterS))
  if (answer.closeConnection && !http2) headers.push('Connection', 'close')
  asWriter(res).writeHead(answer.status, headers)
  res.end(answer.body)
  // RFC 9113 §8.1: a server that answers before the request body ended asks the client to stop sending it with
  // RST_STREAM(NO_ERROR) after the response; Node sends it once the response is flushed. Otherwise a client still
  // uploading (too slowly, say) would keep the stream, and a closing session, open.
  if (http2) {
    const stream = (res as Http2ServerResponse).stream
    if (!stream.endAfterHeaders && !stream.destroyed) stream.close(http2Constants.NGHTTP2_NO_ERROR)
  }
  // HTTP/2 has no Connection header (RFC 9113 §8.2.2): a graceful GOAWAY asks the client to reconnect instead, and
  // lets its other streams finish.
  if (answer.closeConnection && http2) (res as Http2ServerResponse).stream.session?.close()
  return answer.status
}

// HTTP/1.1 can only signal a cut-off body by closing the connection; HTTP/2 resets just this stream with
// INTERNAL_ERROR (RFC 9113 §8.1), which every client reports as a failed response, never a complete one.
function abortResponse(res: ClientResponse, http2: boolean): void {
  if (http2) {
    const stream = (res as Http2ServerResponse).stream
    if (!stream.destroyed) stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR)
    return
  }
  ;(res as ServerResponse).destroy()
}
