// The router's named failures. Each carries the context that explains it; front-door/error-status.ts maps the ones
// that reach a client to an HTTP status. Messages name instances and channels by their id prefix. Pure: no I/O.
import { LambdaDispatchError, shortId } from '../common/index.js'

/** Base of every router error, so handlers can take `RouterError` and still get the code and context. */
export abstract class RouterError extends LambdaDispatchError {}

/** The pool's queue is at its limit; the client should retry later. */
export class QueueFullError extends RouterError {
  readonly code = 'LD_QUEUE_FULL'

  constructor(
    readonly poolId: string,
    readonly queueLimit: number,
  ) {
    super(`the ${poolId} queue is full (${queueLimit} requests waiting)`)
  }
}

/** A request waited the whole queue timeout without a free channel. */
export class QueueTimeoutError extends RouterError {
  readonly code = 'LD_QUEUE_TIMEOUT'

  constructor(
    readonly poolId: string,
    readonly waitedMs: number,
  ) {
    super(`request waited ${waitedMs} ms in the ${poolId} queue without a free channel`)
  }
}

/** The pool cannot start instances right now (circuit open, instance cap with none able to serve, or invoke failures). */
export class NoCapacityError extends RouterError {
  readonly code = 'LD_NO_CAPACITY'

  constructor(
    readonly poolId: string,
    readonly why: string,
    readonly retryAfterMs: number,
  ) {
    super(`the ${poolId} pool has no capacity: ${why}`)
  }
}

/**
 * The function failed before its extension connected back: the app exited during init, never became ready, or init
 * timed out. `errorType`/`errorMessage` are Lambda's function error (`Runtime.ExitError`, `Extension.AppNotReady`,
 * `Sandbox.Timedout`…), which say the exit code and the app's last stderr lines, or what the readiness probe saw.
 */
export class AppStartFailedError extends RouterError {
  readonly code = 'LD_APP_START_FAILED'

  constructor(
    readonly poolId: string,
    readonly functionName: string,
    readonly errorType: string,
    readonly errorMessage: string,
  ) {
    super(`the app failed to start (function ${functionName}): ${errorType}: ${errorMessage}`)
  }
}

/** The router is shutting down and takes no new requests. */
export class RouterClosingError extends RouterError {
  readonly code = 'LD_ROUTER_CLOSING'

  constructor() {
    super('the router is shutting down')
  }
}

/** The Lambda did not send the response head within the head timeout after the request was written. */
export class HeadTimeoutError extends RouterError {
  readonly code = 'LD_HEAD_TIMEOUT'

  constructor(
    readonly lambdaId: string,
    readonly channelId: string,
    readonly waitedMs: number,
  ) {
    super(`no response head from lambda ${shortId(lambdaId)} channel ${shortId(channelId)} within ${waitedMs} ms`)
  }
}

/** No body bytes moved in either direction for the idle timeout. */
export class BodyIdleTimeoutError extends RouterError {
  readonly code = 'LD_BODY_IDLE_TIMEOUT'

  constructor(
    readonly lambdaId: string,
    readonly channelId: string,
    readonly idleMs: number,
  ) {
    super(`body of lambda ${shortId(lambdaId)} channel ${shortId(channelId)} was idle for ${idleMs} ms`)
  }
}

/** The Lambda's response head was malformed or too large (the cause is the protocol error). */
export class BadUpstreamHeadError extends RouterError {
  readonly code = 'LD_BAD_UPSTREAM_HEAD'

  constructor(
    readonly lambdaId: string,
    readonly channelId: string,
    options?: ErrorOptions,
  ) {
    super(`lambda ${shortId(lambdaId)} channel ${shortId(channelId)} sent an invalid response head`, options)
  }
}

/**
 * The response body broke the framing its head declared: bytes past Content-Length or on a response that has no
 * body (HEAD, 204, 304), a body that ended short of Content-Length, or a Content-Length that is not one number.
 */
export class BadUpstreamFramingError extends RouterError {
  readonly code = 'LD_BAD_UPSTREAM_FRAMING'

  constructor(
    readonly lambdaId: string,
    readonly channelId: string,
    /** What was wrong: 'overrun', 'short', or the refused Content-Length. */
    readonly why: string,
    /** Body bytes received when it was found. */
    readonly bodyBytes: number,
  ) {
    super(
      `lambda ${shortId(lambdaId)} channel ${shortId(channelId)} broke its response framing (${why}) after ${bodyBytes} body bytes`,
    )
  }
}

/** The channel stream ended or was reset before a complete response arrived. */
export class UpstreamClosedError extends RouterError {
  readonly code = 'LD_UPSTREAM_CLOSED'

  constructor(
    readonly lambdaId: string,
    readonly channelId: string,
    /** Whether the response head had already been relayed to the client. */
    readonly afterResponseStart: boolean,
    options?: ErrorOptions,
  ) {
    super(
      `lambda ${shortId(lambdaId)} channel ${shortId(channelId)} closed ${afterResponseStart ? 'mid-response' : 'before responding'}`,
      options,
    )
  }
}

/** The client went away before its response was complete. */
export class ClientAbortedError extends RouterError {
  readonly code = 'LD_CLIENT_ABORTED'

  constructor(readonly requestId: string) {
    super(`client of request ${requestId} went away`)
  }
}

/** Something tried to write tunnel DATA before the channel's response HEADERS were sent (the ordering invariant). */
export class TunnelOrderingError extends RouterError {
  readonly code = 'LD_TUNNEL_ORDERING'

  constructor(
    readonly lambdaId: string,
    readonly channelId: string,
  ) {
    super(
      `refused to write DATA on lambda ${shortId(lambdaId)} channel ${shortId(channelId)} before its response HEADERS were sent`,
    )
  }
}

/** Lambda refused an invoke for concurrency or rate (429 TooManyRequestsException and its kin); back off, then retry. */
export class InvokeThrottledError extends RouterError {
  readonly code = 'LD_INVOKE_THROTTLED'

  constructor(
    readonly functionName: string,
    /** The AWS error name (`TooManyRequestsException`, `EC2ThrottledException`, …). */
    readonly awsErrorName: string,
    readonly statusCode: number | undefined,
    options?: ErrorOptions,
  ) {
    super(`invoke of ${functionName} was throttled (${awsErrorName})`, options)
  }
}

/** An invoke failed before the function ran to completion: network, timeout, service fault, or a refused request. */
export class InvokeFailedError extends RouterError {
  readonly code = 'LD_INVOKE_FAILED'

  constructor(
    readonly functionName: string,
    /** The AWS error name, or the Node/SDK error name for network failures and timeouts. */
    readonly awsErrorName: string,
    readonly statusCode: number | undefined,
    /** Whether trying again later may succeed (network, 5xx, timeout) or not (missing function, access denied). */
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(
      `invoke of ${functionName} failed (${awsErrorName}${statusCode === undefined ? '' : `, HTTP ${statusCode}`}, ${retryable ? 'retryable' : 'not retryable'})`,
      options,
    )
  }
}

/** The router could not learn the address Lambdas should call back (ECS task metadata, EC2 IMDS, or the env var). */
export class CallbackHostDiscoveryError extends RouterError {
  readonly code = 'LD_CALLBACK_HOST_DISCOVERY'

  constructor(
    readonly source: 'env-var' | 'ecs' | 'ec2',
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`callback host discovery through ${source} failed: ${detail}`, options)
  }
}

/** The client's request head broke HTTP syntax or framing (Node's parser refused it, or the target form is unusable). */
export class BadClientRequestError extends RouterError {
  readonly code = 'LD_BAD_CLIENT_REQUEST'

  constructor(
    /** Short, client-safe description of what was wrong. */
    readonly why: string,
    options?: ErrorOptions,
  ) {
    super(`bad request: ${why}`, options)
  }
}

/** The client addressed the reserved `/_lambda_dispatch/` path, which only the router may use inside a channel. */
export class ReservedPathError extends RouterError {
  readonly code = 'LD_RESERVED_PATH'

  constructor(readonly target: string) {
    super('paths under /_lambda_dispatch/ are reserved for the router')
  }
}

/** The client's request head was larger than the configured limit. */
export class ClientHeadTooLargeError extends RouterError {
  readonly code = 'LD_CLIENT_HEAD_TOO_LARGE'

  constructor(
    readonly maxHeadBytes: number,
    options?: ErrorOptions,
  ) {
    super(`request head is larger than ${maxHeadBytes} bytes`, options)
  }
}

/** The client did not send its request head (or whole request) within the configured time. */
export class ClientRequestTimeoutError extends RouterError {
  readonly code = 'LD_CLIENT_REQUEST_TIMEOUT'

  constructor(options?: ErrorOptions) {
    super('the request was not received in time', options)
  }
}

/** The client did not send its whole request body within `RequestBodyTimeout` of the router starting to read it. */
export class RequestBodyTimeoutError extends RouterError {
  readonly code = 'LD_REQUEST_BODY_TIMEOUT'

  constructor(
    readonly requestId: string,
    readonly timeoutMs: number,
    /** Body bytes received by then. */
    readonly receivedBytes: number,
  ) {
    super(`request ${requestId} sent ${receivedBytes} body bytes and did not finish within ${timeoutMs} ms`)
  }
}

/** The client's request body fell below `MinRequestBodyDataRate`, measured over the grace period. */
export class RequestBodyTooSlowError extends RouterError {
  readonly code = 'LD_REQUEST_BODY_TOO_SLOW'

  constructor(
    readonly requestId: string,
    readonly minBytesPerSecond: number,
    /** Body bytes received by then. */
    readonly receivedBytes: number,
  ) {
    super(
      `request ${requestId} sent its body slower than ${minBytesPerSecond} bytes/s (${receivedBytes} bytes received)`,
    )
  }
}

/** `X-Lambda-Name` named a function that is not on the router's allow-list. */
export class LambdaNameNotAllowedError extends RouterError {
  readonly code = 'LD_LAMBDA_NAME_NOT_ALLOWED'

  constructor(readonly lambdaName: string) {
    super(`X-Lambda-Name "${lambdaName}" is not on this router's allow-list`)
  }
}

/** A WebSocket handshake reached a pool whose open instances never advertised the capability (issue 18). */
export class WebSocketUnsupportedError extends RouterError {
  readonly code = 'LD_WEBSOCKET_UNSUPPORTED'

  constructor(readonly poolId: string) {
    super(`no instance of the ${poolId} pool advertised WebSocket support; the handshake was not sent to the app`)
  }
}

/** A WebSocket handshake found no capable instance with room: each is at MaxWebSocketsPerInstance, or none is open. */
export class WebSocketNoCapacityError extends RouterError {
  readonly code = 'LD_WEBSOCKET_NO_CAPACITY'

  constructor(
    readonly poolId: string,
    readonly why: string,
  ) {
    super(`no instance of the ${poolId} pool can take a WebSocket now: ${why}`)
  }
}
