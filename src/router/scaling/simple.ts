// Pure. The "simple" scaling formula: desired instances from the requests running and waiting right now
// (original-router.md §3.4, CapacityManager.SimpleDesiredInstanceCount). No I/O, no timers.

/** Load one instance should carry: ceil(MaxConcurrentCount / InstanceCountMultiplier), e.g. ceil(10 / 2) = 5. */
export function targetRequestsPerInstance(params: {
  maxConcurrentCount: number
  instanceCountMultiplier: number
}): number {
  return Math.ceil(params.maxConcurrentCount / params.instanceCountMultiplier)
}

/**
 * Instances wanted for the current load: running requests at the target load per instance, plus one instance per
 * 2 × MaxConcurrentCount queued requests, plus 20 % headroom, rounded up. 0 when nothing runs or waits.
 * Negative counts are treated as 0, as the original did.
 */
export function simpleDesiredInstances(
  input: { pendingRequests: number; runningRequests: number },
  params: { maxConcurrentCount: number; instanceCountMultiplier: number },
): number {
  const pending = Math.max(input.pendingRequests, 0)
  const running = Math.max(input.runningRequests, 0)
  if (pending === 0 && running === 0) return 0
  const needed = running / targetRequestsPerInstance(params) + pending / params.maxConcurrentCount / 2
  // The original rounds up, then rounds 1.2 × needed up when that is larger; since ceil(1.2x) ≥ ceil(x) for x > 0,
  // that is ceil(1.2 × needed).
  return Math.max(Math.ceil(needed), Math.ceil(needed * 1.2))
}
