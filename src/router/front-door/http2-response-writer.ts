// Http2ResponseWriter: one HTTP/2 response through Node's compat Http2ServerResponse, with the stream and session
// calls the compat layer does not offer. Touches only its own request, stream and (for a closing answer) session.
import type { ServerResponse } from 'node:http'
import { type Http2ServerRequest, type Http2ServerResponse, constants as http2Constants } from 'node:http2'
import { TurnCork } from '../../common/index.js'
import type { RawHeaders } from '../../protocol/index.js'
import { http2AuthorityProblem } from './admission.js'
import type { ErrorStatus } from './error-status.js'
import { toHttp2ResponseHeaders } from './response-headers.js'
import { errorResponseHeaders, type ResponseWriter } from './response-writer.js'

/** Writes one HTTP/2 response; see ResponseWriter. */
export class Http2ResponseWriter implements ResponseWriter {
  readonly protocol = 'HTTP/2'
  readonly response: Http2ServerResponse
  readonly #req: Http2ServerRequest
  readonly #cork: TurnCork

  constructor(req: Http2ServerRequest, res: Http2ServerResponse) {
    this.#req = req
    this.response = res
    // The compat response has no cork(); its stream does, and carries every write.
    this.#cork = new TurnCork(res.stream)
  }

  // The stream's queue, under the compat object.
  get queuedBytes(): number {
    return this.response.stream.writableLength
  }

  framingProblem(): string | undefined {
    return http2AuthorityProblem(this.#req.rawHeaders)
  }

  // END_STREAM on the HEADERS frame says there is no body.
  hasRequestBody(): boolean {
    return !this.#req.stream.endAfterHeaders
  }

  watchClient(listener: () => void): void {
    this.response.on('close', listener)
  }

  unwatchClient(listener: () => void): void {
    this.response.removeListener('close', listener)
  }

  // `closing` has no HTTP/2 header (RFC 9113 §8.2.2): the session's graceful GOAWAY asks the client to reconnect.
  writeHead(status: number, headers: RawHeaders, _closing: boolean): void {
    this.#writeFlatHead(status, toHttp2ResponseHeaders(headers))
  }

  write(chunk: Buffer): void {
    this.#cork.hold()
    this.response.write(chunk)
  }

  end(): void {
    this.#cork.flush()
    this.response.end()
  }

  // RFC 9113 §8.1: resets just this stream with INTERNAL_ERROR, which every client reports as a failed response, never
  // a complete one.
  abort(): void {
    this.#cork.flush()
    const stream = this.response.stream
    if (!stream.destroyed) stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR)
  }

  release(): void {
    this.#cork.flush()
  }

  writeError(answer: ErrorStatus, requestId: string | undefined): void {
    if (this.response.headersSent) {
      this.abort()
      return
    }
    this.#writeFlatHead(answer.status, errorResponseHeaders(answer, requestId))
    this.response.end(answer.body)
    // RFC 9113 §8.1: a server that answers before the request body ended asks the client to stop sending it with
    // RST_STREAM(NO_ERROR) after the response; Node sends it once the response is flushed. Otherwise a client still
    // uploading (too slowly, say) would keep the stream, and a closing session, open.
    const stream = this.response.stream
    if (!stream.endAfterHeaders && !stream.destroyed) stream.close(http2Constants.NGHTTP2_NO_ERROR)
    // HTTP/2 has no Connection header (RFC 9113 §8.2.2): a graceful GOAWAY asks the client to reconnect instead, and
    // lets its other streams finish.
    if (answer.closeConnection) stream.session?.close()
  }

  // Node 20's compat writeHead takes a flat [name, value, …] list at run time, appending each pair (repeats such as
  // Set-Cookie are kept); @types/node declares that form only for ServerResponse.
  #writeFlatHead(status: number, headers: RawHeaders): void {
    ;(this.response as unknown as ServerResponse).writeHead(status, headers)
  }
}
