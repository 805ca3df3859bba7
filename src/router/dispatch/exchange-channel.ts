// What a TunnelExchange is given: the channel it claimed (an interface, so an exchange can be built on any stream
// whose HEADERS were sent), the settings every exchange of a pool shares, and its upload buffer bound. No I/O.
import type { ServerHttp2Stream } from 'node:http2'
import type { HeadLimits } from '../../protocol/index.js'
import type { RouterEvents } from '../events.js'
import type { TunnelWriter } from '../instances/tunnel-writer.js'
import type { RequestBodyLimits } from './upload-rate.js'

/**
 * Upload bytes queued on a channel stream before the client's body is paused. Node's HTTP/2 streams signal back-pressure
 * at 16 KiB, a quarter of one 64 KiB client read: pausing there turns every chunk into a stop-and-wait round trip
 * between the processes. The stream's 'drain' resumes the body; the HTTP/2 window bounds what is in flight beyond.
 */
export const TUNNEL_WRITE_BUFFER_BYTES = 256 * 1024

/** RFC 6455 §7.1.1 leaves the wait for the client's close to the server; a few seconds cover any live client. */
export const DEFAULT_WEBSOCKET_CLOSE_TIMEOUT_MS = 5_000

/**
 * What an exchange needs of the channel it claimed. `Channel` implements it; a unit test may hand in its own around a
 * real stream. The exchange owns the stream's listeners until it calls `release()`, exactly once.
 */
export interface ExchangeChannel {
  readonly poolId: string
  readonly lambdaId: string
  readonly channelId: string
  /** A stream whose response HEADERS were sent (the ordering invariant). */
  readonly stream: ServerHttp2Stream
  /** The only writer of the stream's DATA. */
  readonly writer: Pick<TunnelWriter, 'write' | 'end'>
  /** busy → closed: the exchange is over, its stream ended or reset. */
  release(): void
}

/** Per-pool settings every exchange of the pool shares. */
export interface ExchangeSettings {
  /** From the moment the request is fully written until the response head is complete; 0 disables. */
  readonly responseHeadTimeoutMs: number
  /** Longest time with no body byte moving either way (request upload or response body); 0 disables. */
  readonly bodyIdleTimeoutMs: number
  /** Total deadline and minimum rate of the client's request body, from when this exchange starts relaying it. */
  readonly requestBody: RequestBodyLimits
  readonly headLimits: HeadLimits
  /** A WebSocket with no byte either way for this long closes with 1001; 0 or absent disables (issue 18). */
  readonly webSocketIdleTimeoutMs?: number
  /**
   * Once a WebSocket's client side was ended (the router's close frame, or the app's close relayed), how long the
   * client has to end its own before it is cut off; absent: DEFAULT_WEBSOCKET_CLOSE_TIMEOUT_MS.
   */
  readonly webSocketCloseTimeoutMs?: number
  readonly exposeInternalHeaders: boolean
  readonly now: () => number
  /** Where each exchange publishes how it ended and the bytes it moved. */
  readonly events: RouterEvents
}
