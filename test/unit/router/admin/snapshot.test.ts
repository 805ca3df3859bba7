// The dashboard's picture (issue 8 items 4 and 6): traffic over the rolling window, per-pool counts derived from the
// snapshots, counters by label, and recent errors, built by a pure function from fixed inputs.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildAdminSnapshot, type SnapshotInput, trafficOf } from '../../../../src/router/admin/snapshot.js'
import { RollingWindow, WINDOW_SECONDS } from '../../../../src/router/metrics-window.js'
import type { PoolSnapshot } from '../../../../src/router/pools/pool-snapshot.js'

const START_MS = 1_700_000_000_000

function windowWithTraffic(): { window: RollingWindow; currentSecond: number } {
  let nowMs = START_MS
  const window = new RollingWindow({ now: () => nowMs })
  // 10 whole seconds of 3 requests each (one error each), 10, 20 and 30 ms; 2 invokes in the first second.
  for (let second = 0; second < 10; second++) {
    window.recordRequest(10, false)
    window.recordRequest(20, false)
    window.recordRequest(30, true)
    if (second === 0) {
      window.recordInvoke()
      window.recordInvoke()
    }
    nowMs += 1000
  }
  // The current second holds one request; it is not part of the rate yet.
  window.recordRequest(1000, false)
  return { window, currentSecond: Math.floor(nowMs / 1000) }
}

const POOL: PoolSnapshot = {
  poolId: 'default',
  functionName: 'my-function',
  closing: false,
  queueLength: 4,
  runningRequests: 3,
  desiredInstances: 2,
  breakerState: 'closed',
  noCapacity: undefined,
  instances: [
    { lambdaId: 'young', state: 'starting', ageMs: 100.4, outstanding: 0, parkedChannels: 0, busyChannels: 0 },
    {
      lambdaId: 'old',
      state: 'open',
      ageMs: 9000.6,
      outstanding: 3,
      parkedChannels: 5,
      busyChannels: 3,
      webSockets: 2,
    },
  ],
}

test('trafficOf averages the last 10 whole seconds, takes p50/p99 over 60 s and counts invokes in the last minute', () => {
  const { window, currentSecond } = windowWithTraffic()
  assert.deepEqual(trafficOf([window], currentSecond, 31), {
    requestsTotal: 31,
    requestsPerSecond: 3,
    errorsPerSecond: 1,
    p50Ms: 20.614, // the middle of the bucket holding 20 ms (buckets are 2^(1/8) wide)
    p99Ms: 1000,
    invokesPerMinute: 2,
  })
})

test('trafficOf with no window shows no traffic and no latency', () => {
  assert.deepEqual(trafficOf([], 1_700_000_000, 0), {
    requestsTotal: 0,
    requestsPerSecond: 0,
    errorsPerSecond: 0,
    p50Ms: null,
    p99Ms: null,
    invokesPerMinute: 0,
  })
})

test('buildAdminSnapshot derives per-pool counts, sorts instances oldest first and groups counters by label, WebSockets too', () => {
  const { window, currentSecond } = windowWithTraffic()
  const input: SnapshotInput = {
    nowMs: currentSecond * 1000,
    state: 'serving',
    listeners: { frontDoor: true, control: true, admin: true },
    process: { pid: 42, uptimeS: 12.6, rssBytes: 50_000_000 },
    frontDoorUrl: 'http://127.0.0.1:5001',
    adminUrl: 'http://127.0.0.1:5005',
    pools: [POOL],
    windows: new Map([['default', window]]),
    currentSecond,
    counters: {
      requests: [
        { labels: { pool: 'default', outcome: '2xx' }, value: 7 },
        { labels: { pool: 'default', outcome: '4xx' }, value: 2 },
        { labels: { pool: 'default', outcome: 'queue_full' }, value: 1 },
        { labels: { pool: 'other', outcome: '2xx' }, value: 100 },
      ],
      invokesStarted: [{ labels: { pool: 'default', kind: 'instance' }, value: 2 }],
      invokes: [{ labels: { pool: 'default', result: 'completed' }, value: 1 }],
      exitReasons: [{ labels: { pool: 'default', reason: 'SelfDeadline' }, value: 1 }],
      webSocketHandshakes: [
        { labels: { pool: 'default', outcome: 'accepted' }, value: 5 },
        { labels: { pool: 'default', outcome: 'no-capacity' }, value: 2 },
        { labels: { pool: 'other', outcome: 'accepted' }, value: 50 },
      ],
      webSocketCloses: [{ labels: { pool: 'default', reason: 'going-away' }, value: 3 }],
      webSocketBytes: [
        { labels: { pool: 'default', direction: 'client_to_app' }, value: 1200 },
        { labels: { pool: 'default', direction: 'app_to_client' }, value: 3400 },
      ],
      webSocketCloseTimeouts: [{ labels: { pool: 'default' }, value: 1 }],
    },
    recentErrors: [
      {
        timeMs: START_MS,
        code: 'LD_QUEUE_FULL',
        poolId: 'default',
        message: 'the request queue is full',
        requestId: 'r1',
      },
      { timeMs: START_MS + 1, code: 'http2_bad_preface', poolId: undefined, message: 'control channel: bad preface' },
    ],
  }
  const snapshot = buildAdminSnapshot(input)
  assert.equal(snapshot.version, 1)
  assert.equal(snapshot.generatedAt, new Date(currentSecond * 1000).toISOString())
  assert.deepEqual(snapshot.router, {
    state: 'serving',
    ready: true,
    listeners: { frontDoor: true, control: true, admin: true },
    pid: 42,
    uptimeS: 13,
    rssBytes: 50_000_000,
    frontDoorUrl: 'http://127.0.0.1:5001',
    adminUrl: 'http://127.0.0.1:5005',
  })
  const [pool] = snapshot.pools
  assert.ok(pool)
  assert.equal(pool.state, 'serving')
  assert.deepEqual(pool.instancesByState, { initial: 0, starting: 1, open: 1, draining: 0, closing: 0, closed: 0 })
  assert.deepEqual(pool.channels, { busy: 3, idle: 5 })
  assert.deepEqual(
    pool.instances.map((instance) => [instance.lambdaId, instance.ageMs, instance.idleChannels]),
    [
      ['old', 9001, 5],
      ['young', 100, 0],
    ],
  )
  assert.deepEqual(pool.outcomes, { '2xx': 7, '4xx': 2, queue_full: 1 })
  assert.deepEqual(pool.invokes, { started: 2, results: { completed: 1 }, exitReasons: { SelfDeadline: 1 } })
  assert.deepEqual(pool.webSockets, {
    open: 2,
    handshakes: { accepted: 5, 'no-capacity': 2 },
    closes: { 'going-away': 3 },
    bytes: { clientToApp: 1200, appToClient: 3400 },
    closeTimeouts: 1,
  })
  assert.equal(pool.traffic.requestsTotal, 10)
  assert.equal(snapshot.traffic.requestsTotal, 10)
  assert.equal(snapshot.traffic.requestsPerSecond, 3)
  assert.equal(snapshot.series.requests.length, WINDOW_SECONDS)
  assert.equal(snapshot.series.endSecond, currentSecond - 1, 'the series ends with the last whole second')
  assert.deepEqual(snapshot.series.requests.slice(-11), [0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3])
  assert.deepEqual(snapshot.series.errors.slice(-2), [1, 1])
  assert.deepEqual(snapshot.series.p50Ms.slice(-1), [20.614])
  assert.deepEqual(snapshot.recentErrors, [
    {
      time: new Date(START_MS).toISOString(),
      code: 'LD_QUEUE_FULL',
      poolId: 'default',
      message: 'the request queue is full',
      requestId: 'r1',
      lambdaId: null,
    },
    {
      time: new Date(START_MS + 1).toISOString(),
      code: 'http2_bad_preface',
      poolId: null,
      message: 'control channel: bad preface',
      requestId: null,
      lambdaId: null,
    },
  ])
})

test('a pool with no WebSocket counters shows none, and its open sockets from its instances', () => {
  const snapshot = buildAdminSnapshot({
    nowMs: START_MS,
    state: 'serving',
    listeners: { frontDoor: true, control: true, admin: true },
    process: { pid: 1, uptimeS: 1, rssBytes: 1 },
    frontDoorUrl: undefined,
    adminUrl: undefined,
    pools: [POOL],
    windows: new Map(),
    currentSecond: Math.floor(START_MS / 1000),
    counters: { requests: [], invokesStarted: [], invokes: [], exitReasons: [] },
    recentErrors: [],
  })
  assert.deepEqual(snapshot.pools[0]?.webSockets, {
    open: 2,
    handshakes: {},
    closes: {},
    bytes: { clientToApp: 0, appToClient: 0 },
    closeTimeouts: 0,
  })
})
