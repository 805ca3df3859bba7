// Pure. Limits how far one scaling decision may move the desired instance count
// (original-router.md §3.6, CapacityManager.ConstrainDesiredInstanceCount). No I/O, no timers.

/** Largest steps of one decision: the step is the larger of the floor and ceil(current × ratio). */
export interface ScaleStepLimits {
  readonly maxScaleOut: number
  readonly maxScaleOutRatio: number
  readonly maxScaleInRatio: number
  /** Floor of the scale-in step. The original floored it with maxScaleOut (original-router.md §9 weakness 16). */
  readonly maxScaleIn: number
}

/**
 * `proposed` moved at most one step away from `current`: up by max(maxScaleOut, ceil(current × maxScaleOutRatio)),
 * down by max(maxScaleIn, ceil(current × maxScaleInRatio)). A proposal of 0 always passes: scaling to zero is
 * one decision, as in the original.
 */
export function constrainDesiredInstances(proposed: number, current: number, limits: ScaleStepLimits): number {
  if (proposed === 0) return 0
  const maxUp = Math.max(limits.maxScaleOut, Math.ceil(current * limits.maxScaleOutRatio))
  const maxDown = Math.max(limits.maxScaleIn, Math.ceil(current * limits.maxScaleInRatio))
  if (proposed - current > maxUp) return current + maxUp
  if (current - proposed > maxDown) return current - maxDown
  return proposed
}
