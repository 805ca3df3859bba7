// Owns one pool's scaling state and the few timers scaling needs: a coalesced re-evaluation after counts change, and
// one wake-up for the earliest deadline a decision named (deferred scale-in, next token, missing instances, EWMA idle).
// Touches nothing but its hooks: the pool reads counts and starts or stops instances. close() clears every timer;
// the timers are not unref'd, so a scaler left unclosed shows up as a test or process that does not end.
import { createSilentLogger, type Logger } from '../../common/index.js'
import {
  decideScale,
  initialScaleState,
  type ScaleDecision,
  type ScaleSample,
  type ScaleSnapshot,
  type ScaleState,
} from './decide.js'
import { addTally, advanceEwma, type EwmaState, initialEwmaState, isTickOver } from './ewma.js'
import type { ScalingPolicy } from './policy.js'

export type { ScaleSnapshot } from './decide.js'

/**
 * What the scaler needs from its pool. Called only from the scaler's own event-loop turns, never re-entrantly.
 * - `snapshot()` must be cheap and current (derived counts, STYLE.md §4).
 * - `startInstances(count)` creates `count` instances and invokes them, asking the invoke gate first. Instances it
 *   creates must show in the next snapshot as `startingInstances`; that is what makes starts single-flight. Starts
 *   the gate refuses simply do not happen; the scaler asks again later.
 * - `stopInstances(count)` retires that many open instances, least busy first (goaway, as the original's scale-in).
 * Hooks must not throw; if one does, the scaler logs it and carries on.
 */
export interface ScalerHooks {
  snapshot(): ScaleSnapshot
  startInstances(count: number): void
  stopInstances(count: number): void
}

export interface ScalerOptions {
  /** Monotonic clock in ms; `performance.now` by default. */
  now?: () => number
  logger?: Logger
}

/** Scaler state for dashboards and metrics gauges (read at scrape time). */
export interface ScalerView {
  readonly desiredInstances: number
  readonly requestsPerSecond: number
  readonly requestDurationMs: number
  /** The desired count a waiting scale-in will adopt, if one is waiting. */
  readonly pendingScaleInTarget: number | undefined
}

/**
 * Decides how many instances a pool wants, whenever its counts change, and drives the pool's hooks.
 * Event-driven: `notify()` schedules one decision on the next turn however many times it is called in this one;
 * timers exist only for deadlines a decision named. A new scaler brings the pool up to `minInstances` on its first
 * turn. The scaler never starts instances past `maxInstances`.
 */
export class Scaler {
  readonly #policy: ScalingPolicy
  readonly #hooks: ScalerHooks
  readonly #now: () => number
  readonly #logger: Logger
  #state: ScaleState
  #ewma: EwmaState
  // Arrivals and completions of the tick being filled, counted as plain numbers and added to #ewma (addTally) only
  // once the tick is over, so #ewma's own tick counts are always 0 and the duration sum is added up in the same order
  // as addArrival/addCompletion per event would: the same averages, without a new state object per request.
  #tickArrivals = 0
  #tickCompletions = 0
  #tickDurationSumMs = 0
  #pendingTurn: NodeJS.Immediate | undefined
  #wakeTimer: NodeJS.Timeout | undefined
  #wakeAtMs = Number.POSITIVE_INFINITY
  #closed = false

  constructor(policy: ScalingPolicy, hooks: ScalerHooks, options: ScalerOptions = {}) {
    this.#policy = policy
    this.#hooks = hooks
    this.#now = options.now ?? (() => performance.now())
    this.#logger = options.logger ?? createSilentLogger()
    const nowMs = this.#now()
    this.#state = initialScaleState(policy, nowMs)
    this.#ewma = initialEwmaState(nowMs)
    if (policy.minInstances > 0) this.notify()
  }

  /** A client request reached the pool: feeds the rate average, then re-evaluates. */
  recordArrival(): void {
    if (this.#closed) return
    const nowMs = this.#now()
    if (isTickOver(this.#ewma, nowMs, this.#policy)) this.#foldTally(nowMs)
    this.#tickArrivals++
    this.notify()
  }

  /** A request finished after `durationMs`: feeds the duration average, then re-evaluates. */
  recordCompletion(durationMs: number): void {
    if (this.#closed) return
    const nowMs = this.#now()
    if (isTickOver(this.#ewma, nowMs, this.#policy)) this.#foldTally(nowMs)
    this.#tickCompletions++
    this.#tickDurationSumMs += Math.max(durationMs, 0)
    this.notify()
  }

  /** The pool's counts changed (queue, running, instance states): decide again on the next turn, once. */
  notify(): void {
    if (this.#closed || this.#pendingTurn !== undefined) return
    this.#pendingTurn = setImmediate(() => {
      this.#pendingTurn = undefined
      this.#evaluate()
    })
  }

  get desiredInstances(): number {
    return this.#state.desiredInstances
  }

  get view(): ScalerView {
    const ewma = advanceEwma(this.#withTally(), this.#now(), this.#policy)
    return {
      desiredInstances: this.#state.desiredInstances,
      requestsPerSecond: ewma.requestsPerSecond,
      requestDurationMs: ewma.durationMs,
      pendingScaleInTarget: this.#state.deferredScaleIn?.targetInstances,
    }
  }

  /** Stops deciding and clears every timer; hooks are never called afterwards. Idempotent. */
  close(): void {
    this.#closed = true
    if (this.#pendingTurn !== undefined) clearImmediate(this.#pendingTurn)
    this.#pendingTurn = undefined
    this.#clearWake()
  }

  #evaluate(): void {
    if (this.#closed) return
    const nowMs = this.#now()
    if (isTickOver(this.#ewma, nowMs, this.#policy)) this.#foldTally(nowMs)
    let decision: ScaleDecision
    try {
      const snapshot = this.#hooks.snapshot()
      // Field by field: in Node 20, spreading an object and adding keys (`{ ...snapshot, key }`) costs about a
      // microsecond a key, and this runs on every turn that saw a request (docs/performance.md, round 2).
      const sample: ScaleSample = {
        pendingRequests: snapshot.pendingRequests,
        runningRequests: snapshot.runningRequests,
        startingInstances: snapshot.startingInstances,
        openInstances: snapshot.openInstances,
        stoppingInstances: snapshot.stoppingInstances,
        requestsPerSecond: this.#ewma.requestsPerSecond,
        requestDurationMs: this.#ewma.durationMs,
      }
      decision = decideScale(this.#state, sample, nowMs, this.#policy)
    } catch (err) {
      this.#logger.error({ err }, 'scaling decision failed; waiting for the next change')
      return
    }
    const previousDesired = this.#state.desiredInstances
    this.#state = decision.state
    if (decision.state.desiredInstances !== previousDesired || decision.action.kind !== 'none') {
      this.#logger.debug(
        {
          desiredInstances: decision.state.desiredInstances,
          previousDesiredInstances: previousDesired,
          proposedInstances: decision.proposedInstances,
          action: decision.action,
          notes: decision.notes,
        },
        'scaling decision',
      )
    }
    this.#act(decision)
    this.#armWake(decision.wakeInMs, nowMs)
  }

  #withTally(): EwmaState {
    return addTally(this.#ewma, this.#tickArrivals, this.#tickCompletions, this.#tickDurationSumMs)
  }

  // Adds the counted events to the averages' state and closes every tick that ended by `nowMs` (only called once
  // the tick being filled is over; see #tickArrivals).
  #foldTally(nowMs: number): void {
    this.#ewma = advanceEwma(this.#withTally(), nowMs, this.#policy)
    this.#tickArrivals = 0
    this.#tickCompletions = 0
    this.#tickDurationSumMs = 0
  }

  #act(decision: ScaleDecision): void {
    const { action } = decision
    if (action.kind === 'none') return
    try {
      if (action.kind === 'start') this.#hooks.startInstances(action.count)
      else this.#hooks.stopInstances(action.count)
    } catch (err) {
      this.#logger.error({ err, action }, 'scaling hook threw')
    }
  }

  // One timer for the earliest deadline. A later decision that needs an earlier wake-up replaces it; one that needs
  // none leaves it, since the deadline it was set for may still matter and a spare evaluation is harmless.
  #armWake(wakeInMs: number | undefined, nowMs: number): void {
    if (this.#closed || wakeInMs === undefined) return
    const wakeAtMs = nowMs + wakeInMs
    if (this.#wakeTimer !== undefined && this.#wakeAtMs <= wakeAtMs) return
    this.#clearWake()
    this.#wakeAtMs = wakeAtMs
    this.#wakeTimer = setTimeout(() => {
      this.#wakeTimer = undefined
      this.#wakeAtMs = Number.POSITIVE_INFINITY
      this.#evaluate()
    }, Math.ceil(wakeInMs))
  }

  #clearWake(): void {
    if (this.#wakeTimer !== undefined) clearTimeout(this.#wakeTimer)
    this.#wakeTimer = undefined
    this.#wakeAtMs = Number.POSITIVE_INFINITY
  }
}
