// How long a client may take over its request body once a channel reads it: a total deadline, and a minimum data
// rate with a grace period (Kestrel's MinRequestBodyDataRate: 240 B/s, 5 s grace). Pure functions and one small
// stateful clock; no I/O, no timers.
import { RequestBodyTimeoutError, RequestBodyTooSlowError } from '../errors.js'

/** Bounds on receiving one request body, counted from when the router starts relaying it into a channel. */
export interface RequestBodyLimits {
  /** The whole body must have arrived within this; 0 turns it off. */
  readonly timeoutMs: number
  /** Minimum sustained rate; 0 turns it off. */
  readonly minBytesPerSecond: number
  /** Time allowed before the rate applies, and the most credit fast sending can buy (the rate's window). */
  readonly minRateGraceMs: number
}

/** The first rate deadline: the grace period from the start of the upload. */
export function firstRateDeadlineMs(startMs: number, limits: RequestBodyLimits): number {
  return startMs + limits.minRateGraceMs
}

/**
 * The rate deadline after `bytes` arrived at `nowMs`: each byte buys 1 / minBytesPerSecond seconds, but credit never
 * reaches further than one grace period ahead. So a client must keep sending at the minimum rate, measured over a
 * window of the grace period: a fast start does not pay for a trickle later (a cumulative average would let 1 MB
 * sent at once hold a channel for over an hour at 1 byte every few seconds).
 */
export function nextRateDeadlineMs(
  deadlineMs: number,
  nowMs: number,
  bytes: number,
  limits: RequestBodyLimits,
): number {
  const credited = Math.max(deadlineMs, nowMs) + (bytes * 1000) / limits.minBytesPerSecond
  return Math.min(credited, nowMs + limits.minRateGraceMs)
}

/**
 * The two request-body limits of one exchange, as deadlines that arriving bytes move (the exchange owns the one
 * timer). The rate stops counting while the router itself holds the body back (the channel's write buffer is full):
 * a slow app must not be blamed on the client. No I/O, no timers.
 */
export class RequestBodyClock {
  readonly #limits: RequestBodyLimits
  readonly #deadlineMs: number
  #rateDeadlineMs: number
  #pausedAtMs: number | undefined

  /** `nowMs`: when the router starts relaying the body into a channel. */
  constructor(limits: RequestBodyLimits, nowMs: number) {
    this.#limits = limits
    this.#deadlineMs = limits.timeoutMs > 0 ? nowMs + limits.timeoutMs : Number.POSITIVE_INFINITY
    this.#rateDeadlineMs = limits.minBytesPerSecond > 0 ? firstRateDeadlineMs(nowMs, limits) : Number.POSITIVE_INFINITY
  }

  onBytes(bytes: number, nowMs: number): void {
    if (this.#limits.minBytesPerSecond > 0) {
      this.#rateDeadlineMs = nextRateDeadlineMs(this.#rateDeadlineMs, nowMs, bytes, this.#limits)
    }
  }

  /** The router stopped reading the body (back-pressure). */
  pause(nowMs: number): void {
    this.#pausedAtMs ??= nowMs
  }

  /** The router reads the body again; the time it held it back is not the client's. */
  resume(nowMs: number): void {
    if (this.#pausedAtMs === undefined) return
    this.#rateDeadlineMs += nowMs - this.#pausedAtMs
    this.#pausedAtMs = undefined
  }

  /** The earliest time a limit may run out; infinite when none applies now. */
  get dueMs(): number {
    return Math.min(this.#deadlineMs, this.#pausedAtMs === undefined ? this.#rateDeadlineMs : Number.POSITIVE_INFINITY)
  }

  /** Which limit has run out by `nowMs`, if any. */
  expired(nowMs: number): 'timeout' | 'too-slow' | undefined {
    if (nowMs >= this.#deadlineMs) return 'timeout'
    if (this.#pausedAtMs === undefined && nowMs >= this.#rateDeadlineMs) return 'too-slow'
    return undefined
  }
}

/** The client's error when its upload expired: the total deadline passed (`timeout`) or it fell below the rate. */
export function requestBodyError(
  expired: 'timeout' | 'too-slow',
  requestId: string,
  limits: RequestBodyLimits,
  receivedBytes: number,
): RequestBodyTimeoutError | RequestBodyTooSlowError {
  return expired === 'timeout'
    ? new RequestBodyTimeoutError(requestId, limits.timeoutMs, receivedBytes)
    : new RequestBodyTooSlowError(requestId, limits.minBytesPerSecond, receivedBytes)
}
