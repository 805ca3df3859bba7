// One client request on one claimed channel: writes the head and streams the body into the channel stream, parses
// the response head, relays the body with back-pressure, and owns the exchange's one timer (head or idle timeout).
// Every way it ends goes through #finish, which releases the channel exactly once. Touches one stream and one body.
import { constants as http2 } from 'node:http2'
import type { Readable } from 'node:stream'
import { TurnCork } from '../../common/index.js'
import {
  createResponseHeadParser,
  filterClientResponseHeaders,
  type HeadParser,
  type ResponseHead,
  serializeRequestHead,
} from '../../protocol/index.js'
import {
  BadUpstreamFramingError,
  BadUpstreamHeadError,
  BodyIdleTimeoutError,
  ClientAbortedError,
  HeadTimeoutError,
  type RouterError,
  TunnelOrderingError,
  UpstreamClosedError,
} from '../errors.js'
import type { RequestEnd } from '../events.js'
import { resetStream } from '../http2-reset.js'
import type { DispatchRequest, ExchangeController, ExchangeHandler } from './exchange.js'
import { type ExchangeChannel, type ExchangeSettings, TUNNEL_WRITE_BUFFER_BYTES } from './exchange-channel.js'
import { type FailureKind, failureEnd } from './exchange-failure.js'
import { decideResponseFraming, framingBreach, framingSatisfied, type ResponseFraming } from './response-framing.js'
import { RequestBodyClock, requestBodyError } from './upload-rate.js'

/**
 * Lifecycle: start() → [request head written] → [request body streamed] → [response head parsed → onResponseStart]
 * → [response body relayed] → END_STREAM → onResponseEnd. Upload and response overlap (full duplex). Timing: the head
 * timeout counts from the end of the request (a long upload is guarded by the idle timeout instead, so an app that
 * reads the whole body before answering is not cut off); the idle timeout covers the upload and the response body;
 * the upload also has a total deadline and a minimum rate (RequestBodyClock), whose failure is the client's: 408
 * before the response started, an aborted response after (the app may answer while the upload still runs).
 */
export class TunnelExchange implements ExchangeController {
  readonly request: DispatchRequest
  readonly channel: ExchangeChannel
  readonly handler: ExchangeHandler
  readonly refusals: number
  readonly #settings: ExchangeSettings
  readonly #onDone: (exchange: TunnelExchange) => void
  readonly #retryRefused: ((exchange: TunnelExchange) => void) | undefined
  readonly #parser: HeadParser<ResponseHead>
  #body: Readable | null
  #cork: TurnCork | undefined
  #timer: NodeJS.Timeout | undefined
  #timerDueMs = Number.POSITIVE_INFINITY
  #upload: RequestBodyClock | undefined // set while the client's body is being relayed
  #lastActivityMs = 0
  #headDeadlineMs = 0
  #requestEnded = false
  #responseStarted = false
  // How much body the response head allows; set with #responseStarted.
  #framing: ResponseFraming | undefined
  // Body bytes each way, reported once when the exchange ends (two additions per chunk, no metric call per chunk).
  #requestBodyBytes = 0
  #responseBodyBytes = 0
  #status = 0
  #done = false

  constructor(
    channel: ExchangeChannel,
    request: DispatchRequest,
    handler: ExchangeHandler,
    settings: ExchangeSettings,
    onDone: (exchange: TunnelExchange) => void,
    /** Takes over a request the instance refused unprocessed; undefined when it may not be retried again. */
    retryRefused?: (exchange: TunnelExchange) => void,
    /** How many times the request was refused before this exchange. */
    refusals = 0,
  ) {
    this.channel = channel
    this.request = request
    this.handler = handler
    this.refusals = refusals
    this.#settings = settings
    this.#onDone = onDone
    this.#retryRefused = retryRefused
    this.#parser = createResponseHeadParser(settings.headLimits)
    this.#body = request.body
  }

  /** Writes the request head (one write) and starts streaming. The channel must be claimed already. */
  start(): void {
    const stream = this.channel.stream
    const request = this.request
    if (request.signal.aborted) {
      this.#fail(new ClientAbortedError(request.requestId), 'aborted')
      return
    }
    stream.on('data', this.#onData).on('end', this.#onEnd).on('close', this.#onClose)
    request.signal.addEventListener('abort', this)
    const head = serializeRequestHead(request)
    const body = this.#body
    this.#lastActivityMs = this.#settings.now()
    try {
      if (body === null || body.readableEnded) {
        this.#body = null
        this.channel.writer.end(head)
        this.#requestWritten(this.#lastActivityMs)
      } else {
        this.channel.writer.write(head)
        stream.on('drain', this.#onDrain)
        body.on('data', this.#onBodyData)
        body.on('end', this.#onBodyEnd)
        body.on('error', this.#onBodyError)
        this.#upload = new RequestBodyClock(this.#settings.requestBody, this.#lastActivityMs)
        // A body paused by an exchange an instance refused (see #onClose) does not flow again on a new 'data' listener.
        body.resume()
        this.#schedule(this.#lastActivityMs)
      }
    } catch (error) {
      if (error instanceof TunnelOrderingError) this.#fail(error, 'tunnel_ordering')
      else throw error
    }
  }

  pause(): void {
    if (!this.#done) this.channel.stream.pause()
  }

  resume(): void {
    if (!this.#done) this.channel.stream.resume()
  }

  isResponseComplete(): boolean {
    return this.#framing !== undefined && framingSatisfied(this.#framing, this.#responseBodyBytes)
  }

  /** The client went away (request.signal): reset the channel stream so the app request is aborted too. */
  handleEvent(): void {
    this.#fail(new ClientAbortedError(this.request.requestId), 'aborted')
  }

  /** Ends the exchange with `error` (the pool is closing and its grace ran out); the stream is reset. */
  cancel(error: RouterError): void {
    this.#fail(error, 'closing')
  }

  #requestWritten(nowMs: number): void {
    this.#requestEnded = true
    this.#upload = undefined
    if (!this.#responseStarted) this.#headDeadlineMs = nowMs + this.#settings.responseHeadTimeoutMs
    this.#schedule(nowMs)
  }

  // Makes the one timer fire by the next deadline: the head deadline while the complete request awaits its response
  // head, the idle one otherwise, the upload's own while its body is relayed. Activity only moves a timestamp, and a
  // timer due sooner is kept (the head's, once the head came): #onTimer catches up when it fires, no re-arm per phase.
  #schedule(nowMs: number): void {
    const settings = this.#settings
    let dueMs = Number.POSITIVE_INFINITY
    if (this.#requestEnded && !this.#responseStarted) {
      if (settings.responseHeadTimeoutMs > 0) dueMs = this.#headDeadlineMs
    } else if (settings.bodyIdleTimeoutMs > 0) {
      dueMs = this.#lastActivityMs + settings.bodyIdleTimeoutMs
    }
    if (this.#upload !== undefined) dueMs = Math.min(dueMs, this.#upload.dueMs)
    if (dueMs >= this.#timerDueMs) return
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timerDueMs = dueMs
    this.#timer = setTimeout(this.#onTimer, Math.max(1, Math.ceil(dueMs - nowMs)))
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.#timerDueMs = Number.POSITIVE_INFINITY
    if (this.#done) return
    const settings = this.#settings
    const now = settings.now()
    const { lambdaId, channelId } = this.channel
    if (this.#requestEnded && !this.#responseStarted) {
      if (settings.responseHeadTimeoutMs > 0 && now >= this.#headDeadlineMs) {
        this.#fail(new HeadTimeoutError(lambdaId, channelId, settings.responseHeadTimeoutMs), 'head-timeout')
        return
      }
    } else if (settings.bodyIdleTimeoutMs > 0 && now - this.#lastActivityMs >= settings.bodyIdleTimeoutMs) {
      this.#fail(new BodyIdleTimeoutError(lambdaId, channelId, settings.bodyIdleTimeoutMs), 'body-idle')
      return
    }
    const expired = this.#upload?.expired(now)
    if (expired !== undefined) {
      const error = requestBodyError(expired, this.request.requestId, settings.requestBody, this.#requestBodyBytes)
      this.#fail(error, 'request-body')
      return
    }
    this.#schedule(now)
  }

  readonly #onBodyData = (chunk: Buffer): void => {
    this.#lastActivityMs = this.#settings.now()
    this.#requestBodyBytes += chunk.length
    this.#upload?.onBytes(chunk.length, this.#lastActivityMs)
    // An HTTP/2 client's upload arrives in 16 KiB frames, one callback each: they leave in one channel write.
    this.#cork ??= new TurnCork(this.channel.stream)
    this.#cork.hold()
    this.channel.writer.write(chunk)
    if (this.channel.stream.writableLength >= TUNNEL_WRITE_BUFFER_BYTES) {
      this.#body?.pause()
      this.#upload?.pause(this.#lastActivityMs)
    }
  }

  readonly #onDrain = (): void => {
    this.#upload?.resume(this.#settings.now())
    this.#body?.resume()
  }

  readonly #onBodyEnd = (): void => {
    this.#detachBody()
    if (this.#done) return
    this.#cork?.flush()
    this.channel.writer.end()
    this.#requestWritten(this.#settings.now())
  }

  readonly #onBodyError = (error: Error): void => {
    const { requestId } = this.request
    this.#settings.events.requestBodyFailed.publish({ poolId: this.channel.poolId, requestId, error })
    this.#fail(new ClientAbortedError(requestId), 'aborted')
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#lastActivityMs = this.#settings.now()
    if (this.#responseStarted) {
      // A chunk that runs past the framing is not relayed at all: the client sees a broken response, never the
      // bytes a lying peer appended (they could be a whole second response on a keep-alive connection).
      if (this.#failIfFramingBroken(this.#responseBodyBytes + chunk.length, false)) return
      this.#responseBodyBytes += chunk.length
      this.handler.onResponseData(chunk)
      return
    }
    let parsed: { head: ResponseHead; rest: Buffer } | undefined
    try {
      parsed = this.#parser.push(chunk)
    } catch (error) {
      const { lambdaId, channelId } = this.channel
      this.#fail(new BadUpstreamHeadError(lambdaId, channelId, { cause: error }), 'bad_upstream_head')
      return
    }
    if (parsed === undefined) return
    const { lambdaId, channelId } = this.channel
    const decision = decideResponseFraming(this.request.method, parsed.head.status, parsed.head.headers)
    if ('problem' in decision) {
      this.#fail(new BadUpstreamFramingError(lambdaId, channelId, decision.problem, 0), 'bad_upstream_framing')
      return
    }
    this.#framing = decision.framing
    // Bytes that came with the head and already break the framing: refused before anything reaches the client.
    if (this.#failIfFramingBroken(parsed.rest.length, false)) return
    this.#responseStarted = true
    this.#status = parsed.head.status
    this.#schedule(this.#lastActivityMs)
    const headers = filterClientResponseHeaders(decision.headers, {
      exposeInternal: this.#settings.exposeInternalHeaders,
    })
    this.handler.onResponseStart(parsed.head.status, headers, this)
    if (!this.#done && parsed.rest.length > 0) {
      this.#responseBodyBytes += parsed.rest.length
      this.handler.onResponseData(parsed.rest)
    }
  }

  // Fails the exchange when `bodyBytes` received (and END_STREAM, when `ended`) break the head's framing.
  #failIfFramingBroken(bodyBytes: number, ended: boolean): boolean {
    const why = this.#framing === undefined ? undefined : framingBreach(this.#framing, bodyBytes, ended)
    if (why === undefined) return false
    const { lambdaId, channelId } = this.channel
    this.#fail(new BadUpstreamFramingError(lambdaId, channelId, why, bodyBytes), 'bad_upstream_framing')
    return true
  }

  // END_STREAM from the extension: the response is complete, or it never started. (A bare RST_STREAM closes the
  // stream without 'end'; END_STREAM is the only end-of-body signal, original-protocol.md §4.2.)
  readonly #onEnd = (): void => {
    if (this.#done) return
    // Node also ends the readable side when the stream is closed under us: a reset, or a session that died with the
    // extension's process (rstCode CANCEL). Only an 'end' with no error code is the extension's END_STREAM; the rest
    // must not complete a response that was cut off.
    const rstCode = this.channel.stream.rstCode
    // A session destroyed under the stream (the keep-alive's unanswered PING, a close out of grace) ends it with no
    // code at all; only then is the stream already destroyed, which a real END_STREAM never leaves it.
    if ((rstCode !== undefined && rstCode !== http2.NGHTTP2_NO_ERROR) || this.channel.stream.destroyed) {
      this.#onClose()
      return
    }
    if (!this.#responseStarted) {
      let cause: unknown
      try {
        this.#parser.end()
      } catch (error) {
        cause = error
      }
      const { lambdaId, channelId } = this.channel
      this.#fail(new UpstreamClosedError(lambdaId, channelId, false, { cause }), 'upstream_closed')
      return
    }
    if (this.#failIfFramingBroken(this.#responseBodyBytes, true)) return
    if (!this.#requestEnded) {
      // The app answered before reading the whole request body: stop relaying it and end our side gracefully (a
      // reset would end the original extension's whole invoke).
      this.#detachBody()
      this.#body?.resume()
      this.#requestEnded = true
      this.#upload = undefined
      if (!this.channel.stream.destroyed) this.channel.writer.end()
    }
    this.#finish()
  }

  // The stream closed before END_STREAM from the extension: reset by the peer, or the session died.
  readonly #onClose = (): void => {
    if (this.#done) return
    const { lambdaId, channelId, stream } = this.channel
    const rstCode = stream.rstCode ?? http2.NGHTTP2_NO_ERROR
    const retry = this.#retryRefused
    if (retry !== undefined && rstCode === http2.NGHTTP2_REFUSED_STREAM && this.#isUnprocessed()) {
      // RFC 9113 §8.7: REFUSED_STREAM means nothing of the request was processed. Our extension answers so for a
      // request that reached a leaving instance before the app saw any of it; the dispatcher sends it elsewhere.
      this.#cleanup()
      this.#body?.pause()
      this.channel.release()
      retry(this)
      return
    }
    // Every byte the head promised arrived (or it promised none): the client holds the whole response, and on a
    // keep-alive connection may have sent its next request already. A late reset or close changes nothing for it.
    if (this.isResponseComplete()) {
      this.#finish()
      return
    }
    const cause = rstCode === http2.NGHTTP2_NO_ERROR ? undefined : new Error(`stream reset with code ${rstCode}`)
    this.#fail(new UpstreamClosedError(lambdaId, channelId, this.#responseStarted, { cause }), 'upstream_closed')
  }

  // Nothing of the response arrived and no byte of the client's body was taken: the request can be sent again as is.
  #isUnprocessed(): boolean {
    return !this.#responseStarted && this.#responseBodyBytes === 0 && this.#requestBodyBytes === 0
  }

  #detachBody(): void {
    const body = this.#body
    if (body === null) return
    body.off('data', this.#onBodyData)
    body.off('end', this.#onBodyEnd)
    body.off('error', this.#onBodyError)
    this.channel.stream.off('drain', this.#onDrain)
  }

  #cleanup(): void {
    this.#done = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerDueMs = Number.POSITIVE_INFINITY
    this.channel.stream.off('data', this.#onData).off('end', this.#onEnd).off('close', this.#onClose)
    this.request.signal.removeEventListener('abort', this)
    this.#detachBody()
    this.#cork?.flush()
    const bytes = { requestBodyBytes: this.#requestBodyBytes, responseBodyBytes: this.#responseBodyBytes }
    this.#settings.events.exchangeBytes.publish({ poolId: this.channel.poolId, ...bytes })
  }

  #finish(): void {
    this.#cleanup()
    // A stream closed under an upload still running: the rest of the client's body is read and dropped.
    if (this.#body !== null && !this.#requestEnded) this.#body.resume()
    this.channel.release()
    const durationMs = this.#settings.now() - this.request.receivedAtMs
    this.#ended({ kind: 'completed', status: this.#status, durationMs })
    this.handler.onResponseEnd()
    this.#onDone(this)
  }

  // Every failure: reset the stream (the peer learns at once, the app request is aborted), release the channel,
  // report once.
  #fail(error: RouterError, kind: FailureKind): void {
    if (this.#done) return
    this.#cleanup()
    const stream = this.channel.stream
    resetStream(stream, 'cancel', `exchange failed: ${kind}`)
    if (this.#body !== null && !this.#requestEnded) this.#body.resume()
    this.channel.release()
    this.#ended(failureEnd(kind, error))
    this.handler.onResponseError(error)
    this.#onDone(this)
  }

  #ended(end: RequestEnd): void {
    this.#settings.events.requestEnded.publish({
      poolId: this.channel.poolId,
      requestId: this.request.requestId,
      ...end,
    })
  }
}
