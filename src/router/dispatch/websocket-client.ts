// The contract between a WebSocket exchange and the two sides it joins (issue 18): the client of either protocol, as
// the front door wraps it, and the channel it rides. Types only.
import type { Duplex } from 'node:stream'
import type { RawHeaders } from '../../protocol/index.js'
import type { RouterError } from '../errors.js'
import type { ExchangeChannel } from './exchange-channel.js'

/** Where a refused handshake's answer body goes: the client's response, of either protocol. */
export interface RefusalSink {
  write(chunk: Buffer): boolean
  end(): void
  on(event: 'drain' | 'close', listener: () => void): unknown
  off(event: 'drain' | 'close', listener: () => void): unknown
}

/**
 * The client side of one handshake, one per client protocol (HTTP/1.1 upgrade, HTTP/2 extended CONNECT). Exactly one
 * of `accept`, `refuse` or `fail` is called, once; `abort` may follow `accept` or `refuse`. None throws.
 */
export interface WebSocketClient {
  /** The app answered 101: answer the client (`headers` have no hop-by-hop names) and hand over the frame duplex. */
  accept(headers: RawHeaders): Duplex
  /** The app answered anything else: answer `status` with `headers`; the body goes into the sink, then end(). */
  refuse(status: number, headers: RawHeaders): RefusalSink
  /** No answer came: the client gets `statusFor(error)`. */
  fail(error: RouterError): void
  /** Something broke after the answer started: cut the client off. */
  abort(): void
}

/** A channel a WebSocket can ride: told when its instance must leave. */
export interface WebSocketChannel extends ExchangeChannel {
  whenLeaving(callback: () => void): void
}
