// Pure. One scaling decision: from the pool's counts and averages, the new desired count and what to start or stop
// (original-router.md §3.3, LambdaInstanceManager.ManageCapacity, with the fixes of §9 weaknesses 13, 15, 16).
// No I/O, no timers: `nowMs` comes in, and `wakeInMs` says when the caller should ask again.
import { constrainDesiredInstances } from './constrain.js'
import { confirmScaleIn, type DeferredScaleIn, reviewScaleIn, scheduleScaleIn } from './deferred-scale-in.js'
import { ewmaDesiredInstances } from './ewma.js'
import type { ScalingPolicy } from './policy.js'
import { simpleDesiredInstances } from './simple.js'
import { fullTokenBucket, type TokenBucketLimits, type TokenBucketState, takeToken } from './token-bucket.js'

/**
 * The pool's counts at one moment, read by the scaler through its `snapshot()` hook. Instance counts are disjoint:
 * each instance whose invoke is still running is in exactly one of them.
 */
export interface ScaleSnapshot {
  /** Requests waiting in the pool's queue for a channel. */
  readonly pendingRequests: number
  /** Requests bound to a channel and not yet finished. */
  readonly runningRequests: number
  /** Invoked, not yet connected back (instance states 'initial' and 'starting'). */
  readonly startingInstances: number
  /** Connected and taking requests (state 'open'). */
  readonly openInstances: number
  /** Being retired, invoke still running (states 'draining' and 'closing'). Not counted against desired or the cap. */
  readonly stoppingInstances: number
}

/** A snapshot plus the averages of the 'ewma' algorithm (0 when unknown). */
export interface ScaleSample extends ScaleSnapshot {
  readonly requestsPerSecond: number
  readonly requestDurationMs: number
}

/** Everything the scaler remembers between decisions. Replace it with the decision's `state`; never mutate it. */
export interface ScaleState {
  readonly desiredInstances: number
  readonly deferredScaleIn: DeferredScaleIn | undefined
  readonly scaleOutBucket: TokenBucketState
  readonly scaleInBucket: TokenBucketState
  readonly lastScaleOutAtMs: number
  /** Also set by a scale-out: no scale-in right after a scale-out (as the original). */
  readonly lastScaleInAtMs: number
  /** Last sample with a request pending or running. */
  readonly lastDemandAtMs: number
}

export type ScaleAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'start'; readonly count: number }
  | { readonly kind: 'stop'; readonly count: number }

/** What a decision did, in order; for logs and tests. */
export type ScaleNote =
  | 'scale-out'
  | 'scale-out-waits'
  | 'scale-in-scheduled'
  | 'scale-in-waits'
  | 'scale-in-held-by-queue'
  | 'scale-in-raised'
  | 'scale-in-cancelled'
  | 'scale-in-applied'
  | 'start-missing'
  | 'stop-surplus'

export interface ScaleDecision {
  readonly state: ScaleState
  readonly action: ScaleAction
  /** Decide again after this long, even if nothing else happens; absent when only a change of counts matters. */
  readonly wakeInMs?: number
  /** The count this sample asked for, after the step limits and the [min, max] clamp. */
  readonly proposedInstances: number
  readonly notes: readonly ScaleNote[]
}

const NO_ACTION: ScaleAction = { kind: 'none' }

/** A pool's first state: desired at `minInstances`, full buckets, no scaling history. */
export function initialScaleState(policy: ScalingPolicy, nowMs: number): ScaleState {
  return {
    desiredInstances: policy.minInstances,
    deferredScaleIn: undefined,
    scaleOutBucket: fullTokenBucket(policy.scaleOutBucket, nowMs),
    scaleInBucket: fullTokenBucket(policy.scaleInBucket, nowMs),
    lastScaleOutAtMs: Number.NEGATIVE_INFINITY,
    lastScaleInAtMs: Number.NEGATIVE_INFINITY,
    lastDemandAtMs: Number.NEGATIVE_INFINITY,
  }
}

/**
 * The algorithm's raw proposal. 'ewma' falls back to 'simple' until both averages are known and once demand has been
 * zero for `ewmaIdleSwitchMs` (the original's scale-to-zero path). While requests queue, 'ewma' never proposes less
 * than 'simple' does: the rate average lags a burst by seconds, and a queue must not wait for it.
 */
export function proposeInstances(
  sample: ScaleSample,
  currentDesired: number,
  lastDemandAtMs: number,
  nowMs: number,
  policy: ScalingPolicy,
): number {
  const simple = simpleDesiredInstances(sample, policy)
  if (policy.algorithm === 'simple') return simple
  const idle = simple === 0 && nowMs - lastDemandAtMs >= policy.ewmaIdleSwitchMs
  if (idle || !(sample.requestsPerSecond > 0 && sample.requestDurationMs > 0)) return simple
  const ewma = ewmaDesiredInstances(
    { requestsPerSecond: sample.requestsPerSecond, durationMs: sample.requestDurationMs, currentDesired },
    policy,
  )
  return sample.pendingRequests > 0 ? Math.max(ewma, simple) : ewma
}

/**
 * Decides once. Invariants (property-tested):
 * - desired stays within [minInstances, maxInstances];
 * - a start never takes starting + open past maxInstances, and never asks for instances already starting, so calling
 *   this again before the counts change starts nothing twice (single flight);
 * - desired grows only with a scale-out token and `minScaleIntervalMs` after the last scale-out, except from 0;
 * - desired shrinks only through a deferred scale-in that no sample at or above desired, and no queued request,
 *   interrupted; scheduling it takes a scale-in token, except down to 0.
 */
export function decideScale(
  state: ScaleState,
  sample: ScaleSample,
  nowMs: number,
  policy: ScalingPolicy,
): ScaleDecision {
  const notes: ScaleNote[] = []
  const waitsMs: number[] = []
  const hasDemand = sample.pendingRequests > 0 || sample.runningRequests > 0
  let next = hasDemand ? withLastDemandAt(state, nowMs) : state

  const propose = (desired: number): number =>
    clamp(
      constrainDesiredInstances(proposeInstances(sample, desired, next.lastDemandAtMs, nowMs, policy), desired, policy),
      policy.minInstances,
      policy.maxInstances,
    )
  let proposed = propose(next.desiredInstances)

  // A waiting scale-in first meets this sample, then its deadline (original §3.3 step 7, fixed per §9 weakness 15).
  if (next.deferredScaleIn !== undefined) {
    const review = reviewScaleIn(next.deferredScaleIn, {
      proposedInstances: proposed,
      currentDesired: next.desiredInstances,
      pendingRequests: sample.pendingRequests,
    })
    if (review.kind === 'cancelled') notes.push('scale-in-cancelled')
    if (review.kind === 'raised') notes.push('scale-in-raised')
    next = { ...next, deferredScaleIn: review.kind === 'cancelled' ? undefined : review.deferred }
  }
  if (next.deferredScaleIn !== undefined) {
    const confirmation = confirmScaleIn(next.deferredScaleIn, nowMs, next.desiredInstances)
    if (confirmation.kind === 'waiting') {
      waitsMs.push(confirmation.dueInMs)
    } else {
      if (confirmation.kind === 'apply') {
        next = { ...next, desiredInstances: confirmation.desiredInstances, lastScaleInAtMs: nowMs }
        notes.push('scale-in-applied')
        // The step limits are relative to desired, which just moved: ask again from there, or a steady load that
        // wants fewer still would get no further decision until its counts change.
        proposed = propose(next.desiredInstances)
      }
      next = { ...next, deferredScaleIn: undefined }
    }
  }

  if (proposed > next.desiredInstances) {
    next = scaleOut(next, proposed, nowMs, policy, notes, waitsMs)
  } else if (proposed < next.desiredInstances && next.deferredScaleIn === undefined) {
    next = scheduleScaleInIfAllowed(next, proposed, sample.pendingRequests, nowMs, policy, notes, waitsMs)
  }

  // Act on the difference between desired and the instances that exist (original "restore missing instances" and
  // the timer's scale-in count). Starting instances count, so a repeated decision never starts them twice.
  let action: ScaleAction = NO_ACTION
  const live = sample.startingInstances + sample.openInstances
  const missing = Math.min(next.desiredInstances, policy.maxInstances) - live
  if (missing > 0) {
    action = { kind: 'start', count: missing }
    notes.push('start-missing')
    // If the pool could not start them (the invoke gate said no), look again: nothing else would wake us.
    waitsMs.push(policy.reevaluateIntervalMs)
  } else if (sample.openInstances > next.desiredInstances) {
    // Starting instances are not stopped: they cannot be asked to leave before they connect (original §3.3 step 7).
    action = { kind: 'stop', count: sample.openInstances - next.desiredInstances }
    notes.push('stop-surplus')
  }

  if (policy.algorithm === 'ewma' && !hasDemand && next.desiredInstances > policy.minInstances) {
    const untilIdleMs = next.lastDemandAtMs + policy.ewmaIdleSwitchMs - nowMs
    if (untilIdleMs > 0) waitsMs.push(untilIdleMs)
  }

  const decision: ScaleDecision = { state: next, action, proposedInstances: proposed, notes }
  return waitsMs.length === 0 ? decision : { ...decision, wakeInMs: Math.max(0, Math.min(...waitsMs)) }
}

// The gate both directions pass unless they leave or reach 0: `minScaleIntervalMs` since `lastChangeAtMs`, then a
// token. Returns the bucket after the attempt (a refill may have happened) and, when refused, how long to wait.
function passRateLimits(
  bucket: TokenBucketState,
  limits: TokenBucketLimits,
  lastChangeAtMs: number,
  nowMs: number,
  policy: ScalingPolicy,
): { bucket: TokenBucketState; waitMs: number | undefined } {
  const spacingMs = lastChangeAtMs + policy.minScaleIntervalMs - nowMs
  if (spacingMs > 0) return { bucket, waitMs: spacingMs }
  const take = takeToken(bucket, nowMs, limits)
  return { bucket: take.state, waitMs: take.taken ? undefined : take.nextTokenInMs }
}

function scaleOut(
  state: ScaleState,
  proposed: number,
  nowMs: number,
  policy: ScalingPolicy,
  notes: ScaleNote[],
  waitsMs: number[],
): ScaleState {
  let next = state
  // Scaling up from 0 is free: the first request must not wait for a token (original §3.3 step 6.4).
  if (state.desiredInstances > 0) {
    const gate = passRateLimits(state.scaleOutBucket, policy.scaleOutBucket, state.lastScaleOutAtMs, nowMs, policy)
    next = { ...next, scaleOutBucket: gate.bucket }
    if (gate.waitMs !== undefined) {
      notes.push('scale-out-waits')
      waitsMs.push(gate.waitMs)
      return next
    }
  }
  notes.push('scale-out')
  return {
    ...next,
    desiredInstances: proposed,
    deferredScaleIn: undefined,
    lastScaleOutAtMs: nowMs,
    lastScaleInAtMs: nowMs,
  }
}

function scheduleScaleInIfAllowed(
  state: ScaleState,
  proposed: number,
  pendingRequests: number,
  nowMs: number,
  policy: ScalingPolicy,
  notes: ScaleNote[],
  waitsMs: number[],
): ScaleState {
  // No scale-in while requests queue. The original checked this after taking the token, wasting it.
  if (pendingRequests > 0) {
    notes.push('scale-in-held-by-queue')
    return state
  }
  let next = state
  // Scaling down to 0 is free (original §3.3 step 6.4); it still waits out the deferral.
  if (proposed > 0) {
    const gate = passRateLimits(state.scaleInBucket, policy.scaleInBucket, state.lastScaleInAtMs, nowMs, policy)
    next = { ...next, scaleInBucket: gate.bucket }
    if (gate.waitMs !== undefined) {
      notes.push('scale-in-waits')
      waitsMs.push(gate.waitMs)
      return next
    }
  }
  notes.push('scale-in-scheduled')
  waitsMs.push(policy.scaleInDelayMs)
  return { ...next, deferredScaleIn: scheduleScaleIn(proposed, nowMs, policy.scaleInDelayMs) }
}

// The state with `lastDemandAtMs` moved, written out field by field: every scaling turn under load comes here, and in
// Node 20 `{ ...state, lastDemandAtMs }` (a spread, then a key) costs about a microsecond.
function withLastDemandAt(state: ScaleState, nowMs: number): ScaleState {
  return {
    desiredInstances: state.desiredInstances,
    deferredScaleIn: state.deferredScaleIn,
    scaleOutBucket: state.scaleOutBucket,
    scaleInBucket: state.scaleInBucket,
    lastScaleOutAtMs: state.lastScaleOutAtMs,
    lastScaleInAtMs: state.lastScaleInAtMs,
    lastDemandAtMs: nowMs,
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max)
}
