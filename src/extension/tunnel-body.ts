// The tunnelled request body as a Readable for the app request: it reads the channel stream on demand, so a slow
// app slows the router through HTTP/2 flow control. Touches only the channel stream it was given.
import type { ClientHttp2Stream } from 'node:http2'
import { Readable } from 'node:stream'

const BODY_HIGH_WATER_MARK_BYTES = 64 * 1024

/** Bytes after the request head until the router's END_STREAM, with back-pressure; never buffers a whole body. */
export class TunnelRequestBody extends Readable {
  readonly #source: ClientHttp2Stream
  #attached = true

  /** `first` holds the body bytes that arrived with the head (may be empty). The source must be paused. */
  constructor(source: ClientHttp2Stream, first: Buffer) {
    super({ highWaterMark: BODY_HIGH_WATER_MARK_BYTES })
    this.#source = source
    if (first.length > 0) this.push(first)
    source.on('data', this.#onData)
    source.once('end', this.#onEnd)
  }

  override _read(): void {
    if (this.#attached) this.#source.resume()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#detach()
    callback(error)
  }

  /**
   * The app answered without reading the whole body: stop delivering it and drain what the router still sends, so
   * its END_STREAM arrives and the stream can close.
   */
  discard(): void {
    if (!this.#attached) return
    this.#detach()
    this.#source.resume()
    if (!this.readableEnded) this.push(null)
  }

  #detach(): void {
    if (!this.#attached) return
    this.#attached = false
    this.#source.off('data', this.#onData)
    this.#source.off('end', this.#onEnd)
  }

  readonly #onData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.#source.pause()
  }

  readonly #onEnd = (): void => {
    this.#detach()
    this.push(null)
  }
}
