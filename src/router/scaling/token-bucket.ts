// Pure. A token bucket as plain state: `capacity` tokens at most, one more every `refillIntervalMs`
// (original TokenBucket.cs refilled from a timer; here the refill is computed from elapsed time, so there is no timer).
// No I/O, no timers.

/** Tokens left and the time the count was last brought up to date. Replace it, never mutate it. */
export interface TokenBucketState {
  readonly tokens: number
  readonly updatedAtMs: number
}

/** A bucket's shape: at most `capacity` tokens, one more every `refillIntervalMs`. */
export interface TokenBucketLimits {
  readonly capacity: number
  readonly refillIntervalMs: number
}

/** What one take did, and how long until the next token (0 while tokens remain). */
export interface TakeTokenResult {
  readonly taken: boolean
  readonly state: TokenBucketState
  readonly nextTokenInMs: number
}

/** A full bucket: the original pre-fills its buckets, so the first bursts need not wait. */
export function fullTokenBucket(limits: TokenBucketLimits, nowMs: number): TokenBucketState {
  return { tokens: limits.capacity, updatedAtMs: nowMs }
}

/**
 * Adds the tokens whole intervals since `updatedAtMs` earned. A partly elapsed interval is kept for the next call,
 * so calling often never loses refill time; a full bucket earns nothing, as a full bounded channel dropped writes.
 */
export function refillTokenBucket(state: TokenBucketState, nowMs: number, limits: TokenBucketLimits): TokenBucketState {
  if (state.tokens >= limits.capacity)
    return { tokens: limits.capacity, updatedAtMs: Math.max(nowMs, state.updatedAtMs) }
  const earned = Math.floor((nowMs - state.updatedAtMs) / limits.refillIntervalMs)
  if (earned <= 0) return state
  const tokens = Math.min(limits.capacity, state.tokens + earned)
  return {
    tokens,
    updatedAtMs: tokens >= limits.capacity ? nowMs : state.updatedAtMs + earned * limits.refillIntervalMs,
  }
}

/** Ms from `nowMs` until `state` (already refilled at `nowMs`) has a token; 0 when it has one. */
export function tokenWaitMs(state: TokenBucketState, nowMs: number, limits: TokenBucketLimits): number {
  if (state.tokens >= 1) return 0
  return Math.max(0, state.updatedAtMs + limits.refillIntervalMs - nowMs)
}

/** Takes one token when there is one. Never admits more than capacity + (elapsed / refillIntervalMs) tokens. */
export function takeToken(state: TokenBucketState, nowMs: number, limits: TokenBucketLimits): TakeTokenResult {
  const refilled = refillTokenBucket(state, nowMs, limits)
  if (refilled.tokens < 1) {
    return { taken: false, state: refilled, nextTokenInMs: tokenWaitMs(refilled, nowMs, limits) }
  }
  // A full bucket starts earning again from the moment it stops being full.
  const after: TokenBucketState = {
    tokens: refilled.tokens - 1,
    updatedAtMs: refilled.tokens >= limits.capacity ? nowMs : refilled.updatedAtMs,
  }
  return { taken: true, state: after, nextTokenInMs: tokenWaitMs(after, nowMs, limits) }
}
