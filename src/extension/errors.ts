// The extension's named failures. Each carries the context that explains it; telemetry.ts logs them and
// invocation.ts turns the fatal ones into an ExitReason or a Runtime API /error. Pure: no I/O.
import { LambdaDispatchError, shortId } from '../common/index.js'

/** Base of every extension error, so callers can take `ExtensionError` and still get the code and context. */
export abstract class ExtensionError extends LambdaDispatchError {}

/** No HTTP/2 session to the router could be opened within the bounded connect attempts (original issue #159). */
export class RouterUnreachableError extends ExtensionError {
  readonly code = 'LD_ROUTER_UNREACHABLE'

  constructor(
    readonly routerUrl: string,
    readonly attempts: number,
    /** The last attempt's timeout: each attempt doubles the configured one, bounded by the invoke's deadline. */
    readonly connectTimeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(
      `could not open an HTTP/2 session to ${routerUrl} in ${attempts} attempts (the last given ${connectTimeoutMs} ms)`,
      options,
    )
  }
}

/** How far one connect attempt got before its time ran out. */
export type ConnectPhase = 'tcp' | 'tls' | 'http2-settings'

const PHASE_TEXT: Readonly<Record<ConnectPhase, string>> = {
  tcp: 'the TCP connection',
  tls: 'the TLS handshake',
  'http2-settings': "the router's HTTP/2 SETTINGS",
}

/**
 * One connect attempt did not finish within `connectTimeoutMs`: the TCP connect, the TLS handshake, or the router's
 * first HTTP/2 SETTINGS frame (a peer that accepts the connection but never speaks HTTP/2) took too long.
 */
export class RouterConnectTimeoutError extends ExtensionError {
  readonly code = 'LD_ROUTER_CONNECT_TIMEOUT'

  constructor(
    readonly routerUrl: string,
    readonly phase: ConnectPhase,
    readonly connectTimeoutMs: number,
  ) {
    super(`connect attempt to ${routerUrl} timed out after ${connectTimeoutMs} ms waiting for ${PHASE_TEXT[phase]}`)
  }
}

/** The router's TLS certificate does not match the SHA-256 fingerprint the invoke asked us to pin. */
export class RouterCertificateMismatchError extends ExtensionError {
  readonly code = 'LD_ROUTER_CERT_MISMATCH'

  constructor(
    readonly routerUrl: string,
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(`the certificate of ${routerUrl} has SHA-256 ${actualSha256}, expected the pinned ${expectedSha256}`)
  }
}

/** Why a router session stopped being usable. */
export type SessionLossReason = 'goaway' | 'error' | 'closed' | 'ping-timeout' | 'stream-without-response'

/** The HTTP/2 session to the router ended or stopped answering; channels move to a new session. */
export class RouterSessionLostError extends ExtensionError {
  readonly code = 'LD_ROUTER_SESSION_LOST'

  constructor(
    readonly sessionId: number,
    readonly reason: SessionLossReason,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`router session ${sessionId} lost (${reason}): ${detail}`, options)
  }
}

/**
 * A channel stream closed before the router's response HEADERS arrived, and the session is to blame. Node 20's client
 * does this when a peer sends DATA before HEADERS (it answers GOAWAY(PROTOCOL_ERROR) and the stream ends with no
 * 'response' and no 'error'); a router that resets the same channel's POST again and again ends here too.
 */
export class ChannelEndedWithoutResponseError extends ExtensionError {
  readonly code = 'LD_CHANNEL_NO_RESPONSE'

  constructor(
    readonly channelId: string,
    readonly sessionId: number,
    readonly rstCode: number,
  ) {
    super(
      `channel ${shortId(channelId)} stream ended without response HEADERS (session ${sessionId}, RST code ${rstCode}); ` +
        'the router may have sent DATA before HEADERS, or reset this channel again and again; replacing the session',
    )
  }
}

/** A ping or close request got no response HEADERS in time. */
export class ControlRequestTimeoutError extends ExtensionError {
  readonly code = 'LD_CONTROL_TIMEOUT'

  constructor(
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`no response to ${path} within ${timeoutMs} ms`)
  }
}

/** Where in the app exchange a failure happened: before the app's status line, or while its body streamed. */
export type AppFailurePhase = 'before-response' | 'mid-response'

/** One request to the app failed (connection refused, reset, or the app closed mid-body). */
export class AppRequestError extends ExtensionError {
  readonly code = 'LD_APP_REQUEST_FAILED'

  constructor(
    readonly method: string,
    readonly target: string,
    readonly phase: AppFailurePhase,
    /** The socket error code when there is one (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET…). */
    readonly errorCode: string | undefined,
    options?: ErrorOptions,
  ) {
    super(`app request ${method} ${target} failed ${phase} (${errorCode ?? 'unknown error'})`, options)
  }
}

/** The app no longer accepts connections on its port: the execution environment is useless. Fatal. */
export class AppUnreachableError extends ExtensionError {
  readonly code = 'LD_APP_UNREACHABLE'

  constructor(
    readonly port: number,
    options?: ErrorOptions,
  ) {
    super(`the app refuses connections on 127.0.0.1:${port}; the execution environment must be replaced`, options)
  }
}

/** The app did not pass its readiness check in time (async init inside the first invoke). Fatal. */
export class AppNotReadyError extends ExtensionError {
  readonly code = 'LD_APP_NOT_READY'

  constructor(
    readonly probe: string,
    readonly waitedMs: number,
    readonly attempts: number,
    /** What the last check saw: the status, a timeout or a refused connection. */
    readonly lastObservation: string | undefined = undefined,
    /** A suggestion for the user, e.g. the path that does answer. */
    readonly hint: string | undefined = undefined,
  ) {
    super(
      `the app was not ready (${probe}) after ${waitedMs} ms and ${attempts} checks` +
        `${lastObservation === undefined ? '' : `: ${lastObservation}`}${hint === undefined ? '' : `; ${hint}`}`,
    )
  }
}

/**
 * The app answered a passed-through event with a 5xx. The invoke fails (a function error), so the event source
 * retries the event as it would after any failed invoke.
 */
export class EventAppStatusError extends ExtensionError {
  readonly code = 'LD_EVENT_APP_STATUS'

  constructor(
    readonly path: string,
    readonly status: number,
    /** The start of the app's answer, as text, for the error message. */
    readonly bodyExcerpt: string,
  ) {
    super(`the app answered the event at POST ${path} with ${status}${bodyExcerpt === '' ? '' : `: ${bodyExcerpt}`}`)
  }
}

/** The app did not answer a passed-through event in full before the invoke had to return. The invoke fails. */
export class EventAppTimeoutError extends ExtensionError {
  readonly code = 'LD_EVENT_APP_TIMEOUT'

  constructor(
    readonly path: string,
    readonly waitedMs: number,
    /** The app's status when it had sent its head but not all of its body. */
    readonly status: number | undefined,
  ) {
    super(
      `the app did not answer the event at POST ${path} within ${waitedMs} ms, before the invoke's deadline` +
        `${status === undefined ? '' : ` (it sent status ${status} but not its whole body)`}`,
    )
  }
}

/** The app's answer to a passed-through event is larger than a Lambda invoke can return. The invoke fails. */
export class EventResultTooLargeError extends ExtensionError {
  readonly code = 'LD_EVENT_RESULT_TOO_LARGE'

  constructor(
    readonly path: string,
    readonly limitBytes: number,
  ) {
    super(`the app's answer to the event at POST ${path} is larger than Lambda's ${limitBytes}-byte response limit`)
  }
}

/** A call to the Lambda Runtime API or Extensions API failed. */
export class LambdaApiError extends ExtensionError {
  readonly code = 'LD_LAMBDA_API'

  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`Lambda API ${operation} failed${status === undefined ? '' : ` with status ${status}`}: ${detail}`, options)
  }
}
