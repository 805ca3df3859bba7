// What a pool shows to metrics, health and the dashboard: types only. Built on demand by Pool.snapshot(); nothing in
// it is a mirrored counter.
import type { InstanceSnapshot } from '../instances/instance-states.js'
import type { BreakerState } from '../invoke/circuit-breaker.js'

/** What a pool shows to metrics, health and the dashboard. Built on demand; nothing in it is a mirrored counter. */
export interface PoolSnapshot {
  readonly poolId: string
  readonly functionName: string
  readonly closing: boolean
  readonly queueLength: number
  readonly runningRequests: number
  /** Instances the scaler wants now. */
  readonly desiredInstances: number
  /** The invoke circuit breaker: `open` refuses invokes, `half-open` lets one probe through. */
  readonly breakerState: BreakerState
  /** Set while the pool refuses work because the invoke breaker is open and no instance can serve. */
  readonly noCapacity: { readonly why: string; readonly retryAfterMs: number } | undefined
  readonly instances: readonly InstanceSnapshot[]
}
