// Pure. The one place that turns a router failure into the HTTP status a client sees (STYLE.md §6); no other file
// picks a gateway status. No I/O.
import {
  AppStartFailedError,
  BadClientRequestError,
  BadUpstreamFramingError,
  BadUpstreamHeadError,
  BodyIdleTimeoutError,
  ClientAbortedError,
  ClientHeadTooLargeError,
  ClientRequestTimeoutError,
  HeadTimeoutError,
  LambdaNameNotAllowedError,
  NoCapacityError,
  QueueFullError,
  QueueTimeoutError,
  RequestBodyTimeoutError,
  RequestBodyTooSlowError,
  ReservedPathError,
  RouterClosingError,
  TunnelOrderingError,
  UpstreamClosedError,
  WebSocketNoCapacityError,
  WebSocketUnsupportedError,
} from '../errors.js'

/** How a failure that happened before the response started is answered. */
export interface ErrorStatus {
  readonly status: number
  /** Whole seconds for `Retry-After`, present when retrying later is the right move. */
  readonly retryAfterS?: number
  /** Ask the client to stop using this connection (`Connection: close` on HTTP/1.1, GOAWAY on HTTP/2). */
  readonly closeConnection: boolean
  /** One line of text/plain naming the problem. Safe to show a client: no lambda, channel or pool ids. */
  readonly body: string
}

/** Retry-After for a full queue: long enough for a few requests to drain, short enough not to idle a client. */
export const QUEUE_FULL_RETRY_AFTER_S = 1

/**
 * Status for a client whose connection already went away. Never sent (there is nobody to send it to); it is what
 * the access log records, as nginx does.
 */
export const CLIENT_CLOSED_REQUEST_STATUS = 499

function fixed(status: number, text: string, code: string, closeConnection = false): ErrorStatus {
  return Object.freeze({ status, closeConnection, body: `${text} (${code})\n` })
}

const QUEUE_FULL = Object.freeze({
  status: 503,
  retryAfterS: QUEUE_FULL_RETRY_AFTER_S,
  closeConnection: false,
  body: 'the request queue is full; retry later (LD_QUEUE_FULL)\n',
})
const CLOSING = fixed(503, 'the router is shutting down; retry on another connection', 'LD_ROUTER_CLOSING', true)
// 504, not 503: the router accepted the request and held it for the whole queue timeout, so from the client's side
// the upstream failed to answer in time, which is what 504 means (RFC 9110 §15.6.5). 503 stays reserved for refusals
// made at once (queue full, no capacity, closing), where the request was never held and an immediate retry elsewhere
// is safe. The original router also answered 504 here.
const QUEUE_TIMEOUT = fixed(504, 'no Lambda became free within the queue timeout', 'LD_QUEUE_TIMEOUT')
const HEAD_TIMEOUT = fixed(504, 'the app did not start its response in time', 'LD_HEAD_TIMEOUT')
const BODY_IDLE = fixed(504, 'the exchange with the app was idle too long', 'LD_BODY_IDLE_TIMEOUT')
const BAD_UPSTREAM_HEAD = fixed(502, "the app's response head was invalid", 'LD_BAD_UPSTREAM_HEAD')
// Found before the head went out (the lie came with it): the router answers 502 with framing of its own, so the
// client connection stays in step. Found later, the client connection (HTTP/1.1) or stream (HTTP/2) is aborted.
const BAD_UPSTREAM_FRAMING = fixed(502, "the app's response body did not match its framing", 'LD_BAD_UPSTREAM_FRAMING')
const UPSTREAM_CLOSED = fixed(502, 'the app closed the exchange before responding', 'LD_UPSTREAM_CLOSED')
const TUNNEL_ORDERING = fixed(502, 'internal channel error', 'LD_TUNNEL_ORDERING')
// 502: the upstream (the app) is broken, and retrying at once will not help; the router log has the one-line reason.
const APP_START_FAILED = fixed(
  502,
  'the app failed to start in its Lambda environment; the router log says why',
  'LD_APP_START_FAILED',
)
const RESERVED_PATH = fixed(400, 'paths under /_lambda_dispatch/ are reserved', 'LD_RESERVED_PATH')
const CLIENT_TIMEOUT = fixed(408, 'the request was not received in time', 'LD_CLIENT_REQUEST_TIMEOUT', true)
// The body was not fully read, so an HTTP/1.1 connection cannot carry another request (and it was slow anyway).
const REQUEST_BODY_TIMEOUT = fixed(408, 'the request body was not received in time', 'LD_REQUEST_BODY_TIMEOUT', true)
const REQUEST_BODY_TOO_SLOW = fixed(408, 'the request body was sent too slowly', 'LD_REQUEST_BODY_TOO_SLOW', true)
const CLIENT_ABORTED = fixed(CLIENT_CLOSED_REQUEST_STATUS, 'the client went away', 'LD_CLIENT_ABORTED', true)
const UNKNOWN: ErrorStatus = Object.freeze({
  status: 502,
  closeConnection: false,
  body: 'the router could not complete the request\n',
})

/** Maps any failure to its client-facing status. Unknown errors are 502: the gateway failed, not the client. */
export function statusFor(error: unknown): ErrorStatus {
  if (error instanceof QueueFullError) return QUEUE_FULL
  if (error instanceof NoCapacityError) {
    return {
      status: 503,
      retryAfterS: Math.max(1, Math.ceil(error.retryAfterMs / 1000)),
      closeConnection: false,
      body: 'no Lambda capacity is available right now; retry later (LD_NO_CAPACITY)\n',
    }
  }
  if (error instanceof AppStartFailedError) return APP_START_FAILED
  if (error instanceof RouterClosingError) return CLOSING
  if (error instanceof QueueTimeoutError) return QUEUE_TIMEOUT
  if (error instanceof HeadTimeoutError) return HEAD_TIMEOUT
  if (error instanceof BodyIdleTimeoutError) return BODY_IDLE
  if (error instanceof BadUpstreamHeadError) return BAD_UPSTREAM_HEAD
  if (error instanceof BadUpstreamFramingError) return BAD_UPSTREAM_FRAMING
  if (error instanceof UpstreamClosedError) return UPSTREAM_CLOSED
  if (error instanceof TunnelOrderingError) return TUNNEL_ORDERING
  if (error instanceof ReservedPathError) return RESERVED_PATH
  if (error instanceof LambdaNameNotAllowedError) {
    return { status: 403, closeConnection: false, body: `${error.message} (${error.code})\n` }
  }
  if (error instanceof ClientHeadTooLargeError) {
    // The connection's parser state is unknown after an oversized head, so it is not reused.
    return { status: 431, closeConnection: true, body: `${error.message} (${error.code})\n` }
  }
  if (error instanceof BadClientRequestError) {
    return { status: 400, closeConnection: true, body: `${error.message} (${error.code})\n` }
  }
  if (error instanceof ClientRequestTimeoutError) return CLIENT_TIMEOUT
  if (error instanceof RequestBodyTimeoutError) return REQUEST_BODY_TIMEOUT
  if (error instanceof RequestBodyTooSlowError) return REQUEST_BODY_TOO_SLOW
  if (error instanceof ClientAbortedError) return CLIENT_ABORTED
  // 501: the router can tunnel WebSockets, but nothing in this pool can take one (the original extension never can).
  if (error instanceof WebSocketUnsupportedError) {
    return { status: 501, closeConnection: true, body: `${error.message} (${error.code})\n` }
  }
  if (error instanceof WebSocketNoCapacityError) {
    return { status: 503, retryAfterS: 1, closeConnection: true, body: `${error.message} (${error.code})\n` }
  }
  return UNKNOWN
}
