// The invoke circuit breaker: a pure reducer over plain state, plus a thin class holding it. Repeated invoke failures
// open it; after a cool-down one probe may pass; its outcome closes it or opens it again for twice as long.
// No I/O and no timers: every function takes `nowMs`.

/** 'half-open' means the cool-down is over: one probe may pass, or one is in flight. */
export type BreakerState = 'closed' | 'open' | 'half-open'

export interface BreakerPolicy {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number
  /** Failure share (0–1] among the last `ratioWindowSize` outcomes that opens it, once `minSamplesForRatio` exist. */
  readonly failureRatio: number
  readonly ratioWindowSize: number
  readonly minSamplesForRatio: number
  /** First open period; doubles after each failed probe, up to `maxCoolDownMs`. */
  readonly coolDownMs: number
  readonly maxCoolDownMs: number
}

/** The breaker's memory. Replace it with what the functions return; never mutate it. */
export interface BreakerData {
  readonly phase: 'closed' | 'open' | 'probing'
  readonly consecutiveFailures: number
  /** The last outcomes, oldest first; true = failure. */
  readonly recentFailures: readonly boolean[]
  /** Current open period (grows with failed probes). */
  readonly coolDownMs: number
  /** When 'open': when the cool-down ends. When 'probing': when the probe started. */
  readonly sinceMs: number
}

export type BreakerPass =
  | { readonly ok: true; readonly breaker: BreakerData }
  | { readonly ok: false; readonly retryInMs: number }

export function initialBreaker(policy: BreakerPolicy): BreakerData {
  return { phase: 'closed', consecutiveFailures: 0, recentFailures: [], coolDownMs: policy.coolDownMs, sinceMs: 0 }
}

/** The state as callers see it at `nowMs`. */
export function breakerStateAt(breaker: BreakerData, nowMs: number): BreakerState {
  if (breaker.phase === 'closed') return 'closed'
  if (breaker.phase === 'probing') return 'half-open'
  return nowMs >= breaker.sinceMs ? 'half-open' : 'open'
}

/** Ms until `passBreaker` would let a call through; 0 when it would now. */
export function breakerRetryInMs(breaker: BreakerData, nowMs: number): number {
  const pass = passBreaker(breaker, nowMs)
  return pass.ok ? 0 : pass.retryInMs
}

/**
 * Whether one invoke may pass at `nowMs`, and the state to keep if it does. Closed: always. Open: not before the
 * cool-down ends; then exactly one probe. While a probe is out, nothing else passes; a probe whose outcome never
 * arrives is replaced by another after one cool-down, so the breaker cannot wedge shut, and at most one invoke per
 * cool-down passes while it is not closed.
 */
export function passBreaker(breaker: BreakerData, nowMs: number): BreakerPass {
  switch (breaker.phase) {
    case 'closed':
      return { ok: true, breaker }
    case 'open':
      if (nowMs < breaker.sinceMs) return { ok: false, retryInMs: breaker.sinceMs - nowMs }
      return { ok: true, breaker: { ...breaker, phase: 'probing', sinceMs: nowMs } }
    case 'probing': {
      const nextProbeAtMs = breaker.sinceMs + breaker.coolDownMs
      if (nowMs < nextProbeAtMs) return { ok: false, retryInMs: nextProbeAtMs - nowMs }
      return { ok: true, breaker: { ...breaker, sinceMs: nowMs } }
    }
    default:
      return assertNever(breaker.phase)
  }
}

/**
 * Folds one invoke outcome in. Closed: a success resets the streak, a failure counts and may open it. Probing: the
 * outcome is the probe's; success closes it, failure opens it again with the cool-down doubled. Open: ignored.
 */
export function recordBreakerOutcome(
  breaker: BreakerData,
  outcome: 'success' | 'failure',
  nowMs: number,
  policy: BreakerPolicy,
): BreakerData {
  // While open, outcomes are late results of invokes sent before it opened: they neither extend nor end the
  // cool-down, or a failure ratio could never hold it open past the next straggling success.
  if (breaker.phase === 'open') return breaker
  if (outcome === 'success') {
    return {
      phase: 'closed',
      consecutiveFailures: 0,
      recentFailures: remember(breaker.recentFailures, false, policy),
      coolDownMs: policy.coolDownMs,
      sinceMs: nowMs,
    }
  }
  switch (breaker.phase) {
    case 'probing': {
      const coolDownMs = Math.min(policy.maxCoolDownMs, breaker.coolDownMs * 2)
      return { ...breaker, phase: 'open', coolDownMs, sinceMs: nowMs + coolDownMs }
    }
    case 'closed': {
      const consecutiveFailures = breaker.consecutiveFailures + 1
      const recentFailures = remember(breaker.recentFailures, true, policy)
      const failures = recentFailures.filter(Boolean).length
      const tripped =
        consecutiveFailures >= policy.failureThreshold ||
        (recentFailures.length >= policy.minSamplesForRatio && failures / recentFailures.length >= policy.failureRatio)
      if (!tripped) return { ...breaker, consecutiveFailures, recentFailures }
      return {
        phase: 'open',
        consecutiveFailures,
        recentFailures: [],
        coolDownMs: policy.coolDownMs,
        sinceMs: nowMs + policy.coolDownMs,
      }
    }
    default:
      return assertNever(breaker.phase)
  }
}

function remember(recent: readonly boolean[], failed: boolean, policy: BreakerPolicy): readonly boolean[] {
  const kept =
    recent.length >= policy.ratioWindowSize ? recent.slice(recent.length - policy.ratioWindowSize + 1) : recent
  return [...kept, failed]
}

function assertNever(value: never): never {
  throw new Error(`unexpected breaker phase ${String(value)}`)
}

/** Holds one breaker's state for callers that do not keep it themselves. Has no timers; close() is for symmetry. */
export class CircuitBreaker {
  readonly #policy: BreakerPolicy
  readonly #now: () => number
  #data: BreakerData

  constructor(policy: BreakerPolicy, options: { now?: () => number } = {}) {
    this.#policy = policy
    this.#now = options.now ?? (() => performance.now())
    this.#data = initialBreaker(policy)
  }

  /** Lets one call through, or says how long until one may pass. */
  tryPass(): { ok: true } | { ok: false; retryInMs: number } {
    const pass = passBreaker(this.#data, this.#now())
    if (!pass.ok) return pass
    this.#data = pass.breaker
    return { ok: true }
  }

  recordSuccess(): void {
    this.#data = recordBreakerOutcome(this.#data, 'success', this.#now(), this.#policy)
  }

  recordFailure(): void {
    this.#data = recordBreakerOutcome(this.#data, 'failure', this.#now(), this.#policy)
  }

  get state(): BreakerState {
    return breakerStateAt(this.#data, this.#now())
  }

  close(): void {}
}
