// One parked HTTP/2 channel stream of an instance: parked → busy → closed, or parked → closed (goaway, lost,
// replaced). Owns nothing but its stream's close listener; the exchange that claims it owns the exchange's listeners.
import { constants as http2, type ServerHttp2Stream } from 'node:http2'
import { serializeGoaway } from '../../protocol/index.js'
import type { TunnelOrderingError } from '../errors.js'
import { type TunnelIds, TunnelWriter } from './tunnel-writer.js'

export type ChannelState = 'parked' | 'busy' | 'closed'

/** Why a channel stream stopped being usable. */
export type ChannelCloseReason = 'used' | 'goaway' | 'lost' | 'replaced'

/** Told once when a channel leaves `parked` or `busy` for `closed`. The instance implements it. */
export interface ChannelOwner {
  onChannelClosed(channel: Channel, from: 'parked' | 'busy', reason: ChannelCloseReason): void
}

export interface ChannelOptions extends TunnelIds {
  /** Called (then the write throws) when something writes DATA before HEADERS; the control server publishes it. */
  readonly onOrderingViolation: (error: TunnelOrderingError, poolId: string) => void
  /** The POST listed the WebSocket capability (HEADER_CAPABILITIES): a handshake may be written into it (issue 18). */
  readonly webSocket?: boolean
  /**
   * Test seam only: build the channel on a stream whose HEADERS are not sent, to prove the TunnelWriter guard. Real
   * code never sets it: the control server calls `respond()` before constructing the channel.
   */
  readonly skipHeadersCheck?: boolean
}

/**
 * A channel is constructed only after `stream.respond()` (the ordering invariant is a constructor precondition), and
 * only then published to its instance, the dispatcher or any goaway path.
 */
export class Channel {
  readonly poolId: string
  readonly lambdaId: string
  readonly channelId: string
  readonly stream: ServerHttp2Stream
  readonly writer: TunnelWriter
  readonly webSocket: boolean
  #state: ChannelState = 'parked'
  #owner: ChannelOwner | undefined
  #onLeaving: (() => void) | undefined

  constructor(stream: ServerHttp2Stream, options: ChannelOptions) {
    if (!options.skipHeadersCheck && !stream.headersSent) {
      throw new Error('a Channel needs a stream whose response HEADERS were sent: call respond() first')
    }
    this.poolId = options.poolId
    this.lambdaId = options.lambdaId
    this.channelId = options.channelId
    this.stream = stream
    this.writer = new TunnelWriter(stream, options, options.onOrderingViolation)
    this.webSocket = options.webSocket === true
    // A stream closes once: `on` spares the wrapper `once` makes for every channel POST.
    stream.on('close', this.#onStreamClose)
  }

  get state(): ChannelState {
    return this.#state
  }

  /** Set once, by the instance that adopts the channel. */
  attach(owner: ChannelOwner): void {
    this.#owner = owner
  }

  /** parked → busy: a request is about to be written. The caller owns the stream until `release()`. */
  claim(): void {
    if (!this.#transition('parked', 'busy', 'used')) throw new Error(`channel ${this.channelId} is ${this.#state}`)
  }

  /** Parked with a live stream: safe to claim. A stream can die a tick before its 'close' event arrives. */
  get usable(): boolean {
    return this.#state === 'parked' && !this.stream.destroyed && !this.stream.closed
  }

  /** Set by a WebSocket exchange on its busy channel: told once when the instance must leave (issue 18). */
  whenLeaving(callback: () => void): void {
    this.#onLeaving = callback
  }

  /** The instance must leave: a WebSocket riding this channel closes with 1001. Nothing for other channels. */
  leave(): void {
    const callback = this.#onLeaving
    this.#onLeaving = undefined
    callback?.()
  }

  /** parked → closed because the stream is gone (extension left, session died). Idempotent. */
  lose(): void {
    this.#transition('parked', 'closed', 'lost')
  }

  /** busy → closed: the exchange is over (the stream was ended or reset by the exchange). Idempotent. */
  release(): void {
    this.#onLeaving = undefined
    this.#transition('busy', 'closed', 'used')
  }

  /**
   * parked → closed with the goaway pseudo-request (original-protocol.md §4.1): the extension answers an empty body and
   * stops all its channels. Its request body is read and discarded so the stream can finish.
   */
  goaway(): void {
    if (!this.#transition('parked', 'closed', 'goaway')) return
    const stream = this.stream
    if (stream.destroyed) return
    stream.resume()
    try {
      this.writer.end(serializeGoaway(this.lambdaId, this.channelId))
    } catch {
      // TunnelWriter refused (ordering): already counted and logged; reset so the peer knows at once.
      stream.close(http2.NGHTTP2_CANCEL)
    }
  }

  /**
   * parked → closed without a goaway: the extension re-opened this channel id, so this stream is stale. A goaway
   * would stop every channel of the invoke, so the stream is only reset.
   */
  drop(): void {
    if (!this.#transition('parked', 'closed', 'replaced')) return
    if (!this.stream.destroyed) this.stream.close(http2.NGHTTP2_CANCEL)
  }

  // The only writer of #state.
  #transition(from: ChannelState, to: ChannelState, reason: ChannelCloseReason): boolean {
    if (this.#state !== from) return false
    this.#state = to
    if (to === 'closed') this.#owner?.onChannelClosed(this, from as 'parked' | 'busy', reason)
    return true
  }

  // A parked stream that closes was lost (extension gone, session died). A busy one is the exchange's to handle.
  readonly #onStreamClose = (): void => {
    this.lose()
  }
}
