// Pure. The deferred scale-in: a lower desired count is scheduled, confirmed only after a delay, and withdrawn when
// demand comes back (original-router.md §3.3 steps 6.7 and 7). No I/O, no timers: the scaler owns the deadline timer.

/** A scale-in waiting for its delay to pass. Replace it, never mutate it. */
export interface DeferredScaleIn {
  /** The desired count to adopt when the delay has passed. */
  readonly targetInstances: number
  readonly dueAtMs: number
}

/** What one sample did to a waiting scale-in. */
export type ScaleInReview =
  | { readonly kind: 'cancelled'; readonly why: 'demand-at-desired' | 'requests-queued' }
  | { readonly kind: 'raised'; readonly deferred: DeferredScaleIn }
  | { readonly kind: 'kept'; readonly deferred: DeferredScaleIn }

/** What the deadline check found. */
export type ScaleInConfirmation =
  | { readonly kind: 'waiting'; readonly dueInMs: number }
  | { readonly kind: 'apply'; readonly desiredInstances: number }
  | { readonly kind: 'moot' }

export function scheduleScaleIn(targetInstances: number, nowMs: number, delayMs: number): DeferredScaleIn {
  return { targetInstances, dueAtMs: nowMs + delayMs }
}

/**
 * Reviews a waiting scale-in against a new sample.
 * - A proposal at or above the current desired count cancels it, and so do queued requests. The original only
 *   cancelled on a proposal exactly equal to desired, so a smaller non-zero sample let a scale-in to 0 go
 *   through and desired flapped between 0 and N under bursty low load (original-router.md §9 weakness 15).
 * - A proposal between the target and desired raises the target to it, keeping the deadline: the scale-in goes
 *   only as low as the highest demand seen while it waited.
 * - A lower proposal keeps the target: a deeper cut needs its own decision, with its own token, after this one.
 */
export function reviewScaleIn(
  deferred: DeferredScaleIn,
  sample: { proposedInstances: number; currentDesired: number; pendingRequests: number },
): ScaleInReview {
  if (sample.pendingRequests > 0) return { kind: 'cancelled', why: 'requests-queued' }
  if (sample.proposedInstances >= sample.currentDesired) return { kind: 'cancelled', why: 'demand-at-desired' }
  if (sample.proposedInstances > deferred.targetInstances) {
    return { kind: 'raised', deferred: { ...deferred, targetInstances: sample.proposedInstances } }
  }
  return { kind: 'kept', deferred }
}

/** At or after the deadline, the target becomes desired, unless it no longer lowers anything. */
export function confirmScaleIn(deferred: DeferredScaleIn, nowMs: number, currentDesired: number): ScaleInConfirmation {
  if (nowMs < deferred.dueAtMs) return { kind: 'waiting', dueInMs: deferred.dueAtMs - nowMs }
  if (deferred.targetInstances >= currentDesired) return { kind: 'moot' }
  return { kind: 'apply', desiredInstances: deferred.targetInstances }
}
