// One WebSocket handshake from the tunnel to the app (issue 18): an HTTP/1.1 upgrade request on its own connection
// (never the pooled keep-alive sockets), the app's `101` head back into the channel stream, then raw bytes both ways
// with back-pressure (pipe) until either side ends. A refused handshake (any other status) is framed like any
// response. Touches only its channel stream and its one app socket.

import { request as httpRequest, type IncomingMessage } from 'node:http'
import type { ClientHttp2Stream } from 'node:http2'
import type { Socket } from 'node:net'
import {
  filterHopByHopHeaders,
  type RawHeaders,
  type RequestHead,
  WEBSOCKET_UPGRADE_HEADERS,
} from '../protocol/index.js'
import { AppRequestError } from './errors.js'
import { type AppClient, appRequestHeaders } from './relay.js'
import { resetStream } from './router-session.js'
import { type ResponseOutcome, TunnelResponseWriter, tunnelResponseHead } from './tunnel-response.js'

export interface WebSocketRelayOptions {
  readonly port: number
  readonly lambdaId: string
  readonly channelId: string
  readonly target: string
  /** Headers for the app, already built by appRequestHeaders (no hop-by-hop names). */
  readonly headers: RawHeaders
  /** Bytes that followed the handshake head in the tunnel (a client's first frames). */
  readonly rest: Buffer
  /** Told once: `complete` with 101 when an accepted socket ended, the writer's outcome for a refusal, or `reset`. */
  readonly onEnd: (end: ResponseOutcome | { readonly kind: 'reset' }) => void
}

export class WebSocketRelay {
  readonly #stream: ClientHttp2Stream
  readonly #options: WebSocketRelayOptions
  #socket: Socket | undefined
  #ended = false
  #closed: Promise<void>

  constructor(stream: ClientHttp2Stream, options: WebSocketRelayOptions) {
    this.#stream = stream
    this.#options = options
    this.#closed = new Promise((resolve) => stream.once('close', resolve))
  }

  /** Resolves once the channel stream closed (the socket then is closed too). */
  get closed(): Promise<void> {
    return this.#closed
  }

  start(): void {
    const options = this.#options
    const stream = this.#stream
    const request = httpRequest({
      host: '127.0.0.1',
      port: options.port,
      method: 'GET',
      path: options.target,
      headers: [...WEBSOCKET_UPGRADE_HEADERS, ...options.headers],
      agent: false,
    })
    request.on('upgrade', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      this.#onUpgrade(response, socket, head)
    })
    request.on('response', (response: IncomingMessage) => this.#onRefused(request.method, response))
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (this.#socket !== undefined || this.#ended) return
      this.#refusalWriter().onResponseError(
        new AppRequestError('GET', options.target, 'before-response', error.code, { cause: error }),
      )
    })
    stream.once('close', () => {
      request.destroy()
      this.#socket?.destroy()
      this.#end(this.#socket === undefined ? { kind: 'reset' } : { kind: 'complete', status: 101 })
    })
    request.end()
  }

  /** The invoke is ending: cut the socket and the stream at once. */
  reset(why: string): void {
    this.#socket?.destroy()
    resetStream(this.#stream, why)
  }

  #onUpgrade(response: IncomingMessage, socket: Socket, head: Buffer): void {
    const stream = this.#stream
    const options = this.#options
    if (stream.destroyed) {
      socket.destroy()
      return
    }
    this.#socket = socket
    socket.setNoDelay(true)
    // The app's own head, hop-by-hop names and all: the router rebuilds the client's 101 from it.
    stream.write(tunnelResponseHead(101, response.rawHeaders, options.lambdaId, options.channelId))
    if (head.length > 0) stream.write(head)
    if (options.rest.length > 0) socket.write(options.rest)
    // pipe() carries back-pressure both ways and passes each side's end on: the app's FIN becomes END_STREAM and
    // the router's END_STREAM the app's FIN.
    socket.pipe(stream)
    stream.pipe(socket)
    socket.on('error', () => {})
    socket.once('close', () => {
      if (!stream.destroyed && !stream.writableEnded) resetStream(stream, 'the app closed the WebSocket connection')
    })
  }

  #onRefused(method: string, response: IncomingMessage): void {
    const writer = this.#refusalWriter()
    const headers = filterHopByHopHeaders(response.rawHeaders)
    // The router's side carries nothing more; reading it lets its END_STREAM close the stream.
    this.#stream.resume()
    writer.onResponseStart(response.statusCode ?? 502, headers, {
      pause: () => response.pause(),
      resume: () => response.resume(),
    })
    response.on('data', (chunk: Buffer) => writer.onResponseData(chunk))
    response.once('end', () => writer.onResponseEnd())
    response.once('error', (error: NodeJS.ErrnoException) =>
      writer.onResponseError(new AppRequestError(method, this.#options.target, 'mid-response', error.code)),
    )
  }

  #refusalWriter(): TunnelResponseWriter {
    const options = this.#options
    return new TunnelResponseWriter(this.#stream, {
      lambdaId: options.lambdaId,
      channelId: options.channelId,
      method: 'GET',
      acceptEncoding: undefined,
      compression: false,
      onDone: (outcome) => this.#end(outcome),
    })
  }

  #end(end: ResponseOutcome | { readonly kind: 'reset' }): void {
    if (this.#ended) return
    this.#ended = true
    this.#options.onEnd(end)
  }
}

/** What every WebSocket of an invoke shares. */
export interface WebSocketRelaysOptions {
  readonly app: AppClient
  readonly lambdaId: string
  readonly poolId: string
  readonly forwardInternalHeaders: boolean
  /** Told when a socket ends, as a request end (the 101, the refusal's status, or a reset). */
  readonly onEnd: (channelId: string, end: ResponseOutcome | { readonly kind: 'reset' }, head: RequestHead) => void
}

/**
 * The invoke's WebSockets: each rides a stream its channel handed over, so it holds no request slot; they count as
 * in flight (an instance with open WebSockets is not idle), and the invoke waits for them before it returns.
 */
export class WebSocketRelays {
  readonly #options: WebSocketRelaysOptions
  readonly #open = new Set<WebSocketRelay>()

  constructor(options: WebSocketRelaysOptions) {
    this.#options = options
  }

  get count(): number {
    return this.#open.size
  }

  start(channelId: string, stream: ClientHttp2Stream, head: RequestHead, rest: Buffer): void {
    const options = this.#options
    const ids = { poolId: options.poolId, lambdaId: options.lambdaId, channelId }
    const relay = new WebSocketRelay(stream, {
      port: options.app.port,
      lambdaId: options.lambdaId,
      channelId,
      target: head.target,
      headers: appRequestHeaders(head.headers, options.forwardInternalHeaders ? ids : undefined),
      rest,
      onEnd: (end) => {
        this.#open.delete(relay)
        options.onEnd(channelId, end, head)
      },
    })
    this.#open.add(relay)
    relay.start()
  }

  /** The invoke is ending now: every socket is cut. */
  resetAll(why: string): void {
    for (const relay of this.#open) relay.reset(why)
  }

  /** Resolves once every socket open now has closed (the router ends them with 1001 when the instance leaves). */
  async whenClosed(): Promise<void> {
    await Promise.all([...this.#open].map((relay) => relay.closed))
  }
}
