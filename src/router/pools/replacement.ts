// Pure. How long a Lambda-initiated close keeps its instance serving while the replacement starts (original
// LambdaInstance.Close, original-protocol.md §6.2). No I/O, no timers.

/** Instances younger than this closed for idleness, not their deadline: no replacement wait. */
export const REPLACEMENT_WAIT_MIN_AGE_MS = 10_000
/** Upper bound of the wait. */
export const REPLACEMENT_WAIT_MAX_MS = 5_000

/**
 * `min(0.1 × age, 5 s)` when a replacement is being started and the instance is older than 10 s; 0 otherwise. The
 * pool also retires the instance as soon as a replacement opens, so this is an upper bound, not a sleep.
 */
export function replacementWaitMs(ageMs: number, replacing: boolean): number {
  if (!replacing || ageMs <= REPLACEMENT_WAIT_MIN_AGE_MS) return 0
  return Math.min(Math.floor(ageMs * 0.1), REPLACEMENT_WAIT_MAX_MS)
}
