// What a channel and its invoke tell each other: the options every channel of an invoke shares, the events a channel
// reports and what it needs from its host (channel-loop.ts). Types only.
import type { ClientHttp2Stream } from 'node:http2'
import type { HeadLimits, RequestHead } from '../protocol/index.js'
import type { AppClient } from './relay.js'
import type { RouterSession } from './router-session.js'
import type { ResponseOutcome } from './tunnel-response.js'

export type ChannelState = 'idle' | 'opening' | 'parked' | 'busy' | 'stopped'

/** How one channel stream ended, from the invoke's point of view. */
export type RequestEnd = ResponseOutcome | { readonly kind: 'reset' }

/** What every channel of an invoke shares, fixed for the invoke. */
export interface ChannelOptions {
  readonly poolId: string
  readonly lambdaId: string
  readonly compression: boolean
  /** Send X-Pool-Id, X-Lambda-Id and X-Channel-Id to the app (LAMBDA_DISPATCH_FORWARD_INTERNAL_HEADERS). */
  readonly forwardInternalHeaders: boolean
  readonly headLimits: HeadLimits
  readonly headersTimeoutMs: number
  readonly app: AppClient
}

/**
 * Everything a channel reports to its invoke, in the order it happens. `opened` comes before any request of that
 * stream; each `request-start` is followed by exactly one `request-end` (`head` is the request that ended).
 */
export type ChannelEvent =
  | { readonly kind: 'opened' }
  | { readonly kind: 'request-start' }
  | { readonly kind: 'request-end'; readonly end: RequestEnd; readonly head: RequestHead }
  | { readonly kind: 'goaway'; readonly via: 'status-409' | 'goaway-request' }
  /** The router answered the POST with a status other than 200 or 409; the channel stops. */
  | { readonly kind: 'router-status'; readonly status: number }
  /** The stream closed without response HEADERS in a way that condemns its session (decideUnansweredClose). */
  | {
      readonly kind: 'stream-without-response'
      readonly session: RouterSession
      readonly rstCode: number
      readonly error: Error | undefined
    }
  /** No session could be had; the channel stops. */
  | { readonly kind: 'unreachable'; readonly error: Error }
  /** The POST has waited `waitedMs` for response HEADERS; its session is being checked with a PING. */
  | { readonly kind: 'silent'; readonly sessionId: number; readonly waitedMs: number }
  /** The router reset the POST before HEADERS on a healthy session; the channel POSTs again there. */
  | { readonly kind: 'reset-before-headers'; readonly sessionId: number; readonly rstCode: number }
  /** REFUSED_STREAM on a healthy session: more channels than the router's stream limit; the channel stops. */
  | { readonly kind: 'refused' }
  /** The tunnelled request head was refused (answered 431 or 400). */
  | { readonly kind: 'bad-head'; readonly error: Error }
  /** A WebSocket upgrade: the stream is the invoke's now, and this channel already POSTs again (issue 18). */
  | { readonly kind: 'upgrade'; readonly stream: ClientHttp2Stream; readonly head: RequestHead; readonly rest: Buffer }
