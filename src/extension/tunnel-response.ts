// Writes one app response into its channel stream: the framed head (original-protocol.md §4.4), then the body, raw
// or gzipped, with back-pressure both ways. Touches only the channel stream it was given.
import type { ClientHttp2Stream } from 'node:http2'
import type { Gzip } from 'node:zlib'
import { TurnCork } from '../common/index.js'
import {
  getHeader,
  type RawHeaders,
  serializeResponseHead,
  TUNNEL_HEADER_CHANNEL_ID,
  TUNNEL_HEADER_LAMBDA_ID,
} from '../protocol/index.js'
import { compressedHeaders, createGzipEncoder, shouldCompress } from './compression.js'
import type { AppRequestError } from './errors.js'
import type { RelayController, RelayHandler } from './relay.js'
import { resetStream } from './router-session.js'

/**
 * Response bytes queued on the channel stream before the app's response is paused. Node's HTTP/2 streams signal
 * back-pressure at 16 KiB, a quarter of one 64 KiB read from the app: pausing there turns every chunk into a
 * stop-and-wait round trip. The stream's 'drain' resumes; the HTTP/2 window bounds what is in flight beyond.
 */
export const TUNNEL_WRITE_BUFFER_BYTES = 256 * 1024

/** How one response ended, reported once to the channel. */
export type ResponseOutcome =
  | { readonly kind: 'complete'; readonly status: number }
  | { readonly kind: 'app-error'; readonly error: AppRequestError; readonly headSent: boolean }

export interface TunnelResponseOptions {
  readonly lambdaId: string
  readonly channelId: string
  readonly method: string
  /** The client's Accept-Encoding, as tunnelled. */
  readonly acceptEncoding: string | undefined
  readonly compression: boolean
  readonly onDone: (outcome: ResponseOutcome) => void
}

/** The framed head: X-Lambda-Id and X-Channel-Id first, as the original writes them, then the app's headers. */
export function tunnelResponseHead(status: number, headers: RawHeaders, lambdaId: string, channelId: string): Buffer {
  return serializeResponseHead({
    status,
    headers: [TUNNEL_HEADER_LAMBDA_ID, lambdaId, TUNNEL_HEADER_CHANNEL_ID, channelId, ...headers],
  })
}

/** Relay handler that frames the app's answer into the tunnel. A failure before the head becomes a 502 answer. */
export class TunnelResponseWriter implements RelayHandler {
  readonly #stream: ClientHttp2Stream
  readonly #options: TunnelResponseOptions
  #gzip: Gzip | undefined
  // Set once the head is written; its presence means "head sent".
  #controller: RelayController | undefined
  #status = 0
  #done = false
  readonly #cork: TurnCork

  constructor(stream: ClientHttp2Stream, options: TunnelResponseOptions) {
    this.#stream = stream
    this.#options = options
    this.#cork = new TurnCork(stream)
  }

  onResponseStart(status: number, headers: RawHeaders, controller: RelayController): void {
    if (this.#stream.destroyed) return
    this.#status = status
    const options = this.#options
    // Without compression or an Accept-Encoding there is nothing to decide: skip the header scans.
    const compress =
      options.compression &&
      options.acceptEncoding !== undefined &&
      shouldCompress({
        enabled: options.compression,
        method: options.method,
        status,
        acceptEncoding: options.acceptEncoding,
        contentType: getHeader(headers, 'content-type'),
        contentEncoding: getHeader(headers, 'content-encoding'),
        contentLength: getHeader(headers, 'content-length'),
        cacheControl: getHeader(headers, 'cache-control'),
      })
    const head = compress ? compressedHeaders(headers) : headers
    // Node sends every write on an HTTP/2 stream as its own DATA frame and socket write. Held until the loop's check
    // phase (or the end), the head, the body bytes the app sent with it and END_STREAM leave in one frame: a small
    // response costs one socket write here and one read in the router instead of three. A streamed body (SSE) is
    // released within this loop turn.
    this.#cork.hold()
    this.#stream.write(tunnelResponseHead(status, head, options.lambdaId, options.channelId))
    if (compress) {
      const gzip = createGzipEncoder()
      // pipe() carries the stream's back-pressure to gzip and ends the stream after gzip's last bytes.
      gzip.pipe(this.#stream)
      gzip.on('drain', () => controller.resume())
      this.#gzip = gzip
    } else {
      this.#stream.on('drain', () => controller.resume())
    }
    this.#controller = controller
  }

  onResponseData(chunk: Buffer): void {
    if (this.#stream.destroyed) return
    if (this.#gzip) {
      if (!this.#gzip.write(chunk)) this.#controller?.pause()
      return
    }
    // Every read from the app in this loop turn leaves in one socket write.
    this.#cork.hold()
    this.#stream.write(chunk)
    if (this.#stream.writableLength >= TUNNEL_WRITE_BUFFER_BYTES) this.#controller?.pause()
  }

  onResponseEnd(): void {
    if (this.#gzip) {
      this.#gzip.end()
    } else {
      this.#cork.flush()
      if (!this.#stream.destroyed) this.#stream.end()
    }
    this.#finish({ kind: 'complete', status: this.#status })
  }

  onResponseError(error: AppRequestError): void {
    const headSent = this.#controller !== undefined
    if (!this.#stream.destroyed) {
      if (headSent) {
        // The head is out: the only honest signal left is a reset, so the router aborts its client at once.
        this.#cork.flush()
        this.#gzip?.destroy()
        resetStream(this.#stream, 'the app response broke mid-body')
      } else {
        const body = Buffer.from(`lambda-dispatch extension: the app request failed (${error.errorCode ?? 'error'})\n`)
        const headers = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)]
        const head = tunnelResponseHead(502, headers, this.#options.lambdaId, this.#options.channelId)
        this.#stream.end(Buffer.concat([head, body]))
      }
    }
    this.#finish({ kind: 'app-error', error, headSent })
  }

  /** The router reset the stream: stop compressing; the relay is aborted by the channel. */
  destroy(): void {
    this.#gzip?.destroy()
    this.#cork.flush()
  }

  #finish(outcome: ResponseOutcome): void {
    if (this.#done) return
    this.#done = true
    this.#options.onDone(outcome)
  }
}
