// The pool gauges (issue 15 item 1): read at scrape time from the pools serving now, so nothing is mirrored. A fresh
// prom-client Registry, pools as plain PoolSources whose snapshot the test changes between scrapes, and rolling
// windows on an injected clock for the invokes-per-minute gauge.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import type { PoolSource } from '../../../../src/router/events.js'
import type { InstanceSnapshot, InstanceState } from '../../../../src/router/instances/instance-states.js'
import { RollingWindow } from '../../../../src/router/metrics-window.js'
import type { PoolSnapshot } from '../../../../src/router/pools/pool-snapshot.js'
import { registerPoolGauges } from '../../../../src/router/telemetry/pool-gauges.js'
import { type PrometheusScrape, parsePrometheusText } from '../../../helpers/prometheus-text.js'

const P = 'lambda_dispatch_router_'

function instance(state: InstanceState, parkedChannels: number, busyChannels: number): InstanceSnapshot {
  return { lambdaId: `L-${state}`, state, ageMs: 1, outstanding: busyChannels, parkedChannels, busyChannels }
}

function snapshotOf(poolId: string, patch: Partial<PoolSnapshot> = {}): PoolSnapshot {
  return {
    poolId,
    functionName: `fn-${poolId}`,
    closing: false,
    queueLength: 0,
    runningRequests: 0,
    desiredInstances: 0,
    breakerState: 'closed',
    noCapacity: undefined,
    instances: [],
    ...patch,
  }
}

function gauges() {
  const registry = new Registry()
  const clock = { nowMs: 1_700_000_000_000 }
  const pools = new Map<string, { snapshot: PoolSnapshot }>()
  const windows = new Map<string, RollingWindow>()
  const windowFor = (poolId: string): RollingWindow => {
    let window = windows.get(poolId)
    if (window === undefined) {
      window = new RollingWindow({ now: () => clock.nowMs })
      windows.set(poolId, window)
    }
    return window
  }
  const sources = (): Iterable<PoolSource> =>
    [...pools.entries()].map(([poolId, state]) => ({ poolId, snapshot: () => state.snapshot }))
  registerPoolGauges(registry, sources, windowFor)
  return {
    clock,
    pools,
    windowFor,
    scrape: async (): Promise<PrometheusScrape> => parsePrometheusText(await registry.metrics()),
  }
}

test("a pool's queue, running requests and desired instances are read from its snapshot at each scrape", async () => {
  const subject = gauges()
  const scrapeA = async (): Promise<number[]> => {
    const scrape = await subject.scrape()
    return ['pool_queue_length', 'pool_running_requests', 'pool_desired_instances'].map((name) =>
      scrape.value(`${P}${name}`, { pool: 'a' }),
    )
  }
  subject.pools.set('a', { snapshot: snapshotOf('a', { queueLength: 4, runningRequests: 2, desiredInstances: 3 }) })
  assert.deepEqual(await scrapeA(), [4, 2, 3])
  subject.pools.set('a', { snapshot: snapshotOf('a', { queueLength: 0, runningRequests: 5, desiredInstances: 1 }) })
  assert.deepEqual(await scrapeA(), [0, 5, 1])
})

test('instances are counted by state, every state shown even at zero', async () => {
  const subject = gauges()
  subject.pools.set('a', {
    snapshot: snapshotOf('a', {
      instances: [
        instance('open', 2, 1),
        instance('open', 0, 2),
        instance('starting', 0, 0),
        instance('draining', 1, 1),
      ],
    }),
  })
  const scrape = await subject.scrape()
  assert.deepEqual(
    scrape
      .all(`${P}pool_instances`)
      .filter(({ labels }) => labels.pool === 'a')
      .map(({ labels, value }) => [labels.state, value]),
    [
      ['initial', 0],
      ['starting', 1],
      ['open', 2],
      ['draining', 1],
      ['closing', 0],
      ['closed', 0],
    ],
  )
})

test("a pool's channels are summed over its instances, parked and busy", async () => {
  const subject = gauges()
  subject.pools.set('a', {
    snapshot: snapshotOf('a', {
      instances: [instance('open', 2, 1), instance('open', 0, 2), instance('draining', 1, 1)],
    }),
  })
  subject.pools.set('b', { snapshot: snapshotOf('b') })
  const scrape = await subject.scrape()
  assert.deepEqual(
    scrape.all(`${P}pool_channels`).map(({ labels, value }) => [labels.pool, labels.state, value]),
    [
      ['a', 'parked', 3],
      ['a', 'busy', 4],
      ['b', 'parked', 0],
      ['b', 'busy', 0],
    ],
  )
})

test('invokes per minute count the last 60 seconds of the pool window', async () => {
  const subject = gauges()
  subject.pools.set('a', { snapshot: snapshotOf('a') })
  const window = subject.windowFor('a')
  const start = subject.clock.nowMs
  for (let index = 0; index < 3; index++) window.recordInvoke()
  subject.clock.nowMs = start + 30_000
  window.recordInvoke()
  window.recordInvoke()
  subject.clock.nowMs = start + 59_000
  assert.equal((await subject.scrape()).value(`${P}invokes_per_minute`, { pool: 'a' }), 5)
  subject.clock.nowMs = start + 60_000
  assert.equal((await subject.scrape()).value(`${P}invokes_per_minute`, { pool: 'a' }), 2, 'the first second left')
  subject.clock.nowMs = start + 90_000
  assert.equal((await subject.scrape()).value(`${P}invokes_per_minute`, { pool: 'a' }), 0)
})

test('a pool that stopped serving disappears from every gauge at the next scrape', async () => {
  const subject = gauges()
  subject.pools.set('a', { snapshot: snapshotOf('a', { queueLength: 1, instances: [instance('open', 1, 0)] }) })
  subject.pools.set('b', { snapshot: snapshotOf('b', { queueLength: 2 }) })
  assert.equal((await subject.scrape()).all(`${P}pool_queue_length`).length, 2)
  subject.pools.delete('a')
  const scrape = await subject.scrape()
  const poolsShown = new Set(
    [
      'pool_queue_length',
      'pool_running_requests',
      'pool_desired_instances',
      'pool_instances',
      'pool_channels',
      'invokes_per_minute',
    ].flatMap((name) => scrape.all(`${P}${name}`).map(({ labels }) => labels.pool)),
  )
  assert.deepEqual([...poolsShown], ['b'])
})
