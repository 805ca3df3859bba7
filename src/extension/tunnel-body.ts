// The tunnelled request body as a Readable for the app request: it reads the channel stream on demand, so a slow
// app slows the router through HTTP/2 flow control. Touches only the channel stream it was given.
import type { ClientHttp2Stream } from 'node:http2'
import { Readable } from 'node:stream'

/** Read ahead of the app by up to this much, so a chunk is ready whenever the app's socket drains. */
export const BODY_HIGH_WATER_MARK_BYTES = 256 * 1024

/** Bytes after the request head until the router's END_STREAM, with back-pressure; never buffers a whole body. */
export class TunnelRequestBody extends Readable {
  readonly #source: ClientHttp2Stream
  #attached = true
  // DATA frames of the current loop turn, handed to the app's socket together at the check phase.
  #batch: Buffer[] = []
  #batchBytes = 0
  #flush: NodeJS.Immediate | undefined

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
    this.#dropBatch()
    callback(error)
  }

  /**
   * The app answered without reading the whole body: stop delivering it and drain what the router still sends, so
   * its END_STREAM arrives and the stream can close.
   */
  discard(): void {
    if (!this.#attached) return
    this.#detach()
    this.#dropBatch()
    this.#source.resume()
    if (!this.readableEnded) this.push(null)
  }

  #detach(): void {
    if (!this.#attached) return
    this.#attached = false
    this.#source.off('data', this.#onData)
    this.#source.off('end', this.#onEnd)
  }

  // The router's upload arrives in DATA frames of at most 16 KiB, each its own callback; pushed one by one, each
  // became a socket write to the app. Batched per loop turn (bounded by one socket read), they leave in one.
  readonly #onData = (chunk: Buffer): void => {
    this.#batch.push(chunk)
    this.#batchBytes += chunk.length
    // A paused stream resumed with a full window delivers it all in one turn; hand it on a read-ahead at a time.
    if (this.#batchBytes >= BODY_HIGH_WATER_MARK_BYTES) {
      if (this.#flush !== undefined) clearImmediate(this.#flush)
      this.#pushBatch()
      return
    }
    this.#flush ??= setImmediate(this.#pushBatch)
  }

  readonly #pushBatch = (): void => {
    this.#flush = undefined
    const batch = this.#batch
    if (batch.length === 0) return
    const data = batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch, this.#batchBytes)
    this.#batch = []
    this.#batchBytes = 0
    if (!this.push(data) && this.#attached) this.#source.pause()
  }

  #dropBatch(): void {
    if (this.#flush !== undefined) clearImmediate(this.#flush)
    this.#flush = undefined
    this.#batch = []
    this.#batchBytes = 0
  }

  readonly #onEnd = (): void => {
    this.#detach()
    if (this.#flush !== undefined) clearImmediate(this.#flush)
    this.#pushBatch()
    this.push(null)
  }
}
