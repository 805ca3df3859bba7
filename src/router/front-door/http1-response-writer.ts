// Http1ResponseWriter: one HTTP/1.1 response through Node's ServerResponse, and the raw answer to a head Node's parser
// refused. Touches only its own request, response and connection; owns at most one setImmediate (the head flush).
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { TurnCork } from '../../common/index.js'
import { isHeaderName, type RawHeaders } from '../../protocol/index.js'
import { http1FramingProblem } from './admission.js'
import type { ErrorStatus } from './error-status.js'
import { errorResponseHeaders, type ResponseWriter } from './response-writer.js'

/** Writes one HTTP/1.1 response; see ResponseWriter. */
export class Http1ResponseWriter implements ResponseWriter {
  readonly protocol = 'HTTP/1.1'
  readonly response: ServerResponse
  readonly #req: IncomingMessage
  readonly #cork: TurnCork
  // A pipelined request's response is not attached to the connection until the ones before it end, so only the
  // socket tells such a request that its client went away.
  readonly #socket: Socket
  #headFlush: NodeJS.Immediate | undefined
  // Body written in the head's turn: the response is corked until the head flush, which then uncorks it (one timer
  // for both, where the cork of a later turn takes its own).
  #corkedForHead = false

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.#req = req
    this.response = res
    this.#cork = new TurnCork(res)
    this.#socket = res.req.socket
  }

  get queuedBytes(): number {
    return this.response.writableLength
  }

  framingProblem(): string | undefined {
    return http1FramingProblem(this.#req.httpVersion, this.#req.rawHeaders)
  }

  // RFC 9112 §6.3: an HTTP/1.1 request has a body only with Content-Length (non-zero here) or Transfer-Encoding.
  hasRequestBody(): boolean {
    const rawHeaders = this.#req.rawHeaders
    for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
      const name = rawHeaders[index] as string
      if (isHeaderName(name, 'transfer-encoding')) return true
      if (isHeaderName(name, 'content-length')) return rawHeaders[index + 1] !== '0'
    }
    return false
  }

  // `on`, not `once` (a wrapper per listener): the exchange unwatches when it ends, and on the first call.
  watchClient(listener: () => void): void {
    this.response.on('close', listener)
    this.#socket.on('close', listener)
  }

  unwatchClient(listener: () => void): void {
    this.response.removeListener('close', listener)
    this.#socket.removeListener('close', listener)
  }

  writeHead(status: number, headers: RawHeaders, closing: boolean): void {
    // During shutdown the connection must not be reused: the slow path of writeHead merges this header in.
    if (closing) this.response.setHeader('Connection', 'close')
    this.response.writeHead(status, headers)
    // Node sends an HTTP/1.1 head with the first body write, in one packet. The body usually arrives in a later DATA
    // frame of the same socket read, and each frame is its own callback with a microtask checkpoint in between, so the
    // check waits for the loop's check phase: every frame already read has been delivered by then. When the app holds
    // its body (SSE, slow work), the head still goes out within this loop turn.
    this.#headFlush = setImmediate(this.#flushHead)
  }

  write(chunk: Buffer): void {
    if (this.#headFlush === undefined) this.#cork.hold()
    else if (!this.#corkedForHead && !this.response.destroyed) {
      this.response.cork()
      this.#corkedForHead = true
    }
    this.response.write(chunk)
  }

  end(): void {
    this.release()
    this.response.end()
  }

  // HTTP/1.1 can only signal a cut-off body by closing the connection.
  abort(): void {
    this.release()
    this.response.destroy()
  }

  release(): void {
    this.#cancelHeadFlush()
    this.#cork.flush()
  }

  writeError(answer: ErrorStatus, requestId: string | undefined): void {
    if (this.response.headersSent) {
      this.abort()
      return
    }
    const headers = errorResponseHeaders(answer, requestId)
    if (answer.closeConnection) headers.push('Connection', 'close')
    this.response.writeHead(answer.status, headers)
    this.response.end(answer.body)
  }

  readonly #flushHead = (): void => {
    this.#headFlush = undefined
    if (this.#corkedForHead) this.#uncorkForHead()
    else this.response.flushHeaders()
  }

  #cancelHeadFlush(): void {
    if (this.#headFlush === undefined) return
    clearImmediate(this.#headFlush)
    this.#headFlush = undefined
    if (this.#corkedForHead) this.#uncorkForHead()
  }

  #uncorkForHead(): void {
    this.#corkedForHead = false
    if (!this.response.destroyed) this.response.uncork()
  }
}

/**
 * Answers on a raw connection whose head Node's parser refused (no response object exists), then ends the connection:
 * the parser's state is unusable.
 */
export function writeSocketErrorResponse(socket: Socket, answer: ErrorStatus): void {
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(answer.body)}\r\n` +
      'Connection: close\r\n\r\n' +
      answer.body,
  )
}
