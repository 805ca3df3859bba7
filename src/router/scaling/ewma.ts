// Pure. The "ewma" scaling formula (original-router.md §3.5, CapacityManager.EwmaDesiredInstanceCount) and the
// request-rate and request-duration averages it reads, as a reducer over plain state taking `nowMs`.
// No I/O, no timers: time only moves when a caller passes a later `nowMs`.
import { targetRequestsPerInstance } from './simple.js'

/**
 * Instances wanted for a steady request rate by Little's law: rate × duration is the number of requests in flight;
 * divided by the target load per instance, plus 20 % headroom. Durations under 2 ms count as 2 ms, as in the original.
 * One-step hysteresis: a result exactly one below `currentDesired` keeps `currentDesired`.
 */
export function ewmaDesiredInstances(
  input: { requestsPerSecond: number; durationMs: number; currentDesired: number },
  params: { maxConcurrentCount: number; instanceCountMultiplier: number },
): number {
  // No traffic needs no instance (and keeps a degenerate MaxConcurrentCount of 0 from producing NaN).
  const desired =
    input.requestsPerSecond > 0
      ? Math.ceil(
          (input.requestsPerSecond / ((1000 / Math.max(2, input.durationMs)) * targetRequestsPerInstance(params))) *
            1.2,
        )
      : 0
  return desired === input.currentDesired - 1 ? input.currentDesired : desired
}

/** Time constants of the two averages; see ScalingPolicy. */
export interface EwmaSettings {
  readonly ewmaTickMs: number
  readonly rateWindowMs: number
  readonly durationWindowMs: number
}

/** The averages plus the tick being filled. Replace it with what the functions below return; never mutate it. */
export interface EwmaState {
  /** Requests per second, averaged. */
  readonly requestsPerSecond: number
  /** Mean request duration in ms, averaged over ticks that had completions; 0 until the first completion. */
  readonly durationMs: number
  /** Start of the tick being filled. */
  readonly tickStartMs: number
  readonly tickArrivals: number
  readonly tickCompletions: number
  readonly tickDurationSumMs: number
}

/** Weight of one tick in an EWMA with time constant `windowMs`: 1 − e^(−tick/window) (original WeightedAverage). */
export function ewmaAlpha(tickMs: number, windowMs: number): number {
  return 1 - Math.exp(-tickMs / windowMs)
}

/**
 * Folds `emptyTicksAfter + 1` ticks into a rate average: one tick with `count` events, then empty ones.
 * Empty ticks are real zeros for a rate: no arrivals means the rate fell.
 */
export function updateRateEwma(
  previousPerSecond: number,
  count: number,
  tickMs: number,
  alpha: number,
  emptyTicksAfter = 0,
): number {
  const withTick = alpha * (count / (tickMs / 1000)) + (1 - alpha) * previousPerSecond
  return withTick * (1 - alpha) ** emptyTicksAfter
}

/**
 * Folds one tick into a duration average. A tick with no completions leaves the average as it is: the original
 * averaged a 0 in, which pulled the duration toward 0 whenever fewer than ~10 requests finished per second
 * (original-router.md §9 weakness 17). The first tick with completions seeds the average instead of being
 * weighted against a made-up 0.
 */
export function updateDurationEwma(
  previousMs: number,
  hasPrevious: boolean,
  sumMs: number,
  count: number,
  alpha: number,
): number {
  if (count <= 0) return previousMs
  const meanMs = sumMs / count
  return hasPrevious ? alpha * meanMs + (1 - alpha) * previousMs : meanMs
}

export function initialEwmaState(nowMs: number): EwmaState {
  return {
    requestsPerSecond: 0,
    durationMs: 0,
    tickStartMs: nowMs,
    tickArrivals: 0,
    tickCompletions: 0,
    tickDurationSumMs: 0,
  }
}

/** Closes every whole tick that ended by `nowMs`; O(1) however long the pool was idle. */
export function advanceEwma(state: EwmaState, nowMs: number, settings: EwmaSettings): EwmaState {
  const ticks = Math.floor((nowMs - state.tickStartMs) / settings.ewmaTickMs)
  if (ticks < 1) return state
  const rateAlpha = ewmaAlpha(settings.ewmaTickMs, settings.rateWindowMs)
  const durationAlpha = ewmaAlpha(settings.ewmaTickMs, settings.durationWindowMs)
  return {
    requestsPerSecond: updateRateEwma(
      state.requestsPerSecond,
      state.tickArrivals,
      settings.ewmaTickMs,
      rateAlpha,
      ticks - 1,
    ),
    durationMs: updateDurationEwma(
      state.durationMs,
      state.durationMs > 0,
      state.tickDurationSumMs,
      state.tickCompletions,
      durationAlpha,
    ),
    tickStartMs: state.tickStartMs + ticks * settings.ewmaTickMs,
    tickArrivals: 0,
    tickCompletions: 0,
    tickDurationSumMs: 0,
  }
}

/**
 * Adds events of the tick being filled that a caller counted apart, as plain numbers, since the state was last
 * advanced (cheaper on a request path than a new state per event). Fold them in before the tick ends: with
 * `advanceEwma(addTally(state, …), nowMs, settings)` once `isTickOver(state, nowMs, settings)`.
 */
export function addTally(state: EwmaState, arrivals: number, completions: number, durationSumMs: number): EwmaState {
  if (arrivals === 0 && completions === 0) return state
  return {
    ...state,
    tickArrivals: state.tickArrivals + arrivals,
    tickCompletions: state.tickCompletions + completions,
    tickDurationSumMs: state.tickDurationSumMs + durationSumMs,
  }
}

/** Whether `nowMs` is past the tick being filled, that is whether `advanceEwma` would close a tick. */
export function isTickOver(state: EwmaState, nowMs: number, settings: EwmaSettings): boolean {
  return Math.floor((nowMs - state.tickStartMs) / settings.ewmaTickMs) >= 1
}

/** Counts one request arrival at `nowMs`. */
export function addArrival(state: EwmaState, nowMs: number, settings: EwmaSettings): EwmaState {
  return addTally(advanceEwma(state, nowMs, settings), 1, 0, 0)
}

/** Counts one request that finished at `nowMs` after `durationMs` (a negative duration counts as 0). */
export function addCompletion(state: EwmaState, durationMs: number, nowMs: number, settings: EwmaSettings): EwmaState {
  return addTally(advanceEwma(state, nowMs, settings), 0, 1, Math.max(durationMs, 0))
}
