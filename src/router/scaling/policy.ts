// The knobs of one pool's scaler, their defaults, and their validation. Pure data: no I/O, no timers.
// Defaults follow the original's constants (original-router.md §3.3, §3.4); the new bounds say why they exist.
import type { TokenBucketLimits } from './token-bucket.js'

/** Which formula proposes the desired instance count (original-router.md §3.4, §3.5). */
export type ScalingAlgorithm = 'simple' | 'ewma'

export type { TokenBucketLimits } from './token-bucket.js'

/** Settings of one pool's scaler. Validated once by `validateScalingPolicy`; the scaling code assumes valid values. */
export interface ScalingPolicy {
  readonly algorithm: ScalingAlgorithm
  /** Requests one instance serves at once (`MaxConcurrentCount`, 1–100). */
  readonly maxConcurrentCount: number
  /** Target load per instance is ceil(maxConcurrentCount / instanceCountMultiplier) (`InstanceCountMultiplier`, 1–10). */
  readonly instanceCountMultiplier: number
  /** Desired never drops below this; the scaler keeps this many instances up even with no traffic. */
  readonly minInstances: number
  /** Hard cap on instances that are starting or serving. Desired never exceeds it and no start goes past it. */
  readonly maxInstances: number
  /** Floor of the largest scale-out step (the step is max(maxScaleOut, ceil(desired × maxScaleOutRatio))). */
  readonly maxScaleOut: number
  readonly maxScaleOutRatio: number
  /** Floor of the largest scale-in step; the original reused maxScaleOut here (original-router.md §9 weakness 16). */
  readonly maxScaleIn: number
  readonly maxScaleInRatio: number
  /** Limits how often desired may grow (scaling up from 0 takes no token). */
  readonly scaleOutBucket: TokenBucketLimits
  /** Limits how often a scale-in may be scheduled (scaling down to 0 takes no token). */
  readonly scaleInBucket: TokenBucketLimits
  /** A scale-in waits this long and is cancelled if a sample at or above the current desired count arrives meanwhile. */
  readonly scaleInDelayMs: number
  /** Least time between two changes of desired in the same direction, and between a scale-out and a scale-in. */
  readonly minScaleIntervalMs: number
  /** How often the scaler looks again while instances it asked for are missing (for example, invokes refused). */
  readonly reevaluateIntervalMs: number
  /** EWMA tick: arrivals and completions are bucketed per tick (original WeightedAverage: 100 ms). */
  readonly ewmaTickMs: number
  /** Time constant of the request-rate EWMA (original: 5 s). */
  readonly rateWindowMs: number
  /** Time constant of the request-duration EWMA (original: 5 s). */
  readonly durationWindowMs: number
  /** With 'ewma', zero demand for this long hands the decision back to 'simple', which can reach 0 (original: 100 ms). */
  readonly ewmaIdleSwitchMs: number
}

/**
 * The original's constants (`LambdaInstanceManager.ManageCapacity`, original-router.md §3.3) plus our bounds.
 * - `maxInstances` 20: the original's published comparison ran 20 dispatch instances against 100 direct ones for the
 *   same load (original-router.md §8.3); 20 × MaxConcurrentCount 10 = 200 requests in flight per router and pool,
 *   and it keeps the worst-case bill of a runaway pool at 20 concurrent executions. Raise it deliberately.
 * - `maxScaleIn` 1: scale-in steps are then governed by `maxScaleInRatio` (33 %), one at a time below 4 instances;
 *   scaling to 0 stays a single step.
 * - `reevaluateIntervalMs` 1 s: how soon refused or failed starts are asked for again; the invoke gate decides
 *   whether they actually happen.
 */
export const DEFAULT_SCALING_POLICY: ScalingPolicy = Object.freeze({
  algorithm: 'simple',
  maxConcurrentCount: 10,
  instanceCountMultiplier: 2,
  minInstances: 0,
  maxInstances: 20,
  maxScaleOut: 5,
  maxScaleOutRatio: 0.33,
  maxScaleIn: 1,
  maxScaleInRatio: 0.33,
  scaleOutBucket: Object.freeze({ capacity: 5, refillIntervalMs: 1000 }),
  scaleInBucket: Object.freeze({ capacity: 2, refillIntervalMs: 5000 }),
  scaleInDelayMs: 300,
  minScaleIntervalMs: 2000,
  reevaluateIntervalMs: 1000,
  ewmaTickMs: 100,
  rateWindowMs: 5000,
  durationWindowMs: 5000,
  ewmaIdleSwitchMs: 100,
} satisfies ScalingPolicy)

/**
 * Every problem with `policy`, each naming the field, its value and the accepted form; empty when valid.
 * The config loader turns a non-empty list into one ConfigError (STYLE.md §8).
 */
export function validateScalingPolicy(policy: ScalingPolicy): string[] {
  const problems: string[] = []
  const integer = (name: string, value: number, min: number, max: number): void => {
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer ${min}–${max}, got ${value}`)
    }
  }
  const ratio = (name: string, value: number): void => {
    if (!Number.isFinite(value) || value < 0 || value > 10) problems.push(`${name} must be a number 0–10, got ${value}`)
  }
  const positiveMs = (name: string, value: number): void => {
    if (!Number.isFinite(value) || value <= 0) problems.push(`${name} must be a positive number of ms, got ${value}`)
  }
  const nonNegativeMs = (name: string, value: number): void => {
    if (!Number.isFinite(value) || value < 0) problems.push(`${name} must be a number of ms ≥ 0, got ${value}`)
  }
  if (policy.algorithm !== 'simple' && policy.algorithm !== 'ewma') {
    problems.push(`algorithm must be "simple" or "ewma", got "${String(policy.algorithm)}"`)
  }
  integer('maxConcurrentCount', policy.maxConcurrentCount, 1, 100)
  integer('instanceCountMultiplier', policy.instanceCountMultiplier, 1, 10)
  integer('minInstances', policy.minInstances, 0, 10_000)
  integer('maxInstances', policy.maxInstances, 1, 10_000)
  if (policy.minInstances > policy.maxInstances) {
    problems.push(`minInstances (${policy.minInstances}) must not exceed maxInstances (${policy.maxInstances})`)
  }
  integer('maxScaleOut', policy.maxScaleOut, 0, 10_000)
  integer('maxScaleIn', policy.maxScaleIn, 0, 10_000)
  ratio('maxScaleOutRatio', policy.maxScaleOutRatio)
  ratio('maxScaleInRatio', policy.maxScaleInRatio)
  if (policy.maxScaleOut === 0 && policy.maxScaleOutRatio === 0) {
    problems.push('maxScaleOut and maxScaleOutRatio must not both be 0: the pool could never grow past 0')
  }
  for (const [name, bucket] of [
    ['scaleOutBucket', policy.scaleOutBucket],
    ['scaleInBucket', policy.scaleInBucket],
  ] as const) {
    integer(`${name}.capacity`, bucket.capacity, 1, 10_000)
    positiveMs(`${name}.refillIntervalMs`, bucket.refillIntervalMs)
  }
  nonNegativeMs('scaleInDelayMs', policy.scaleInDelayMs)
  nonNegativeMs('minScaleIntervalMs', policy.minScaleIntervalMs)
  for (const name of [
    'reevaluateIntervalMs',
    'ewmaTickMs',
    'rateWindowMs',
    'durationWindowMs',
    'ewmaIdleSwitchMs',
  ] as const) {
    positiveMs(name, policy[name])
  }
  return problems
}
