// Cost safety in front of every invoke: a rate limit (token bucket), exponential backoff after failures and
// throttles, and a circuit breaker (DESIGN.md §3 "Cost safety"; original-router.md §9 weaknesses 13, 14, 18).
// Holds plain state, reads a clock and publishes its refusals; no I/O and no timers.
import type { RouterEvents } from '../events.js'
import {
  fullTokenBucket,
  refillTokenBucket,
  type TokenBucketState,
  takeToken,
  tokenWaitMs,
} from '../scaling/token-bucket.js'
import { type BackoffPolicy, nextBackoffMs } from './backoff.js'
import {
  type BreakerData,
  type BreakerPolicy,
  type BreakerState,
  breakerRetryInMs,
  breakerStateAt,
  initialBreaker,
  passBreaker,
  recordBreakerOutcome,
} from './circuit-breaker.js'

export interface InvokeGatePolicy {
  /** Sustained ceiling on invokes admitted, per pool. */
  readonly maxInvokesPerMinute: number
  /** Invokes admitted at once above the sustained rate (the bucket's size). */
  readonly burstInvokes: number
  /** Wait after consecutive throttles and failures. */
  readonly backoff: BackoffPolicy
  /** Opens on repeated failures (throttles only back off: the function works, AWS asked us to slow down). */
  readonly breaker: BreakerPolicy
}

/**
 * Defaults. The bound they give: at most 20 + 300 × minutes invokes per pool, whatever the Lambdas do.
 * - 300/min (5/s) sustained and a burst of 20 cover a scale-out from 0 to the default 20 instances at once and
 *   the normal replacement churn of instances reaching their deadline or idling out.
 * - Backoff 250 ms doubling to 10 s, equal jitter (never less than half the step, so the bound tightens fast). The
 *   cap equals the breaker's first cool-down: after an outage of throttles, the first invoke once Lambda accepts
 *   again goes out within one cool-down, as after an outage of failures (issue 12 item 1).
 * - Breaker: 5 consecutive failures, or half of the last 20 outcomes (at least 10), open it for 10 s, doubling per
 *   failed probe up to 2 min; while it is not closed at most one invoke per cool-down passes.
 */
export const DEFAULT_INVOKE_GATE_POLICY: InvokeGatePolicy = Object.freeze({
  maxInvokesPerMinute: 300,
  burstInvokes: 20,
  backoff: Object.freeze({ baseMs: 250, maxMs: 10_000, jitter: 'equal' }),
  breaker: Object.freeze({
    failureThreshold: 5,
    failureRatio: 0.5,
    ratioWindowSize: 20,
    minSamplesForRatio: 10,
    coolDownMs: 10_000,
    maxCoolDownMs: 120_000,
  }),
} satisfies InvokeGatePolicy)

/**
 * What became of one invoke, as the gate needs to know it. 'slow-connect' is an instance that did not connect back
 * while others of its pool did (classifyStartFailure): it backs off like 'throttled' and never opens the breaker.
 */
export type InvokeGateOutcome = 'success' | 'throttled' | 'failed' | 'never-connected' | 'slow-connect'

export type InvokeGateRefusal = {
  readonly ok: false
  readonly reason: 'rate-limit' | 'backoff' | 'circuit-open'
  /** When asking again may succeed. */
  readonly retryInMs: number
}

/** What an invoke is for: starting an instance, or the optional init-only pre-warm beside it. */
export type InvokeKind = 'instance' | 'pre_warm'

export interface InvokeGateOptions {
  readonly now?: () => number
  readonly random?: () => number
  /** Where the gate publishes `invokeRefused`, for the pool it guards. */
  readonly publishTo?: { readonly events: RouterEvents; readonly poolId: string }
}

/** Gate state for dashboards and metrics gauges. */
export interface InvokeGateView {
  readonly breakerState: BreakerState
  readonly consecutiveFailures: number
  readonly backoffRemainingMs: number
  readonly tokens: number
  /** Least time until `tryAcquire` can succeed (breaker cool-down, backoff, next token); 0 when it can now. */
  readonly nextAdmissionInMs: number
}

/** Every problem with `policy`, each naming the field; empty when valid. */
export function validateInvokeGatePolicy(policy: InvokeGatePolicy): string[] {
  const problems: string[] = []
  const positive = (name: string, value: number): void => {
    if (!Number.isFinite(value) || value <= 0) problems.push(`${name} must be a positive number, got ${value}`)
  }
  const integer = (name: string, value: number, min: number): void => {
    if (!Number.isInteger(value) || value < min) problems.push(`${name} must be an integer ≥ ${min}, got ${value}`)
  }
  positive('maxInvokesPerMinute', policy.maxInvokesPerMinute)
  integer('burstInvokes', policy.burstInvokes, 1)
  positive('backoff.baseMs', policy.backoff.baseMs)
  positive('backoff.maxMs', policy.backoff.maxMs)
  if (policy.backoff.maxMs < policy.backoff.baseMs) problems.push('backoff.maxMs must be ≥ backoff.baseMs')
  if (policy.backoff.jitter !== 'full' && policy.backoff.jitter !== 'equal') {
    problems.push(`backoff.jitter must be "full" or "equal", got "${String(policy.backoff.jitter)}"`)
  }
  integer('breaker.failureThreshold', policy.breaker.failureThreshold, 1)
  if (!(policy.breaker.failureRatio > 0 && policy.breaker.failureRatio <= 1)) {
    problems.push(`breaker.failureRatio must be in (0, 1], got ${policy.breaker.failureRatio}`)
  }
  integer('breaker.ratioWindowSize', policy.breaker.ratioWindowSize, 1)
  integer('breaker.minSamplesForRatio', policy.breaker.minSamplesForRatio, 1)
  if (policy.breaker.minSamplesForRatio > policy.breaker.ratioWindowSize) {
    problems.push('breaker.minSamplesForRatio must be ≤ breaker.ratioWindowSize')
  }
  positive('breaker.coolDownMs', policy.breaker.coolDownMs)
  positive('breaker.maxCoolDownMs', policy.breaker.maxCoolDownMs)
  if (policy.breaker.maxCoolDownMs < policy.breaker.coolDownMs) {
    problems.push('breaker.maxCoolDownMs must be ≥ breaker.coolDownMs')
  }
  return problems
}

/**
 * Asks before every invoke of one pool. The guarantee (issue 3 item 7): over any stretch of T ms it admits at most
 * burstInvokes + ceil(T × maxInvokesPerMinute / 60 000) invokes, even when every invoke fails or never connects
 * back; backoff and the breaker only admit fewer. Callers must report every admitted invoke's outcome once:
 * 'success' when the instance connected back, 'never-connected' when its start timeout passed, 'throttled' or
 * 'failed' when the invoke itself said so.
 */
export class InvokeGate {
  readonly #policy: InvokeGatePolicy
  readonly #bucket: { readonly capacity: number; readonly refillIntervalMs: number }
  readonly #now: () => number
  readonly #random: () => number
  readonly #publishTo: InvokeGateOptions['publishTo']
  #tokens: TokenBucketState
  #breaker: BreakerData
  #consecutiveFailures = 0
  #backoffUntilMs = Number.NEGATIVE_INFINITY

  constructor(policy: InvokeGatePolicy, options: InvokeGateOptions = {}) {
    this.#policy = policy
    this.#publishTo = options.publishTo
    this.#bucket = { capacity: policy.burstInvokes, refillIntervalMs: 60_000 / policy.maxInvokesPerMinute }
    this.#now = options.now ?? (() => performance.now())
    this.#random = options.random ?? Math.random
    this.#tokens = fullTokenBucket(this.#bucket, this.#now())
    this.#breaker = initialBreaker(policy.breaker)
  }

  /**
   * Admits one invoke, or says why not and when to ask again. Admission consumes a token (and the probe slot).
   * `fromBucket: false` skips the token, never the breaker or the backoff: the pool passes it only to replace an
   * instance it keeps for MinInstances that lived at least half its function timeout, which bounds those invokes by
   * 2 × MinInstances per function timeout on top of the bucket's bound (issue 12 item 3: a kept instance reaching
   * its deadline must not leave a burst without tokens). A refused instance start is published as `invokeRefused`; a
   * pre-warm is optional, so its refusal is no event (and counts as no refusal).
   */
  tryAcquire(
    options: { readonly fromBucket?: boolean; readonly kind?: InvokeKind } = {},
  ): { ok: true } | InvokeGateRefusal {
    const admission = this.#admit(options.fromBucket !== false)
    if (!admission.ok && options.kind !== 'pre_warm' && this.#publishTo) {
      const { events, poolId } = this.#publishTo
      events.invokeRefused.publish({ poolId, reason: admission.reason, retryInMs: admission.retryInMs })
    }
    return admission
  }

  #admit(fromBucket: boolean): { ok: true } | InvokeGateRefusal {
    const nowMs = this.#now()
    const pass = passBreaker(this.#breaker, nowMs)
    if (!pass.ok) return { ok: false, reason: 'circuit-open', retryInMs: pass.retryInMs }
    if (nowMs < this.#backoffUntilMs) return { ok: false, reason: 'backoff', retryInMs: this.#backoffUntilMs - nowMs }
    if (!fromBucket) {
      this.#breaker = pass.breaker
      return { ok: true }
    }
    const take = takeToken(this.#tokens, nowMs, this.#bucket)
    this.#tokens = take.state
    if (!take.taken) return { ok: false, reason: 'rate-limit', retryInMs: take.nextTokenInMs }
    this.#breaker = pass.breaker
    return { ok: true }
  }

  /** Reports what became of one admitted invoke. */
  recordOutcome(outcome: InvokeGateOutcome): void {
    const nowMs = this.#now()
    if (outcome === 'success') {
      this.#consecutiveFailures = 0
      this.#backoffUntilMs = Number.NEGATIVE_INFINITY
      this.#breaker = recordBreakerOutcome(this.#breaker, 'success', nowMs, this.#policy.breaker)
      return
    }
    this.#consecutiveFailures += 1
    const waitMs = nextBackoffMs(this.#consecutiveFailures, this.#policy.backoff, this.#random)
    this.#backoffUntilMs = Math.max(this.#backoffUntilMs, nowMs + waitMs)
    if (outcome !== 'throttled' && outcome !== 'slow-connect') {
      this.#breaker = recordBreakerOutcome(this.#breaker, 'failure', nowMs, this.#policy.breaker)
    }
  }

  get breakerState(): BreakerState {
    return breakerStateAt(this.#breaker, this.#now())
  }

  get view(): InvokeGateView {
    const nowMs = this.#now()
    const tokens = refillTokenBucket(this.#tokens, nowMs, this.#bucket)
    const backoffRemainingMs = Math.max(0, this.#backoffUntilMs - nowMs)
    return {
      breakerState: breakerStateAt(this.#breaker, nowMs),
      consecutiveFailures: this.#consecutiveFailures,
      backoffRemainingMs,
      tokens: tokens.tokens,
      nextAdmissionInMs: Math.max(
        breakerRetryInMs(this.#breaker, nowMs),
        backoffRemainingMs,
        tokenWaitMs(tokens, nowMs, this.#bucket),
      ),
    }
  }

  /** The gate holds no timers or sockets; close() exists so a pool can close all its parts alike. */
  close(): void {}
}
