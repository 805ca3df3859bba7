// The pool gauges of the router's Prometheus registry: read at scrape time through collect() from the pools that
// serve now and their rolling windows, so no count is mirrored. Touches only the registry it is given.
import { Gauge, type Registry } from 'prom-client'
import type { PoolSource } from '../events.js'
import { INSTANCE_STATES, summarizeInstances } from '../instances/instance-states.js'
import { type RollingWindow, totalsOf } from '../metrics-window.js'

const INVOKES_PER_MINUTE_SECONDS = 60

/** Sets one value of a gauge for the pool being read; `state` is the label of the gauges that have one. */
type SetPoolValue = (value: number, state?: string) => void

/** Registers the pool gauges on `registry`; each scrape walks `pools()` and reads `windowFor` for invoke rates. */
export function registerPoolGauges(
  registry: Registry,
  pools: () => Iterable<PoolSource>,
  windowFor: (poolId: string) => RollingWindow,
): void {
  const registers = [registry]
  // Every gauge: reset at each scrape, then set per pool, by state when it has the label.
  const perPool = (name: string, help: string, byState: boolean, read: (pool: PoolSource, set: SetPoolValue) => void) =>
    new Gauge({
      name,
      help,
      labelNames: byState ? ['pool', 'state'] : ['pool'],
      registers,
      collect() {
        this.reset()
        for (const pool of pools()) {
          read(pool, (value, state) =>
            this.set({ pool: pool.poolId, ...(state === undefined ? {} : { state }) }, value),
          )
        }
      },
    })
  perPool('lambda_dispatch_router_pool_queue_length', 'Requests waiting in the pool queue', false, (pool, set) =>
    set(pool.snapshot().queueLength),
  )
  perPool('lambda_dispatch_router_pool_running_requests', 'Requests in flight on a channel', false, (pool, set) =>
    set(pool.snapshot().runningRequests),
  )
  perPool(
    'lambda_dispatch_router_pool_desired_instances',
    'Instances the scaler wants for the pool now',
    false,
    (pool, set) => set(pool.snapshot().desiredInstances),
  )
  perPool('lambda_dispatch_router_pool_instances', 'Instances of the pool, by state', true, (pool, set) => {
    const { byState } = summarizeInstances(pool.snapshot().instances)
    for (const state of INSTANCE_STATES) set(byState[state], state)
  })
  perPool(
    'lambda_dispatch_router_pool_channels',
    'Channel streams of the pool, parked (idle) or busy',
    true,
    (pool, set) => {
      const { parkedChannels, busyChannels } = summarizeInstances(pool.snapshot().instances)
      set(parkedChannels, 'parked')
      set(busyChannels, 'busy')
    },
  )
  perPool(
    'lambda_dispatch_router_invokes_per_minute',
    'Invokes sent in the last 60 seconds (rolling window)',
    false,
    (pool, set) => {
      const window = windowFor(pool.poolId)
      const second = window.currentSecond()
      set(totalsOf([window], second - INVOKES_PER_MINUTE_SECONDS + 1, second).invokes)
    },
  )
}
