// The client side of a WebSocket handshake (issue 18), one per protocol: an HTTP/1.1 `Upgrade: websocket` on a socket
// Node handed over, or an RFC 8441 extended CONNECT stream on HTTP/2. Both reach the app as the same HTTP/1.1
// handshake. Touches only the one socket or stream it was built on.
import { randomBytes } from 'node:crypto'
import { type IncomingMessage, ServerResponse } from 'node:http'
import { Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Stream } from 'node:http2'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { TLSSocket } from 'node:tls'
import { getHeader, isWebSocketHandshake, type RawHeaders } from '../../protocol/index.js'
import type { RefusalSink, WebSocketClient } from '../dispatch/websocket-client.js'
import type { RouterError } from '../errors.js'
import { statusFor } from './error-status.js'
import { toHttp2ResponseHeaders } from './response-headers.js'
import type { ResponseWriter } from './response-writer.js'

/** Told once, when the client got its answer (101/200, the app's refusal, or a router error), for the access log. */
export type WebSocketAnswered = (status: number, error: RouterError | undefined) => void

/**
 * A response object on a socket Node's HTTP/1.1 server handed over with 'upgrade': refusals and non-WebSocket
 * upgrades (`Upgrade: h2c`…) are answered through it as ordinary responses, and the connection closes after them (the
 * server no longer parses this socket). Bytes the client sent after the head are put back first.
 */
export function responseOnUpgradedSocket(req: IncomingMessage, socket: Socket, head: Buffer): ServerResponse {
  if (head.length > 0) socket.unshift(head)
  const res = new ServerResponse(req)
  res.shouldKeepAlive = false
  try {
    res.assignSocket(socket)
  } catch {
    // An upgrade pipelined behind a response still being written: the connection cannot be answered in order.
    socket.destroy()
  }
  res.once('finish', () => socket.end())
  return res
}

/**
 * Node's HTTP/2 compat server emits 'connect' for every CONNECT: an extended CONNECT for WebSocket goes to `onRequest`,
 * any other keeps Node's own answer, 405.
 */
export function onHttp2Connect(
  req: Http2ServerRequest,
  res: Http2ServerResponse,
  onRequest: (req: Http2ServerRequest, res: Http2ServerResponse) => void,
): void {
  if (isExtendedConnect(req)) {
    onRequest(req, res)
    return
  }
  res.statusCode = 405
  res.end()
}

/**
 * The sockets the HTTP/1.1 server handed over with 'upgrade'. Node no longer counts them as its connections to close,
 * yet its 'close' waits for them: the front door ends them last, after the pools sent their WebSockets 1001.
 */
export class UpgradedSockets {
  readonly #sockets = new Set<Socket>()

  /** Tracks `socket` until it closes; returns it. */
  add(socket: Socket): Socket {
    this.#sockets.add(socket)
    socket.once('close', () => this.#sockets.delete(socket))
    return socket
  }

  /** Ends every socket once what was written to it (a close frame) is out. */
  closeAll(): void {
    for (const socket of this.#sockets) {
      if (socket.writableFinished) socket.destroy()
      else socket.end(() => socket.destroy())
    }
  }
}

/** True for an RFC 8441 extended CONNECT for WebSocket (`:method CONNECT`, `:protocol websocket`). */
export function isExtendedConnect(req: IncomingMessage | Http2ServerRequest): boolean {
  return req instanceof Http2ServerRequest && req.method === 'CONNECT' && req.headers[':protocol'] === 'websocket'
}

/**
 * The WebSocketClient for `req`, or undefined when it is no WebSocket handshake: `upgraded` is the socket of an
 * HTTP/1.1 upgrade. `extraHeaders` are added to the tunnelled head (an HTTP/2 client sends no Sec-WebSocket-Key).
 */
export function webSocketClientFor(
  req: IncomingMessage | Http2ServerRequest,
  writer: ResponseWriter,
  upgraded: Socket | undefined,
  requestId: string,
  onAnswered: WebSocketAnswered,
): { client: WebSocketClient; extraHeaders: RawHeaders } | undefined {
  if (upgraded !== undefined && isWebSocketHandshake(req.method as string, req.rawHeaders)) {
    return { client: new Http1WebSocketClient(upgraded, writer, requestId, onAnswered), extraHeaders: [] }
  }
  if (req instanceof Http2ServerRequest && isExtendedConnect(req)) {
    // RFC 8441 §5: no key travels over HTTP/2; the app's HTTP/1.1 handshake needs one, and its answer is dropped.
    const extraHeaders =
      getHeader(req.rawHeaders, 'sec-websocket-key') === undefined
        ? ['Sec-WebSocket-Key', randomBytes(16).toString('base64')]
        : []
    return { client: new Http2WebSocketClient(req.stream, writer, requestId, onAnswered), extraHeaders }
  }
  return undefined
}

// Answers through the writer (both compat response classes have write/end/'drain'/'close'); `target` is what the
// frames travel on once accepted: the upgraded socket or the CONNECT stream.
abstract class WriterClient<Target> {
  protected readonly target: Target
  protected readonly writer: ResponseWriter
  readonly #requestId: string
  readonly #onAnswered: WebSocketAnswered

  constructor(target: Target, writer: ResponseWriter, requestId: string, onAnswered: WebSocketAnswered) {
    this.target = target
    this.writer = writer
    this.#requestId = requestId
    this.#onAnswered = onAnswered
  }

  refuse(status: number, headers: RawHeaders): RefusalSink {
    this.#onAnswered(status, undefined)
    try {
      this.writer.writeHead(status, headers, true)
    } catch {
      this.writer.abort()
    }
    return this.writer.response
  }

  fail(error: RouterError): void {
    const answer = statusFor(error)
    this.#onAnswered(answer.status, error)
    this.writer.writeError(answer, this.#requestId)
  }

  abort(): void {
    this.writer.abort()
  }

  protected answered(status: number): void {
    this.#onAnswered(status, undefined)
  }
}

class Http1WebSocketClient extends WriterClient<Socket> implements WebSocketClient {
  // The 101 goes onto the socket raw: a ServerResponse cannot send one and then let go of the connection.
  accept(headers: RawHeaders): Duplex {
    this.answered(101)
    const socket = this.target
    ;(this.writer.response as ServerResponse).detachSocket(socket)
    let head = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n'
    for (let index = 0; index + 1 < headers.length; index += 2) head += `${headers[index]}: ${headers[index + 1]}\r\n`
    socket.setNoDelay(true)
    socket.write(`${head}\r\n`, 'latin1')
    return socket
  }

  // RST, not FIN: a FIN would pass a cut-off mid-frame for a clean end, and after our close frame and FIN a client
  // that never closes its side would keep the connection half-open in the kernel (FIN_WAIT_2); the reset frees both
  // ends at once. A TLS socket has no TCP handle of its own to reset (Node throws ERR_INVALID_HANDLE_TYPE): destroyed.
  override abort(): void {
    const socket = this.target
    if (socket.destroyed) return
    if (socket instanceof TLSSocket) socket.destroy()
    else socket.resetAndDestroy()
  }
}

class Http2WebSocketClient extends WriterClient<ServerHttp2Stream> implements WebSocketClient {
  // RFC 8441 §5: a 2xx answers the CONNECT, and the stream carries the frames from then on.
  accept(headers: RawHeaders): Duplex {
    this.answered(200)
    const flat = toHttp2ResponseHeaders(headers)
    const kept: RawHeaders = []
    for (let index = 0; index + 1 < flat.length; index += 2) {
      if ((flat[index] as string).toLowerCase() === 'sec-websocket-accept') continue
      kept.push(flat[index] as string, flat[index + 1] as string)
    }
    const stream = this.target
    stream.respond(rawToObject(kept, 200))
    // The compat request reads the stream into its own buffer (and pauses the stream when nobody reads it); the
    // frames are read from the stream itself from now on.
    stream.removeAllListeners('data')
    return stream
  }
}

function rawToObject(headers: RawHeaders, status: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { ':status': String(status) }
  for (let index = 0; index + 1 < headers.length; index += 2) {
    const name = (headers[index] as string).toLowerCase()
    const value = headers[index + 1] as string
    const previous = out[name]
    out[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value]
  }
  return out
}
