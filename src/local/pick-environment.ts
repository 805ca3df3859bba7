// Pure. Decides whether an invoke reuses a warm environment, creates one, or is throttled. No I/O, no timers.
import type { EnvironmentState } from './environment/environment-states.js'

export interface EnvironmentCandidate {
  readonly id: string
  readonly state: EnvironmentState
  /** When the environment last became idle (ms, any clock); unused for busy ones. */
  readonly idleSinceMs: number
}

export type EnvironmentPick =
  | { readonly kind: 'reuse'; readonly environmentId: string }
  | { readonly kind: 'create' }
  | { readonly kind: 'throttle' }

/** States that hold one invoke (or the init that precedes one): they count against the concurrency limit. */
export function isBusy(state: EnvironmentState): boolean {
  return state === 'cold' || state === 'initializing' || state === 'invoking'
}

export function isIdle(state: EnvironmentState): boolean {
  return state === 'ready' || state === 'frozen'
}

/**
 * Picks an environment for one invoke under `concurrencyLimit` concurrent invokes. Idle environments are reused
 * LIFO (the most recently idle first): the warm set then stays as small as the load needs, and surplus
 * environments age out through the idle TTL instead of being kept warm by round-robin.
 */
export function pickEnvironment(
  candidates: readonly EnvironmentCandidate[],
  concurrencyLimit: number,
): EnvironmentPick {
  let busy = 0
  let newestIdle: EnvironmentCandidate | undefined
  for (const candidate of candidates) {
    if (isBusy(candidate.state)) busy++
    else if (isIdle(candidate.state) && (newestIdle === undefined || candidate.idleSinceMs > newestIdle.idleSinceMs)) {
      newestIdle = candidate
    }
  }
  if (busy >= concurrencyLimit) return { kind: 'throttle' }
  return newestIdle ? { kind: 'reuse', environmentId: newestIdle.id } : { kind: 'create' }
}
