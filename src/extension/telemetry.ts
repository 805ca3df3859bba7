// Every log line the extension writes, one method per domain event, so wording and levels live in one file
// (fastify LogController). Per-request lines are debug and carry the router's X-Request-Id as `requestId`; the keys
// match the router's (poolId, lambdaId, channelId, requestId). Touches only the logger.
import { type Logger, shortId } from '../common/index.js'
import {
  type ExitReason,
  getHeader,
  HEADER_REQUEST_ID,
  type RequestHead,
  type WaiterRequest,
  type WaiterResponse,
} from '../protocol/index.js'
import type {
  AppNotReadyError,
  AppRequestError,
  ChannelEndedWithoutResponseError,
  ExtensionError,
  RouterSessionLostError,
} from './errors.js'
import type { InvokeEvent } from './lambda-api/runtime-api.js'
import type { ReadinessResult } from './readiness.js'

export class ExtensionTelemetry {
  readonly logger: Logger
  // Per-request lines are debug; checking once keeps their cost off the hot path when debug is off.
  readonly #debug: boolean

  constructor(logger: Logger) {
    this.logger = logger
    this.#debug = logger.isLevelEnabled('debug')
  }

  /**
   * A child for one invoke: every line carries its ids. The Lambda invocation's id is `awsRequestId`; `requestId` is
   * kept for the client request a line is about, as in the router's logs.
   */
  forInvoke(request: Pick<WaiterRequest, 'poolId' | 'id'>, awsRequestId: string): ExtensionTelemetry {
    // Issue 13: the whole instance id only at debug level; above it, its 8-character prefix.
    const lambdaId = this.#logId(request.id)
    return new ExtensionTelemetry(this.logger.child({ poolId: request.poolId, lambdaId, awsRequestId }))
  }

  /** A child for one invoke that is not the router's: an event passed to the app. */
  forEvent(awsRequestId: string): ExtensionTelemetry {
    return new ExtensionTelemetry(this.logger.child({ awsRequestId }))
  }

  /** An instance or channel id as log lines show it: whole at debug level, else its prefix (issue 13). */
  #logId(id: string): string {
    return this.#debug ? id : shortId(id)
  }

  registered(extensionName: string, extensionId: string): void {
    this.logger.info({ extensionName, extensionId }, 'registered with the Extensions API')
  }

  appReady(phase: 'init' | 'invoke', probe: string, result: ReadinessResult): void {
    this.logger.info({ phase, probe, waitedMs: result.waitedMs, attempts: result.attempts }, 'app is ready')
  }

  appNotReady(error: AppNotReadyError): void {
    this.logger.error({ err: error }, error.message)
  }

  appInitDeferred(probe: string, result: ReadinessResult): void {
    this.logger.warn(
      { probe, waitedMs: result.waitedMs, attempts: result.attempts },
      'app not ready within the init phase budget; the first invoke keeps checking (async init)',
    )
  }

  invokeReceived(event: InvokeEvent, request: WaiterRequest, deadlineMs: number): void {
    this.logger.info(
      {
        channels: request.numberOfChannels,
        initOnly: request.initOnly,
        dispatcherUrl: request.dispatcherUrl,
        deadlineInMs: deadlineMs - Date.now(),
        lambdaDeadlineMs: event.deadlineMs,
      },
      'invoke received',
    )
  }

  invokeInvalid(awsRequestId: string, error: Error): void {
    this.logger.warn({ awsRequestId, err: error }, 'invoke payload is invalid; returning RouterLambdaInvokeInvalid')
  }

  eventReceived(path: string, payloadBytes: number, stopInMs: number): void {
    this.logger.info({ path, payloadBytes, stopInMs }, 'invoke is not a WaiterRequest; passing the event to the app')
  }

  eventAnswered(path: string, status: number, resultBytes: number): void {
    // A 4xx is the app's answer, returned as the result; worth a warning, as the event source will not retry it.
    const level = status >= 400 ? 'warn' : 'info'
    this.logger[level]({ path, status, resultBytes }, 'the app answered the event; returning its body as the result')
  }

  eventFailed(error: ExtensionError): void {
    this.logger.error({ err: error }, 'the event failed; posting a function error so the event source retries it')
  }

  invokeStale(sentTime: string): void {
    this.logger.warn({ sentTime }, 'invoke is stale (sent more than 5 s ago); returning SelfStaleRequest')
  }

  invokeFinished(response: WaiterResponse): void {
    this.logger.info(
      {
        exitReason: response.exitReason,
        requestCount: response.requestCount,
        invokeDurationMs: response.invokeDurationMs,
      },
      'invoke finished',
    )
  }

  invokeFailed(error: ExtensionError): void {
    this.logger.error({ err: error }, 'invoke failed with a fatal error; posting it to the Runtime API')
  }

  sessionOpened(sessionId: number, routerUrl: string): void {
    this.logger.debug({ sessionId, routerUrl }, 'router session opened')
  }

  sessionConnectFailed(attempt: number, attempts: number, error: Error): void {
    this.logger.warn({ attempt, attempts, err: error }, 'router connect attempt failed')
  }

  routerTlsUnverified(dispatcherUrl: string): void {
    this.logger.warn(
      { dispatcherUrl },
      'TLS to the router is not verified: the invoke pins no certificate (RouterCertSha256) and ' +
        'LAMBDA_DISPATCH_ROUTER_TLS_VERIFY is false; any certificate is accepted, as the original extension did',
    )
  }

  routerUnreachable(error: Error): void {
    this.logger.error({ err: error }, 'the router is unreachable; ending the invoke')
  }

  sessionLost(error: RouterSessionLostError): void {
    const level = error.reason === 'goaway' ? 'info' : 'warn'
    this.logger[level](
      { err: error, sessionId: error.sessionId, reason: error.reason },
      'router session lost; channels move to a new session',
    )
  }

  channelSilent(channelId: string, sessionId: number, waitedMs: number): void {
    this.logger.warn(
      { channelId: this.#logId(channelId), sessionId, waitedMs },
      'no response HEADERS from the router yet; checking the session with an HTTP/2 PING',
    )
  }

  channelEndedWithoutResponse(error: ChannelEndedWithoutResponseError, cause: Error | undefined): void {
    this.logger.error(
      { err: error, channelId: this.#logId(error.channelId), sessionId: error.sessionId, cause },
      error.message,
    )
  }

  channelResetBeforeHeaders(channelId: string, sessionId: number, rstCode: number): void {
    this.logger.warn(
      { channelId: this.#logId(channelId), sessionId, rstCode },
      'the router reset the channel stream before its response HEADERS; opening the channel again on the same session',
    )
  }

  channelRefused(channelId: string): void {
    this.logger.warn(
      { channelId: this.#logId(channelId) },
      'the router refused the channel stream (REFUSED_STREAM: more channels than its stream limit); this channel stops',
    )
  }

  routerStatus(channelId: string, status: number, exitReason: ExitReason): void {
    this.logger.warn(
      { channelId: this.#logId(channelId), status, exitReason },
      'router answered a channel with an unexpected status; stopping',
    )
  }

  goaway(channelId: string, via: 'status-409' | 'goaway-request' | 'ping-409'): void {
    this.logger.info(
      { channelId: this.#logId(channelId), via },
      'router asked this instance to go away; channels stop after their requests',
    )
  }

  badRequestHead(channelId: string, error: Error): void {
    this.logger.warn({ channelId: this.#logId(channelId), err: error }, 'tunnelled request head refused')
  }

  requestRelayed(channelId: string, status: number, head: RequestHead): void {
    if (this.#debug) this.logger.debug({ channelId, requestId: requestIdOf(head), status }, 'request relayed')
  }

  requestReset(channelId: string, head: RequestHead): void {
    if (this.#debug) {
      this.logger.debug(
        { channelId, requestId: requestIdOf(head), method: head.method, target: head.target },
        'the channel stream was reset mid-request; app request aborted',
      )
    }
  }

  appRequestFailed(channelId: string, error: AppRequestError, head: RequestHead): void {
    this.logger.warn(
      { channelId: this.#logId(channelId), requestId: requestIdOf(head), err: error },
      'app request failed',
    )
  }

  closeRequested(cause: ExitReason, inFlight: number): void {
    this.logger.info({ cause, inFlight }, 'asking the router to close this instance')
  }

  closeFailed(error: Error): void {
    this.logger.warn({ err: error }, 'close request failed; draining anyway')
  }

  pingFailed(error: Error): void {
    this.logger.warn({ err: error }, 'ping failed')
  }

  drainTimedOut(parkedChannels: number, drainMs: number): void {
    this.logger.warn(
      { parkedChannels, drainMs },
      'the router sent no goaway to parked channels within the drain timeout; resetting them',
    )
  }

  stoppedTakingRequests(refusedChannels: number, inFlight: number): void {
    this.logger.info(
      { refusedChannels, inFlight },
      'the deadline is near and the router has not answered the close; refusing waiting channels',
    )
  }

  hardStop(openChannels: number): void {
    this.logger.warn({ openChannels }, 'deadline reached with channels still open; resetting them to return in time')
  }

  shutdown(source: string, deadlineMs: number | undefined): void {
    this.logger.info(
      { source, deadlineInMs: deadlineMs === undefined ? undefined : deadlineMs - Date.now() },
      'shutting down',
    )
  }

  lambdaApiFailed(operation: string, error: Error): void {
    this.logger.error({ operation, err: error }, 'Lambda API call failed')
  }
}

// The router sends every request with X-Request-Id (the client's, or one it made); the original router sends none.
function requestIdOf(head: RequestHead): string | undefined {
  return getHeader(head.headers, HEADER_REQUEST_ID)
}
