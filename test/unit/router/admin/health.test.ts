// Liveness and readiness as data (issue 8 item 1): live while starting, serving or draining; ready only while serving
// with the listeners bound; each pool's state reported but never making the router unready.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeHealth, type ListenerHealth, type RouterState } from '../../../../src/router/admin/health.js'
import type { PoolSnapshot } from '../../../../src/router/pools/pool-snapshot.js'

const UP: ListenerHealth = { frontDoor: true, control: true, admin: true }

function pool(overrides: Partial<PoolSnapshot> = {}): PoolSnapshot {
  return {
    poolId: 'default',
    functionName: 'my-function',
    closing: false,
    queueLength: 0,
    runningRequests: 0,
    desiredInstances: 1,
    breakerState: 'closed',
    noCapacity: undefined,
    instances: [],
    ...overrides,
  }
}

const stateCases: { state: RouterState; listeners: ListenerHealth; live: boolean; ready: boolean }[] = [
  { state: 'idle', listeners: { frontDoor: false, control: false, admin: false }, live: false, ready: false },
  { state: 'starting', listeners: { frontDoor: false, control: false, admin: true }, live: true, ready: false },
  { state: 'serving', listeners: UP, live: true, ready: true },
  { state: 'serving', listeners: { frontDoor: false, control: true, admin: true }, live: true, ready: false },
  { state: 'closing', listeners: { frontDoor: false, control: true, admin: true }, live: true, ready: false },
  { state: 'closed', listeners: { frontDoor: false, control: false, admin: false }, live: false, ready: false },
]

for (const row of stateCases) {
  test(`a router ${row.state} with front door ${row.listeners.frontDoor ? 'up' : 'down'} is ${row.live ? '' : 'not '}live and ${row.ready ? '' : 'not '}ready`, () => {
    const health = describeHealth(row.state, [], row.listeners)
    assert.equal(health.live, row.live)
    assert.equal(health.ready, row.ready)
    assert.deepEqual(health.listeners, row.listeners)
  })
}

test('each pool reports serving, no-capacity or closing, and a pool without capacity leaves the router ready', () => {
  const health = describeHealth(
    'serving',
    [
      pool({
        instances: [
          { lambdaId: 'a', state: 'open', ageMs: 5, outstanding: 1, parkedChannels: 2, busyChannels: 1 },
          { lambdaId: 'b', state: 'starting', ageMs: 1, outstanding: 0, parkedChannels: 0, busyChannels: 0 },
        ],
        queueLength: 2,
        runningRequests: 1,
      }),
      pool({ poolId: 'reports', noCapacity: { why: 'the invoke circuit breaker is open', retryAfterMs: 5000 } }),
      pool({ poolId: 'old', closing: true }),
    ],
    UP,
  )
  assert.equal(health.ready, true)
  assert.deepEqual(health.pools, [
    {
      poolId: 'default',
      functionName: 'my-function',
      state: 'serving',
      queueLength: 2,
      runningRequests: 1,
      openInstances: 1,
      noCapacity: undefined,
    },
    {
      poolId: 'reports',
      functionName: 'my-function',
      state: 'no-capacity',
      queueLength: 0,
      runningRequests: 0,
      openInstances: 0,
      noCapacity: 'the invoke circuit breaker is open',
    },
    {
      poolId: 'old',
      functionName: 'my-function',
      state: 'closing',
      queueLength: 0,
      runningRequests: 0,
      openInstances: 0,
      noCapacity: undefined,
    },
  ])
})
