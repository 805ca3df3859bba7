// Http1ResponseWriter: one HTTP/1.1 response through Node's ServerResponse, and the raw answer to a head Node's parser
// refused. Touches only its own request, response and connection; owns at most one setImmediate (its TurnCork's).
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
    // The head and the body that follows it in this loop turn leave in one write. The body usually arrives in a later
    // DATA frame of the same socket read, each frame its own callback with a microtask checkpoint in between, so the
    // cork holds until the loop's check phase: every frame already read has been delivered by then. When the app holds
    // its body (SSE, slow work), the head still goes out within this loop turn.
    this.#cork.hold()
    this.response.writeHead(status, headers)
    this.response.flushHeaders()
  }

  write(chunk: Buffer): void {
    this.#cork.hold()
    this.response.write(chunk)
  }

  end(): void {
    this.release()
    this.response.end()
  }

  // HTTP/1.1 can only signal a cut-off body by closing the connection. What this turn still holds corked is dropped,
  // not sent first: to a client reading a close-delimited body (HTTP/1.0), a head or chunk followed by the close would
  // look like a whole response.
  abort(): void {
    this.response.destroy()
  }

  release(): void {
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
