// One channel: POST → await the router's response HEADERS → 200 tunnel | 409 go away | other stop → re-POST with the
// same channel id (original-protocol.md §4.1). Nothing is written to a stream before its HEADERS arrive. Touches only
// its own streams; everything shared goes through the ChannelHost, and everything that happens is one ChannelEvent.
import type { ClientHttp2Stream } from 'node:http2'
import { constants } from 'node:http2'
import {
  createRequestHeadParser,
  HEADER_CAPABILITIES,
  type HeadLimits,
  HeadTooLargeError,
  isGoaway,
  isWebSocketHandshake,
  listsWebSocket,
  type RequestHead,
  serializeResponseHead,
  TooManyHeadersError,
  TUNNEL_HEADER_CHANNEL_ID,
  TUNNEL_HEADER_LAMBDA_ID,
} from '../protocol/index.js'
import type { AppClient, RelayControl } from './relay.js'
import { readTunnelledRequest } from './relay.js'
import { type RouterSession, refuseStream, resetStream } from './router-session.js'
import { TunnelRequestBody } from './tunnel-body.js'
import { type ResponseOutcome, TunnelResponseWriter } from './tunnel-response.js'

export type ChannelState = 'idle' | 'opening' | 'parked' | 'busy' | 'stopped'

/** How one channel stream ended, from the invoke's point of view. */
export type RequestEnd = ResponseOutcome | { readonly kind: 'reset' }

/** What every channel of an invoke shares, fixed for the invoke. */
export interface ChannelOptions {
  readonly poolId: string
  readonly lambdaId: string
  readonly compression: boolean
  /** Send X-Pool-Id, X-Lambda-Id and X-Channel-Id to the app (LAMBDA_DISPATCH_FORWARD_INTERNAL_HEADERS). */
  readonly forwardInternalHeaders: boolean
  readonly headLimits: HeadLimits
  readonly headersTimeoutMs: number
  readonly app: AppClient
}

/**
 * Everything a channel reports to its invoke, in the order it happens. `opened` comes before any request of that
 * stream; each `request-start` is followed by exactly one `request-end` (`head` is the request that ended).
 */
export type ChannelEvent =
  | { readonly kind: 'opened' }
  | { readonly kind: 'request-start' }
  | { readonly kind: 'request-end'; readonly end: RequestEnd; readonly head: RequestHead }
  | { readonly kind: 'goaway'; readonly via: 'status-409' | 'goaway-request' }
  /** The router answered the POST with a status other than 200 or 409; the channel stops. */
  | { readonly kind: 'router-status'; readonly status: number }
  /** The stream closed without response HEADERS in a way that condemns its session (decideUnansweredClose). */
  | {
      readonly kind: 'stream-without-response'
      readonly session: RouterSession
      readonly rstCode: number
      readonly error: Error | undefined
    }
  /** No session could be had; the channel stops. */
  | { readonly kind: 'unreachable'; readonly error: Error }
  /** The POST has waited `waitedMs` for response HEADERS; its session is being checked with a PING. */
  | { readonly kind: 'silent'; readonly sessionId: number; readonly waitedMs: number }
  /** The router reset the POST before HEADERS on a healthy session; the channel POSTs again there. */
  | { readonly kind: 'reset-before-headers'; readonly sessionId: number; readonly rstCode: number }
  /** REFUSED_STREAM on a healthy session: more channels than the router's stream limit; the channel stops. */
  | { readonly kind: 'refused' }
  /** The tunnelled request head was refused (answered 431 or 400). */
  | { readonly kind: 'bad-head'; readonly error: Error }
  /** A WebSocket upgrade: the stream is the invoke's now, and this channel already POSTs again (issue 18). */
  | { readonly kind: 'upgrade'; readonly stream: ClientHttp2Stream; readonly head: RequestHead; readonly rest: Buffer }

/** What a channel needs from its invoke. */
export interface ChannelHost {
  /** True once the invoke winds down: a channel finishes its exchange and does not POST again. */
  readonly isStopping: boolean
  /** The live session, connecting (with bounded retries) when needed; rejects when the router is unreachable. */
  acquireSession(): Promise<RouterSession>
  /** The HTTP/2 request headers of a channel POST (original-protocol.md §3.5). */
  channelHeaders(channelId: string): Record<string, string>
  /** Every event of every channel arrives here, synchronously, as it happens. Must not throw. */
  onChannelEvent(channel: ChannelLoop, event: ChannelEvent): void
}

type Step = 'again' | 'stop'

/**
 * A router that resets the same channel's POST this many times in a row before HEADERS gets its session replaced:
 * the reset no longer looks like one stream's trouble, and replacing the session puts the reconnect backoff and the
 * session-loss limit between us and a POST/RST loop.
 */
export const MAX_RESETS_BEFORE_HEADERS_IN_A_ROW = 3

/** What a channel does when its stream closed before the router's response HEADERS. */
export type UnansweredCloseAction = 'reopen' | 'stop' | 'replace-session'

/**
 * Pure. `rstCode` is the stream's RST_STREAM code, `sessionUsable` whether its session still takes new streams, and
 * `resetsInARow` how many POSTs of this channel in a row (this one included) closed this way.
 */
export function decideUnansweredClose(close: {
  readonly rstCode: number
  readonly sessionUsable: boolean
  readonly resetsInARow: number
}): UnansweredCloseAction {
  // The session is gone or going (GOAWAY, error, a protocol error found by the PING check): move to a new one.
  if (!close.sessionUsable) return 'replace-session'
  // The router has fewer streams than we have channels; this channel is one too many.
  if (close.rstCode === constants.NGHTTP2_REFUSED_STREAM) return 'stop'
  // No reset code and no HEADERS is not something a working peer does to one stream.
  if (close.rstCode === constants.NGHTTP2_NO_ERROR) return 'replace-session'
  // The router reset this one stream (CANCEL, INTERNAL_ERROR…) on a healthy session: POST the channel again there.
  return close.resetsInARow < MAX_RESETS_BEFORE_HEADERS_IN_A_ROW ? 'reopen' : 'replace-session'
}

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
  #handOff: (() => void) | undefined

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

  /** Runs POST after POST until the invoke stops, the router refuses the channel, or it is unreachable. */
  async run(): Promise<void> {
    while (!this.#host.isStopping) {
      let session: RouterSession
      try {
        session = await this.#host.acquireSession()
      } catch (error) {
        this.#emit({ kind: 'unreachable', error: error as Error })
        break
      }
      if (this.#host.isStopping) break
      if ((await this.#openOnce(session)) === 'stop') break
    }
    this.#state = 'stopped'
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

  #openOnce(session: RouterSession): Promise<Step> {
    const host = this.#host
    return new Promise((resolve) => {
      let stream: ClientHttp2Stream
      try {
        stream = session.request(host.channelHeaders(this.id), false)
      } catch (error) {
        // The session went away between acquire and request (GOAWAY, close); the next acquire replaces it.
        session.retire('error', (error as Error).message)
        resolve('again')
        return
      }
      this.#stream = stream
      this.#state = 'opening'
      let step: Step = 'again'
      let responded = false
      let handedOff = false
      this.#handOff = () => {
        handedOff = true
        this.#stream = undefined
        this.#state = 'idle'
        resolve('again')
      }
      let streamError: Error | undefined
      stream.on('error', (error) => {
        streamError = error
      })
      session.watchForResponse(stream, () =>
        this.#emit({ kind: 'silent', sessionId: session.id, waitedMs: this.#options.headersTimeoutMs }),
      )
      stream.once('response', (headers) => {
        responded = true
        this.#resetsInARow = 0
        const status = Number(headers[':status'])
        if (status === 200) {
          this.#onOpened(stream, listsWebSocket(headers[HEADER_CAPABILITIES]))
          return
        }
        // 409 or another status: end our (empty) side and let the router's body drain, then stop.
        step = 'stop'
        stream.end()
        stream.resume()
        if (status === 409) this.#emit({ kind: 'goaway', via: 'status-409' })
        else this.#emit({ kind: 'router-status', status })
      })
      stream.once('close', () => {
        if (handedOff) return
        this.#stream = undefined
        if (this.#requestOpen) this.#onResetMidRequest()
        if (!responded) step = this.#onUnansweredClose(session, stream.rstCode ?? 0, streamError)
        this.#state = 'idle'
        resolve(step)
      })
    })
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
    const parser = createRequestHeadParser(this.#options.headLimits)
    const onData = (chunk: Buffer): void => {
      let parsed: ReturnType<typeof parser.push>
      try {
        parsed = parser.push(chunk)
      } catch (error) {
        detach()
        this.#refuseHead(stream, error as Error)
        return
      }
      if (parsed === undefined) return
      detach()
      stream.pause()
      this.#onRequestHead(stream, parsed.head, parsed.rest, webSockets)
    }
    // The router ended the channel without a request: end our side too; the loop opens the next POST.
    const onEnd = (): void => {
      detach()
      stream.end()
    }
    const detach = (): void => {
      stream.off('data', onData)
      stream.off('end', onEnd)
    }
    stream.on('data', onData)
    stream.once('end', onEnd)
  }

  /** A head the protocol parser refused gets a 431/400 answer instead of silence (the original sent nothing). */
  #refuseHead(stream: ClientHttp2Stream, error: Error): void {
    this.#emit({ kind: 'bad-head', error })
    const status = error instanceof HeadTooLargeError || error instanceof TooManyHeadersError ? 431 : 400
    const body = Buffer.from(`lambda-dispatch extension: ${error.message}\n`)
    const head = serializeResponseHead({
      status,
      headers: [
        TUNNEL_HEADER_LAMBDA_ID,
        this.#options.lambdaId,
        TUNNEL_HEADER_CHANNEL_ID,
        this.id,
        'content-type',
        'text/plain; charset=utf-8',
        'content-length',
        String(body.length),
      ],
    })
    stream.write(head)
    stream.end(body)
    stream.resume()
  }

  #onRequestHead(stream: ClientHttp2Stream, head: RequestHead, rest: Buffer, webSockets: boolean): void {
    const options = this.#options
    if (isGoaway(head)) {
      // original-protocol.md §4.1: answer a goaway with an empty body and END_STREAM.
      stream.end()
      stream.resume()
      this.#emit({ kind: 'goaway', via: 'goaway-request' })
      return
    }
    // Against the original router, which forwards Upgrade verbatim, a handshake stays an ordinary request.
    if (webSockets && isWebSocketHandshake(head.method, head.headers)) {
      this.#handOff?.()
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
      start(rest)
    } else if (length === '0') {
      stream.resume()
      start(undefined)
    } else {
      // No framing header means no body in HTTP/1.1, but the original router tunnels an HTTP/2 client's body
      // without one; the next event tells which (END_STREAM usually arrives with the head).
      const onFirst = (chunk: Buffer): void => {
        stream.off('end', onEnd)
        stream.pause()
        start(chunk)
      }
      const onEnd = (): void => {
        stream.off('data', onFirst)
        start(undefined)
      }
      stream.once('data', onFirst)
      stream.once('end', onEnd)
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
