// The pool gauges of the router's Prometheus registry: read at scrape time through collect() from the pools that
// serve now and their rolling windows, so no count is mirrored. Touches only the registry it is given.
import { Gauge, type Registry } from 'prom-client'
import type { PoolSource } from '../events.js'
import type { InstanceState } from '../instances/instance-states.js'
import { type RollingWindow, totalsOf } from '../metrics-window.js'
import type { PoolSnapshot } from '../pools/pool-snapshot.js'

const INSTANCE_STATES: readonly InstanceState[] = ['initial', 'starting', 'open', 'draining', 'closing', 'closed']
const INVOKES_PER_MINUTE_SECONDS = 60

/** Registers the pool gauges on `registry`; each scrape walks `pools()` and reads `windowFor` for invoke rates. */
export function registerPoolGauges(
  registry: Registry,
  pools: () => Iterable<PoolSource>,
  windowFor: (poolId: string) => RollingWindow,
): void {
  const registers = [registry]
  const perPool = (name: string, help: string, read: (pool: PoolSnapshot) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset()
        for (const source of pools()) this.set({ pool: source.poolId }, read(source.snapshot()))
      },
    })
  }
  perPool('lambda_dispatch_router_pool_queue_length', 'Requests waiting in the pool queue', (pool) => pool.queueLength)
  perPool(
    'lambda_dispatch_router_pool_running_requests',
    'Requests in flight on a channel',
    (pool) => pool.runningRequests,
  )
  perPool(
    'lambda_dispatch_router_pool_desired_instances',
    'Instances the scaler wants for the pool now',
    (pool) => pool.desiredInstances,
  )
  new Gauge({
    name: 'lambda_dispatch_router_pool_instances',
    help: 'Instances of the pool, by state',
    labelNames: ['pool', 'state'],
    registers,
    collect() {
      this.reset()
      for (const source of pools()) {
        const poolId = source.poolId
        const counts = new Map<InstanceState, number>(INSTANCE_STATES.map((state) => [state, 0]))
        for (const instance of source.snapshot().instances) {
          counts.set(instance.state, (counts.get(instance.state) ?? 0) + 1)
        }
        for (const [state, count] of counts) this.set({ pool: poolId, state }, count)
      }
    },
  })
  new Gauge({
    name: 'lambda_dispatch_router_pool_channels',
    help: 'Channel streams of the pool, parked (idle) or busy',
    labelNames: ['pool', 'state'],
    registers,
    collect() {
      this.reset()
      for (const source of pools()) {
        const poolId = source.poolId
        let parked = 0
        let busy = 0
        for (const instance of source.snapshot().instances) {
          parked += instance.parkedChannels
          busy += instance.busyChannels
        }
        this.set({ pool: poolId, state: 'parked' }, parked)
        this.set({ pool: poolId, state: 'busy' }, busy)
      }
    },
  })
  new Gauge({
    name: 'lambda_dispatch_router_invokes_per_minute',
    help: 'Invokes sent in the last 60 seconds (rolling window)',
    labelNames: ['pool'],
    registers,
    collect() {
      this.reset()
      for (const source of pools()) {
        const window = windowFor(source.poolId)
        const second = window.currentSecond()
        const totals = totalsOf([window], second - INVOKES_PER_MINUTE_SECONDS + 1, second)
        this.set({ pool: source.poolId }, totals.invokes)
      }
    },
  })
}
