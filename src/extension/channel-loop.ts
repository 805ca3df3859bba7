// One channel: POST → await the router's response HEADERS → 200 tunnel | 409 go away | other stop → re-POST with the
// same channel id (original-protocol.md §4.1). Nothing is written to a stream before its HEADERS arrive. Touches only
// its own streams; everything shared goes through the ChannelHost, and everything that happens is one ChannelEvent.
import type { ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2'
import {
  createRequestHeadParser,
  HEADER_CAPABILITIES,
  type HeadParser,
  HeadTooLargeError,
  isGoaway,
  isWebSocketHandshake,
  listsWebSocket,
  type RequestHead,
  TooManyHeadersError,
} from '../protocol/index.js'
import type { ChannelEvent, ChannelOptions, ChannelState, RequestEnd } from './channel-host.js'
import type { RelayControl } from './relay.js'
import { readTunnelledRequest } from './relay.js'
import { type RouterSession, refuseStream, resetStream } from './router-session.js'
import { TunnelRequestBody } from './tunnel-body.js'
import { TunnelResponseWriter, tunnelResponseHead } from './tunnel-response.js'
import { decideUnansweredClose } from './unanswered-close.js'

export type { ChannelEvent, ChannelOptions, ChannelState, RequestEnd } from './channel-host.js'

/** What a channel needs from its invoke. */
export interface ChannelHost {
  /** True once the invoke winds down: a channel finishes its exchange and does not POST again. */
  readonly isStopping: boolean
  /** The session new streams go to now, if one is usable; otherwise the channel calls acquireSession(). */
  liveSession(): RouterSession | undefined
  /** The live session, connecting (with bounded retries) when needed; rejects when the router is unreachable. */
  acquireSession(): Promise<RouterSession>
  /** The HTTP/2 request headers of a channel POST (original-protocol.md §3.5). */
  channelHeaders(channelId: string): Readonly<Record<string, string>>
  /** Every event of every channel arrives here, synchronously, as it happens. Must not throw. */
  onChannelEvent(channel: ChannelLoop, event: ChannelEvent): void
}

type Step = 'again' | 'stop'

// A handed-off stream's errors are its new owner's to report; this keeps them from being unhandled meanwhile.
function ignoreError(): void {}

export class ChannelLoop {
  readonly id: string
  readonly #options: ChannelOptions
  readonly #host: ChannelHost
  #state: ChannelState = 'idle'
  #stream: ClientHttp2Stream | undefined
  #relay: RelayControl | undefined
  #writer: TunnelResponseWriter | undefined
  #head: RequestHead | undefined
  #requestOpen = false
  #resetsInARow = 0
  #stopped: (() => void) | undefined
  // The current POST: its session, what follows its close, and what its stream told so far. The stream handlers
  // below are made once per channel, not per POST; only the current stream has them.
  #session: RouterSession | undefined
  #step: Step = 'again'
  #responded = false
  #streamError: Error | undefined
  // Fires headersTimeoutMs after the latest POST opened: made once, moved by refresh() at each POST, never cleared
  // on an answer (it then finds nothing waiting), so a POST arms no timer of its own.
  #silence: NodeJS.Timeout | undefined
  // While parked: the request head read so far, and whether the router takes WebSockets on this stream.
  #parser: HeadParser<RequestHead> | undefined
  #webSockets = false
  // Set while a head without framing headers waits for the next event on its stream (see #onRequestHead).
  #awaitingFirst: ((first: Buffer | undefined) => void) | undefined

  constructor(id: string, options: ChannelOptions, host: ChannelHost) {
    this.id = id
    this.#options = options
    this.#host = host
  }

  get state(): ChannelState {
    return this.#state
  }

  /** True from the request head until its response is complete (or failed): counts as "in flight". */
  get hasRequestInFlight(): boolean {
    return this.#requestOpen
  }

  /**
   * Runs POST after POST until the invoke stops, the router refuses the channel, or it is unreachable. Each POST
   * follows the previous stream's close after a microtask, on the live session when there is one.
   */
  run(): Promise<void> {
    return new Promise((resolve) => {
      this.#stopped = resolve
      this.#next()
    })
  }

  /**
   * Resets the current stream at once (drain timeout, hard stop, fatal error), so the router never waits on it. A
   * stream that has not handed a request to the app (opening, or parked: at most part of a head arrived) is refused
   * with REFUSED_STREAM, which tells the router the request it may just have written can go to another instance.
   */
  reset(why: string): void {
    const stream = this.#stream
    if (stream === undefined) return
    if (this.#state === 'opening' || this.#state === 'parked') refuseStream(stream)
    else resetStream(stream, why)
  }

  /** Refuses the stream if it waits for a request (parked or opening); a busy one finishes. True when it did. */
  refuseIfWaiting(): boolean {
    if (this.#state !== 'opening' && this.#state !== 'parked') return false
    this.reset('the instance takes no more requests')
    return true
  }

  readonly #next = (): void => {
    const host = this.#host
    if (host.isStopping) {
      this.#stop()
      return
    }
    const live = host.liveSession()
    if (live !== undefined) {
      this.#openOn(live)
      return
    }
    host.acquireSession().then(
      (session) => {
        if (host.isStopping) this.#stop()
        else this.#openOn(session)
      },
      (error: Error) => {
        this.#emit({ kind: 'unreachable', error })
        this.#stop()
      },
    )
  }

  #continue(step: Step): void {
    if (step === 'stop') this.#stop()
    else queueMicrotask(this.#next)
  }

  #stop(): void {
    clearTimeout(this.#silence)
    this.#silence = undefined
    this.#state = 'stopped'
    this.#stopped?.()
  }

  #openOn(session: RouterSession): void {
    let stream: ClientHttp2Stream
    try {
      stream = session.request(this.#host.channelHeaders(this.id), false)
    } catch (error) {
      // The session went away between acquire and request (GOAWAY, close); the next acquire replaces it.
      session.retire('error', (error as Error).message)
      this.#continue('again')
      return
    }
    this.#stream = stream
    this.#state = 'opening'
    this.#session = session
    this.#step = 'again'
    this.#responded = false
    this.#streamError = undefined
    stream.on('error', this.#onStreamError)
    this.#watchForResponse()
    // on, not once: each fires once per stream, and once() adds a wrapper and a removal to every POST.
    stream.on('response', this.#onResponse)
    stream.on('close', this.#onStreamClose)
  }

  // A WebSocket upgrade: the stream is the invoke's now; this channel no longer listens to it and POSTs again.
  #handOff(stream: ClientHttp2Stream): void {
    stream.off('close', this.#onStreamClose)
    stream.off('error', this.#onStreamError)
    stream.on('error', ignoreError)
    this.#stream = undefined
    this.#state = 'idle'
    this.#continue('again')
  }

  readonly #onStreamError = (error: Error): void => {
    this.#streamError = error
  }

  #watchForResponse(): void {
    if (this.#silence === undefined) this.#silence = setTimeout(this.#onSilence, this.#options.headersTimeoutMs)
    else this.#silence.refresh()
  }

  // The router answers a POST at once, so silence means the session may be dead: check it with a PING, and while it
  // answers, keep reporting each headersTimeoutMs the same POST goes unanswered.
  readonly #onSilence = (): void => {
    if (this.#state !== 'opening') return
    const stream = this.#stream
    const session = this.#session as RouterSession
    this.#emit({ kind: 'silent', sessionId: session.id, waitedMs: this.#options.headersTimeoutMs })
    void session.checkAlive().then((alive) => {
      if (alive && this.#stream === stream && this.#state === 'opening') this.#watchForResponse()
    })
  }

  readonly #onResponse = (headers: IncomingHttpHeaders): void => {
    const stream = this.#stream as ClientHttp2Stream
    this.#responded = true
    this.#resetsInARow = 0
    const status = Number(headers[':status'])
    if (status === 200) {
      this.#onOpened(stream, listsWebSocket(headers[HEADER_CAPABILITIES]))
      return
    }
    // 409 or another status: end our (empty) side and let the router's body drain, then stop.
    this.#step = 'stop'
    stream.end()
    stream.resume()
    if (status === 409) this.#emit({ kind: 'goaway', via: 'status-409' })
    else this.#emit({ kind: 'router-status', status })
  }

  readonly #onStreamClose = (): void => {
    const stream = this.#stream as ClientHttp2Stream
    this.#stream = undefined
    if (this.#requestOpen) this.#onResetMidRequest()
    let step = this.#step
    if (!this.#responded) {
      step = this.#onUnansweredClose(this.#session as RouterSession, stream.rstCode ?? 0, this.#streamError)
    }
    this.#state = 'idle'
    this.#continue(step)
  }

  #onUnansweredClose(session: RouterSession, rstCode: number, streamError: Error | undefined): Step {
    this.#resetsInARow++
    const action = decideUnansweredClose({ rstCode, sessionUsable: session.isUsable, resetsInARow: this.#resetsInARow })
    switch (action) {
      case 'reopen':
        this.#emit({ kind: 'reset-before-headers', sessionId: session.id, rstCode })
        return 'again'
      case 'stop':
        this.#emit({ kind: 'refused' })
        return 'stop'
      case 'replace-session':
        this.#resetsInARow = 0
        this.#emit({ kind: 'stream-without-response', session, rstCode, error: streamError })
        return 'again'
      default: {
        const unknown: never = action
        throw new Error(`unknown action ${String(unknown)}`)
      }
    }
  }

  // `webSockets`: the router listed the capability in its answer (the original router never does).
  #onOpened(stream: ClientHttp2Stream, webSockets: boolean): void {
    this.#state = 'parked'
    this.#emit({ kind: 'opened' })
    this.#parser = createRequestHeadParser(this.#options.headLimits)
    this.#webSockets = webSockets
    this.#awaitingFirst = undefined
    stream.on('data', this.#onParkedData)
    stream.on('end', this.#onParkedEnd)
  }

  readonly #onParkedData = (chunk: Buffer): void => {
    const stream = this.#stream as ClientHttp2Stream
    const awaitingFirst = this.#awaitingFirst
    if (awaitingFirst !== undefined) {
      this.#detachParked(stream)
      stream.pause()
      awaitingFirst(chunk)
      return
    }
    let parsed: ReturnType<HeadParser<RequestHead>['push']>
    try {
      parsed = (this.#parser as HeadParser<RequestHead>).push(chunk)
    } catch (error) {
      this.#detachParked(stream)
      this.#refuseHead(stream, error as Error)
      return
    }
    if (parsed === undefined) return
    // The parked listeners stay on until #onRequestHead knows whether it awaits the next event (a GET does).
    stream.pause()
    this.#onRequestHead(stream, parsed.head, parsed.rest, this.#webSockets)
  }

  // END_STREAM: a head without framing headers has no body; with no request, end our side (the next POST follows).
  readonly #onParkedEnd = (): void => {
    const stream = this.#stream as ClientHttp2Stream
    const awaitingFirst = this.#awaitingFirst
    this.#detachParked(stream)
    if (awaitingFirst !== undefined) awaitingFirst(undefined)
    else stream.end()
  }

  #detachParked(stream: ClientHttp2Stream): void {
    stream.off('data', this.#onParkedData)
    stream.off('end', this.#onParkedEnd)
    this.#parser = undefined
    this.#awaitingFirst = undefined
  }

  /** A head the protocol parser refused gets a 431/400 answer instead of silence (the original sent nothing). */
  #refuseHead(stream: ClientHttp2Stream, error: Error): void {
    this.#emit({ kind: 'bad-head', error })
    const status = error instanceof HeadTooLargeError || error instanceof TooManyHeadersError ? 431 : 400
    const body = Buffer.from(`lambda-dispatch extension: ${error.message}\n`)
    const headers = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)]
    const head = tunnelResponseHead(status, headers, this.#options.lambdaId, this.id)
    stream.write(head)
    stream.end(body)
    stream.resume()
  }

  #onRequestHead(stream: ClientHttp2Stream, head: RequestHead, rest: Buffer, webSockets: boolean): void {
    const options = this.#options
    if (isGoaway(head)) {
      this.#detachParked(stream)
      // original-protocol.md §4.1: answer a goaway with an empty body and END_STREAM.
      stream.end()
      stream.resume()
      this.#emit({ kind: 'goaway', via: 'goaway-request' })
      return
    }
    // Against the original router, which forwards Upgrade verbatim, a handshake stays an ordinary request.
    if (webSockets && isWebSocketHandshake(head.method, head.headers)) {
      this.#detachParked(stream)
      this.#handOff(stream)
      this.#emit({ kind: 'upgrade', stream, head, rest })
      return
    }
    this.#state = 'busy'
    this.#requestOpen = true
    this.#emit({ kind: 'request-start' })
    this.#head = head
    const request = readTunnelledRequest(
      head.headers,
      options.forwardInternalHeaders
        ? { poolId: options.poolId, lambdaId: options.lambdaId, channelId: this.id }
        : undefined,
    )
    const writer = new TunnelResponseWriter(stream, {
      lambdaId: options.lambdaId,
      channelId: this.id,
      method: head.method,
      acceptEncoding: request.acceptEncoding,
      compression: options.compression,
      onDone: (outcome) => {
        body?.discard()
        this.#endRequest(outcome)
      },
    })
    this.#writer = writer
    let body: TunnelRequestBody | undefined
    const start = (first: Buffer | undefined): void => {
      if (stream.destroyed) return
      if (first !== undefined) body = new TunnelRequestBody(stream, first)
      const { headers } = request
      this.#relay = options.app.relay({ method: head.method, target: head.target, headers, body: body ?? null }, writer)
    }
    const length = request.contentLength
    if (rest.length > 0 || request.transferEncoding !== undefined || (length ?? '0') !== '0') {
      this.#detachParked(stream)
      start(rest)
    } else if (length === '0') {
      this.#detachParked(stream)
      stream.resume()
      start(undefined)
    } else {
      // No framing header means no body in HTTP/1.1, but the original router tunnels an HTTP/2 client's body without
      // one: the next event tells which, taken by the parked listeners (every GET's path: no listener is added).
      this.#awaitingFirst = start
      stream.resume()
    }
  }

  // The stream closed before the response was complete: the router reset it, or we did. Cancel the app request.
  #onResetMidRequest(): void {
    this.#writer?.destroy()
    this.#relay?.abort()
    this.#endRequest({ kind: 'reset' })
  }

  #endRequest(end: RequestEnd): void {
    const head = this.#head
    if (!this.#requestOpen || head === undefined) return
    this.#requestOpen = false
    this.#relay = undefined
    this.#writer = undefined
    this.#head = undefined
    this.#emit({ kind: 'request-end', end, head })
  }

  #emit(event: ChannelEvent): void {
    this.#host.onChannelEvent(this, event)
  }
}
