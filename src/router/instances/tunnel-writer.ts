// Writes tunnel bytes (request heads, bodies, goaway) into a channel stream, and enforces the ordering invariant:
// no DATA before the stream's response HEADERS (DESIGN.md §2.5, http2-protocol-error-notes.md). Touches one stream.
import type { ServerHttp2Stream } from 'node:http2'
import { TunnelOrderingError } from '../errors.js'

/** Who the stream belongs to, for errors and logs. */
export interface TunnelIds {
  readonly poolId: string
  readonly lambdaId: string
  readonly channelId: string
}

/**
 * The only writer of a channel stream's DATA. Before every write it checks `stream.headersSent`; when the response
 * HEADERS are not out yet it reports the violation, writes nothing and throws `TunnelOrderingError`. Node would
 * otherwise send an implicit `:status 200` first, which hides the bug that cost the original 1-in-100M failures.
 */
export class TunnelWriter {
  readonly #stream: ServerHttp2Stream
  readonly #ids: TunnelIds
  readonly #onViolation: (error: TunnelOrderingError, poolId: string) => void

  constructor(
    stream: ServerHttp2Stream,
    ids: TunnelIds,
    onViolation: (error: TunnelOrderingError, poolId: string) => void,
  ) {
    this.#stream = stream
    this.#ids = ids
    this.#onViolation = onViolation
  }

  /** Writes one chunk; returns the stream's back-pressure signal (false: wait for 'drain'). */
  write(chunk: Buffer): boolean {
    this.#check()
    return this.#stream.write(chunk)
  }

  /** Ends the router's side of the tunnel (END_STREAM), optionally with a last chunk in the same write. */
  end(chunk?: Buffer): void {
    this.#check()
    if (chunk === undefined) this.#stream.end()
    else this.#stream.end(chunk)
  }

  #check(): void {
    if (this.#stream.headersSent) return
    const error = new TunnelOrderingError(this.#ids.lambdaId, this.#ids.channelId)
    this.#onViolation(error, this.#ids.poolId)
    throw error
  }
}
