// Pure. The router's health as data: liveness of the process and, per pool, what it can serve now. The front door's
// /health answers liveness (200 "OK" while serving, 503 while closing); this report feeds the admin listener and logs.
import type { PoolSnapshot } from '../telemetry.js'

export type RouterState = 'idle' | 'starting' | 'serving' | 'closing' | 'closed'

export interface PoolHealth {
  readonly poolId: string
  readonly functionName: string
  readonly queueLength: number
  readonly runningRequests: number
  /** Instances that have at least one channel parked or busy. */
  readonly openInstances: number
  /** Why the pool refuses work right now (invoke breaker open), if it does. */
  readonly noCapacity: string | undefined
}

export interface RouterHealth {
  readonly state: RouterState
  /** True while the router takes new requests; what a liveness probe reports. */
  readonly live: boolean
  readonly pools: readonly PoolHealth[]
}

/** Summarises the router's state and its pools' snapshots. */
export function describeHealth(state: RouterState, pools: readonly PoolSnapshot[]): RouterHealth {
  return {
    state,
    live: state === 'serving',
    pools: pools.map((pool) => ({
      poolId: pool.poolId,
      functionName: pool.functionName,
      queueLength: pool.queueLength,
      runningRequests: pool.runningRequests,
      openInstances: pool.instances.filter((instance) => instance.state === 'open').length,
      noCapacity: pool.noCapacity?.why,
    })),
  }
}
