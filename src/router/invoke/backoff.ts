// Pure. Exponential backoff with jitter for invoke failures and throttles (original-router.md §9 weakness 14: the
// original replaced a failed instance at once, in a tight loop). No I/O, no timers; `random` comes in.

/** `full` jitter waits random × step; `equal` waits step/2 + random × step/2, so never less than half the step. */
export type BackoffJitter = 'full' | 'equal'

export interface BackoffPolicy {
  /** Step after the first failure. */
  readonly baseMs: number
  /** Largest step; the wait never exceeds it. */
  readonly maxMs: number
  readonly jitter: BackoffJitter
}

/**
 * Wait before the next try after `attempt` consecutive failures (attempt 1 = the first failure): the step
 * min(maxMs, baseMs × 2^(attempt−1)) with jitter; 0 when attempt ≤ 0. Always within [0, maxMs].
 * `random` returns [0, 1) like Math.random; values outside are clamped.
 */
export function nextBackoffMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  if (!(attempt >= 1)) return 0
  // 2^(attempt−1) overflows to Infinity for huge attempts; min() then caps it.
  const stepMs = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1))
  const r = Math.min(Math.max(random(), 0), 1)
  const waitMs = policy.jitter === 'full' ? r * stepMs : stepMs / 2 + (r * stepMs) / 2
  return Math.min(Math.max(waitMs, 0), policy.maxMs)
}
