// Pure. The router's health as data: liveness of the process and readiness to take traffic, with each pool's state.
// The admin listener answers /health and /ready from these; the front door's own /health stays a plain liveness check.
import type { PoolSnapshot } from '../pools/pool-snapshot.js'

export type RouterState = 'idle' | 'starting' | 'serving' | 'closing' | 'closed'

/** What a pool can do right now. */
export type PoolServingState = 'serving' | 'no-capacity' | 'closing'

export interface PoolHealth {
  readonly poolId: string
  readonly functionName: string
  readonly state: PoolServingState
  readonly queueLength: number
  readonly runningRequests: number
  /** Instances that have at least one channel parked or busy. */
  readonly openInstances: number
  /** Why the pool refuses work right now (invoke breaker open), if it does. */
  readonly noCapacity: string | undefined
}

/** Which listeners are bound. */
export interface ListenerHealth {
  readonly frontDoor: boolean
  readonly control: boolean
  readonly admin: boolean
}

export interface RouterHealth {
  readonly state: RouterState
  /**
   * True while the process works: starting, serving or draining. A liveness probe must not kill a router that is
   * draining its requests, so `closing` is live (and not ready).
   */
  readonly live: boolean
  /** True while the router takes new requests: serving, with every listener bound. */
  readonly ready: boolean
  readonly listeners: ListenerHealth
  readonly pools: readonly PoolHealth[]
}

/**
 * Summarises the router's state, its listeners and its pools' snapshots. Readiness does not depend on the pools: a
 * pool without capacity answers 503 quickly, and taking every router out of a load balancer because a Lambda fails
 * would turn those into connection errors.
 */
export function describeHealth(
  state: RouterState,
  pools: readonly PoolSnapshot[],
  listeners: ListenerHealth = { frontDoor: state === 'serving', control: state === 'serving', admin: false },
): RouterHealth {
  return {
    state,
    live: state === 'starting' || state === 'serving' || state === 'closing',
    ready: state === 'serving' && listeners.frontDoor && listeners.control,
    listeners,
    pools: pools.map((pool) => ({
      poolId: pool.poolId,
      functionName: pool.functionName,
      state: pool.closing ? 'closing' : pool.noCapacity !== undefined ? 'no-capacity' : 'serving',
      queueLength: pool.queueLength,
      runningRequests: pool.runningRequests,
      openInstances: pool.instances.filter((instance) => instance.state === 'open').length,
      noCapacity: pool.noCapacity?.why,
    })),
  }
}
