// The contract between the front door and a pool's dispatcher: one client request in, one response (or one error)
// out. Types only; shaped like undici's dispatch handler.
import type { Readable } from 'node:stream'
import type { RawHeaders } from '../../protocol/index.js'
import type { RouterError } from '../errors.js'
import type { RequestSignal } from './request-abort.js'

/** One client request as the front door hands it to `Dispatcher.dispatch`. */
export interface DispatchRequest {
  /** Stable id for logs; also sent to the app as X-Request-Id. */
  readonly requestId: string
  readonly method: string
  /** Path and query exactly as the client sent them (never under `/_lambda_dispatch/`: the front door refuses those). */
  readonly target: string
  /** Headers to tunnel: hop-by-hop and internal names already removed, X-Forwarded-* already added. */
  readonly headers: RawHeaders
  /**
   * The request body, or null when the request has none. The dispatcher reads it only once a channel is bound,
   * with back-pressure, and writes it into the channel; it never buffers a whole body.
   */
  readonly body: Readable | null
  /**
   * Aborts when the client goes away: a queued request is removed, a running one has its channel stream reset. The
   * front door hands out a RequestAbort; an AbortSignal serves as well.
   */
  readonly signal: RequestSignal
  /** `performance.now()` when the front door accepted the request; queue wait is measured from here. */
  readonly receivedAtMs: number
}

/** Lets the handler apply back-pressure to the response body coming from the Lambda, and tells it how far it got. */
export interface ExchangeController {
  /** Stop delivering onResponseData until resume(); the channel stream stops reading, so HTTP/2 flow control pushes back. */
  pause(): void
  resume(): void
  /**
   * Whether every body byte the response head promised has reached the handler, or it promised none (HEAD, 204, 304):
   * the client may then hold the whole response. Decided once, by the exchange that parsed the head.
   */
  isResponseComplete(): boolean
}

/**
 * Receives the outcome of one dispatched request. Invariants (asserted in tests by a wrapping decorator):
 * - `onResponseStart` is called at most once, before any `onResponseData`;
 * - exactly one of `onResponseEnd` / `onResponseError` is called, exactly once, and nothing is called after it;
 * - `onResponseError` may come before `onResponseStart` (queue full, timeouts, bad upstream head) or after it
 *   (the stream broke mid-body: the handler must abort the client connection, not write a status);
 * - no method throws.
 */
export interface ExchangeHandler {
  onResponseStart(status: number, headers: RawHeaders, controller: ExchangeController): void
  onResponseData(chunk: Buffer): void
  onResponseEnd(): void
  onResponseError(error: RouterError): void
}

/**
 * What `dispatch` did with a request, returned synchronously. Accepted requests ('dispatched' or 'queued') report
 * every later failure through the handler, never by throwing. 'aborted' means the request's signal had already
 * aborted when it arrived (ClientAbortedError). A 'rejected' decision has already been reported to the
 * handler as an error too, so the caller has a single error path; the decision is for logs and metrics.
 */
export type DispatchDecision =
  | { readonly kind: 'dispatched'; readonly lambdaId: string; readonly channelId: string }
  | { readonly kind: 'queued'; readonly queueLength: number }
  | { readonly kind: 'rejected'; readonly reason: 'queue-full' | 'no-capacity' | 'closing' | 'aborted' }
