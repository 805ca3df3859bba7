// One WebSocket riding one channel (issue 18): the handshake head goes into the channel, the app's answer comes back;
// a 101 turns the stream into a byte pipe both ways (frames untouched, back-pressure both ways) until either side
// ends; any other status is relayed as an ordinary response. When the instance must leave or the socket sits idle, a
// close frame (1001) is slipped in at a frame boundary before the stream ends; the client then has
// WebSocketCloseTimeout to close its side. Owns the stream's and the client duplex's listeners while it runs, one timer
// (the head timeout, then the idle timeout) and, at the end, the wait for the client's close.
import { constants as http2 } from 'node:http2'
import type { Duplex } from 'node:stream'
import {
  CLOSE_GOING_AWAY,
  createResponseHeadParser,
  filterClientResponseHeaders,
  type HeadParser,
  type ResponseHead,
  serializeCloseFrame,
  serializeRequestHead,
  WEBSOCKET_UPGRADE_HEADERS,
  WebSocketFrameCursor,
} from '../../protocol/index.js'
import {
  BadUpstreamHeadError,
  ClientAbortedError,
  HeadTimeoutError,
  type RouterError,
  TunnelOrderingError,
  UpstreamClosedError,
} from '../errors.js'
import type { WebSocketCloseReason } from '../events.js'
import { resetStream } from '../http2-reset.js'
import { ClientCloseWait } from './client-close-wait.js'
import type { DispatchRequest } from './exchange.js'
import { type ExchangeSettings, TUNNEL_WRITE_BUFFER_BYTES } from './exchange-channel.js'
import type { RefusalSink, WebSocketChannel, WebSocketClient } from './websocket-client.js'
import { WebSocketTally } from './websocket-tally.js'

type Phase = 'handshake' | 'open' | 'refused' | 'done'

const CLOSE_REASON_TEXT: Readonly<Record<'going-away' | 'idle', string>> = {
  'going-away': 'instance leaving',
  idle: 'idle timeout',
}

export class WebSocketExchange {
  readonly request: DispatchRequest
  readonly channel: WebSocketChannel
  readonly #client: WebSocketClient
  readonly #settings: ExchangeSettings
  readonly #onDone: (exchange: WebSocketExchange) => void
  readonly #parser: HeadParser<ResponseHead>
  readonly #cursor = new WebSocketFrameCursor()
  #phase: Phase = 'handshake'
  #duplex: Duplex | undefined
  #refusal: RefusalSink | undefined
  #timer: NodeJS.Timeout | undefined
  // Set while the socket is over but its client has yet to close its side (the exchange is not done before).
  #closeWait: ClientCloseWait | undefined
  #lastActivityMs = 0
  // A close frame (1001) waits for the next frame boundary from the app.
  #leaving: 'going-away' | 'idle' | undefined
  readonly #tally: WebSocketTally

  constructor(
    channel: WebSocketChannel,
    request: DispatchRequest,
    client: WebSocketClient,
    settings: ExchangeSettings,
    onDone: (exchange: WebSocketExchange) => void,
  ) {
    this.channel = channel
    this.request = request
    this.#client = client
    this.#settings = settings
    this.#onDone = onDone
    this.#parser = createResponseHeadParser(settings.headLimits)
    const { poolId, lambdaId } = channel
    const { events, now } = settings
    this.#tally = new WebSocketTally({ poolId, lambdaId, requestId: request.requestId, events, now })
  }

  /** Writes the handshake head (the stream stays open for frames) and waits for the app's answer. */
  start(): void {
    const { stream } = this.channel
    if (this.request.signal.aborted) {
      this.#fail(new ClientAbortedError(this.request.requestId))
      return
    }
    stream.on('data', this.#onStreamData)
    stream.on('end', this.#onStreamEnd)
    stream.on('close', this.#onStreamClose)
    stream.on('drain', this.#onStreamDrain)
    this.request.signal.addEventListener('abort', this)
    this.channel.whenLeaving(() => this.goAway('going-away'))
    const head = serializeRequestHead({
      method: 'GET',
      target: this.request.target,
      headers: [...WEBSOCKET_UPGRADE_HEADERS, ...this.request.headers],
    })
    try {
      this.channel.writer.write(head)
    } catch (error) {
      if (error instanceof TunnelOrderingError) this.#fail(error)
      else throw error
      return
    }
    const headTimeoutMs = this.#settings.responseHeadTimeoutMs
    if (headTimeoutMs > 0) this.#timer = setTimeout(this.#onHeadTimeout, headTimeoutMs)
  }

  /** The client went away before the answer (request.signal). */
  handleEvent(): void {
    this.#fail(new ClientAbortedError(this.request.requestId))
  }

  /**
   * Ends an open WebSocket with a close frame (1001) at the next frame boundary from the app, then ends the stream.
   * A handshake still waiting is closed the same way right after its 101. Idempotent.
   */
  goAway(why: 'going-away' | 'idle'): void {
    if (this.#phase === 'done' || this.#phase === 'refused' || this.#leaving !== undefined) return
    this.#leaving = why
    if (this.#phase === 'open' && this.#cursor.atBoundary) this.#closeWithFrame()
  }

  /** The router's close grace ran out: end it now, at a boundary if there is one; stop waiting for a client's close. */
  cancel(error: RouterError): void {
    if (this.#closeWait !== undefined) {
      this.#closeWait.cutOff()
      return
    }
    if (this.#phase === 'open' && this.#cursor.atBoundary) {
      this.#leaving = 'going-away'
      this.#closeWithFrame()
      return
    }
    this.#fail(error)
  }

  readonly #onStreamData = (chunk: Buffer): void => {
    switch (this.#phase) {
      case 'open':
        this.#toClient(chunk)
        return
      case 'refused':
        this.#lastActivityMs = this.#settings.now()
        if (!(this.#refusal as RefusalSink).write(chunk)) this.channel.stream.pause()
        return
      case 'handshake':
        this.#onHandshakeData(chunk)
        return
      case 'done':
        return
    }
  }

  #onHandshakeData(chunk: Buffer): void {
    let parsed: { head: ResponseHead; rest: Buffer } | undefined
    try {
      parsed = this.#parser.push(chunk)
    } catch (error) {
      const { lambdaId, channelId } = this.channel
      this.#fail(new BadUpstreamHeadError(lambdaId, channelId, { cause: error }))
      return
    }
    if (parsed === undefined) return
    this.#clearTimer()
    this.request.signal.removeEventListener('abort', this)
    const headers = filterClientResponseHeaders(parsed.head.headers, {
      exposeInternal: this.#settings.exposeInternalHeaders,
    })
    this.#lastActivityMs = this.#settings.now()
    if (parsed.head.status !== 101) {
      this.#phase = 'refused'
      this.#tally.handshake('refused')
      const refusal = this.#client.refuse(parsed.head.status, headers)
      this.#refusal = refusal
      refusal.on('drain', this.#onClientDrain)
      refusal.on('close', this.#onClientClose)
      if (parsed.rest.length > 0) this.#onStreamData(parsed.rest)
      this.#scheduleIdle()
      return
    }
    this.#phase = 'open'
    this.#tally.handshake('accepted')
    const duplex = this.#client.accept(headers)
    this.#duplex = duplex
    duplex.on('data', this.#onClientData)
    duplex.on('end', this.#onClientEnd)
    duplex.on('close', this.#onClientClose)
    duplex.on('drain', this.#onClientDrain)
    duplex.on('error', () => {})
    if (parsed.rest.length > 0) this.#toClient(parsed.rest)
    if (this.#phase === 'open' && this.#leaving !== undefined && this.#cursor.atBoundary) this.#closeWithFrame()
    else this.#scheduleIdle()
  }

  // App → client bytes; a pending close frame goes out at the first frame end.
  #toClient(chunk: Buffer): void {
    const duplex = this.#duplex as Duplex
    this.#lastActivityMs = this.#settings.now()
    const boundary = this.#cursor.push(chunk)
    if (this.#leaving !== undefined && boundary !== -1) {
      this.#tally.appToClientBytes += boundary
      duplex.write(chunk.subarray(0, boundary))
      this.#closeWithFrame()
      return
    }
    this.#tally.appToClientBytes += chunk.length
    if (!duplex.write(chunk)) this.channel.stream.pause()
  }

  // Client → app bytes, with the stream's buffer as the bound.
  readonly #onClientData = (chunk: Buffer): void => {
    if (this.#phase !== 'open') return
    this.#lastActivityMs = this.#settings.now()
    this.#tally.clientToAppBytes += chunk.length
    this.channel.writer.write(chunk)
    if (this.channel.stream.writableLength >= TUNNEL_WRITE_BUFFER_BYTES) this.#duplex?.pause()
  }

  readonly #onStreamDrain = (): void => {
    this.#duplex?.resume()
  }

  readonly #onClientDrain = (): void => {
    if (this.#phase === 'open' || this.#phase === 'refused') this.channel.stream.resume()
  }

  // The client ended its side (after its close frame): end ours to the app; the app's end completes the socket.
  readonly #onClientEnd = (): void => {
    if (this.#phase !== 'open') return
    if (!this.channel.stream.destroyed) this.channel.writer.end()
  }

  // The client connection is gone: whatever the app still sends has nowhere to go.
  readonly #onClientClose = (): void => {
    if (this.#phase === 'done') return
    this.#finish(this.#phase === 'refused' ? 'error' : 'client', 'cancel')
  }

  // END_STREAM from the extension, or the stream closed under us (a reset ends the readable side too).
  readonly #onStreamEnd = (): void => {
    const stream = this.channel.stream
    const rstCode = stream.rstCode
    if ((rstCode !== undefined && rstCode !== http2.NGHTTP2_NO_ERROR) || stream.destroyed) {
      this.#onStreamClose()
      return
    }
    switch (this.#phase) {
      case 'handshake': {
        const { lambdaId, channelId } = this.channel
        this.#fail(new UpstreamClosedError(lambdaId, channelId, false))
        return
      }
      case 'refused':
        this.#refusal?.end()
        this.#finish(undefined, 'end')
        return
      case 'open':
        // The app closed its socket: the client gets the end after every byte before it.
        this.#duplex?.end()
        this.#finish('app', 'end')
        return
      case 'done':
        return
    }
  }

  readonly #onStreamClose = (): void => {
    if (this.#phase === 'done') return
    if (this.#phase === 'handshake') {
      const { lambdaId, channelId } = this.channel
      this.#fail(new UpstreamClosedError(lambdaId, channelId, false))
      return
    }
    // Reset or session lost mid-socket (the instance is gone): between frames the client still gets 1001 and
    // reconnects elsewhere; inside a frame it can only be cut off.
    if (this.#phase === 'open' && this.#cursor.atBoundary) {
      this.#closeWithFrame(this.#leaving === undefined ? 'error' : undefined)
      return
    }
    this.#client.abort()
    this.#finish('error', 'none')
  }

  readonly #onHeadTimeout = (): void => {
    this.#timer = undefined
    const { lambdaId, channelId } = this.channel
    this.#fail(new HeadTimeoutError(lambdaId, channelId, this.#settings.responseHeadTimeoutMs))
  }

  #scheduleIdle(): void {
    const idleMs = this.#settings.webSocketIdleTimeoutMs ?? 0
    if (idleMs <= 0 || this.#phase === 'done') return
    const dueMs = this.#lastActivityMs + idleMs
    this.#timer = setTimeout(this.#onIdleTimer, Math.max(1, Math.ceil(dueMs - this.#settings.now())))
  }

  // Activity only moves a timestamp; the timer catches up when it fires.
  readonly #onIdleTimer = (): void => {
    this.#timer = undefined
    if (this.#phase === 'done') return
    const idleMs = this.#settings.webSocketIdleTimeoutMs ?? 0
    if (this.#settings.now() - this.#lastActivityMs < idleMs) {
      this.#scheduleIdle()
      return
    }
    if (this.#phase === 'refused') {
      this.#client.abort()
      this.#finish('error', 'cancel')
      return
    }
    this.goAway('idle')
  }

  // The close frame, then the client's side ends; the app's socket is closed by the stream reset.
  // `reason`: what the metrics count, when it is not why the frame is sent (an instance lost is an error).
  #closeWithFrame(reason?: WebSocketCloseReason): void {
    const why = this.#leaving ?? 'going-away'
    const duplex = this.#duplex as Duplex
    duplex.end(serializeCloseFrame(CLOSE_GOING_AWAY, CLOSE_REASON_TEXT[why]))
    // The client answers with its own close frame and its FIN; nothing of it goes anywhere now.
    duplex.off('data', this.#onClientData)
    this.#finish(reason ?? why, 'cancel')
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #cleanup(): void {
    this.#phase = 'done'
    this.#clearTimer()
    const { stream } = this.channel
    stream
      .off('data', this.#onStreamData)
      .off('end', this.#onStreamEnd)
      .off('close', this.#onStreamClose)
      .off('drain', this.#onStreamDrain)
    this.request.signal.removeEventListener('abort', this)
    const duplex = this.#duplex
    if (duplex !== undefined) {
      duplex.off('data', this.#onClientData).off('end', this.#onClientEnd).off('close', this.#onClientClose)
      duplex.off('drain', this.#onClientDrain)
    }
    this.#refusal?.off('drain', this.#onClientDrain)
    this.#refusal?.off('close', this.#onClientClose)
  }

  // The socket (or the refusal) is over. `stream`: how the channel stream ends on our side.
  #finish(reason: WebSocketCloseReason | undefined, stream: 'end' | 'cancel' | 'none'): void {
    if (this.#phase === 'done') return
    const wasOpen = this.#phase === 'open'
    this.#cleanup()
    const channelStream = this.channel.stream
    if (stream === 'cancel') resetStream(channelStream, 'cancel', `websocket ended: ${reason ?? 'refused'}`)
    else if (stream === 'end' && !channelStream.destroyed && !channelStream.writableEnded) this.channel.writer.end()
    this.channel.release()
    if (wasOpen && reason !== undefined) this.#tally.closed(reason)
    if (wasOpen && this.#awaitClientClose()) return
    this.#onDone(this)
  }

  // Our side of the client's connection was ended: the exchange lasts until the client ends its own, or is cut off.
  #awaitClientClose(): boolean {
    const duplex = this.#duplex
    if (duplex === undefined || duplex.destroyed || !duplex.writableEnded) return false
    const startedMs = this.#settings.now()
    this.#closeWait = new ClientCloseWait(duplex, {
      timeoutMs: this.#settings.webSocketCloseTimeoutMs,
      cutOff: () => this.#client.abort(),
      onSettled: (timedOut) => {
        this.#closeWait = undefined
        if (timedOut) this.#tally.closeTimedOut(this.#settings.now() - startedMs)
        this.#onDone(this)
      },
    })
    return true
  }

  #fail(error: RouterError): void {
    if (this.#phase === 'done') return
    const phase = this.#phase
    this.#cleanup()
    resetStream(this.channel.stream, 'cancel', `websocket failed: ${error.code}`)
    this.channel.release()
    if (phase === 'handshake') {
      this.#tally.handshake('failed')
      this.#client.fail(error)
    } else {
      this.#client.abort()
      if (phase === 'open') this.#tally.closed('error')
    }
    this.#onDone(this)
  }
}
