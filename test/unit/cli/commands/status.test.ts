// `lambda-dispatch status` rendering (issue 8 item 6): the same picture as the dashboard, as terminal text, from a
// fixed snapshot; and the small formatters it is made of.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatAge, formatMs, renderStatus, sparkline } from '../../../../src/cli/commands/status.js'
import type { AdminSnapshot } from '../../../../src/router/index.js'

const TRAFFIC: AdminSnapshot['traffic'] = {
  requestsTotal: 12345,
  requestsPerSecond: 142.3,
  errorsPerSecond: 0.5,
  p50Ms: 3.14,
  p99Ms: 250,
  invokesPerMinute: 2,
}

const SNAPSHOT: AdminSnapshot = {
  version: 1,
  generatedAt: '2026-01-02T03:04:05.678Z',
  router: {
    state: 'serving',
    ready: true,
    listeners: { frontDoor: true, control: true, admin: true },
    pid: 4242,
    uptimeS: 185,
    rssBytes: 96 * 1024 * 1024,
    frontDoorUrl: 'http://127.0.0.1:5001',
    adminUrl: 'http://127.0.0.1:5005',
  },
  traffic: TRAFFIC,
  series: {
    endSecond: 1_767_322_244,
    requests: [...new Array(58).fill(0), 5, 10],
    errors: new Array(60).fill(0),
    invokes: new Array(60).fill(0),
    p50Ms: new Array(60).fill(null),
    p99Ms: new Array(60).fill(null),
  },
  pools: [
    {
      poolId: 'default',
      functionName: 'my-function',
      state: 'serving',
      queueLength: 2,
      runningRequests: 7,
      desiredInstances: 2,
      breakerState: 'closed',
      noCapacity: null,
      instancesByState: { initial: 0, starting: 1, open: 1, draining: 0, closing: 0, closed: 0 },
      channels: { busy: 7, idle: 13 },
      instances: [
        {
          lambdaId: '5749a4f0-a4cc-4831-8965-f799c477e257',
          state: 'open',
          ageMs: 242_000,
          outstanding: 7,
          busyChannels: 7,
          idleChannels: 13,
        },
        { lambdaId: 'b1', state: 'starting', ageMs: 900, outstanding: 0, busyChannels: 0, idleChannels: 0 },
      ],
      traffic: TRAFFIC,
      outcomes: { '2xx': 12000, '4xx': 300, queue_full: 45 },
      invokes: { started: 3, results: { completed: 1 }, exitReasons: { SelfLastActive: 1 } },
    },
  ],
  recentErrors: [
    {
      time: '2026-01-02T03:04:01.000Z',
      code: 'LD_QUEUE_FULL',
      poolId: 'default',
      message: 'the request queue is full',
      requestId: 'r1',
      lambdaId: null,
    },
  ],
}

test('renderStatus prints the router, traffic, each pool with its instances, and recent errors', () => {
  assert.equal(
    renderStatus(SNAPSHOT),
    [
      'Lambda Dispatch router · serving · ready · pid 4242 · up 3m 05s · rss 96 MiB · 03:04:05',
      'Traffic   142.3 req/s · 12,345 requests · p50 3.1 ms · p99 250 ms · errors 0.5/s · invokes 2/min',
      `          ${'▁'.repeat(58)}▅█  req/s, last 60 s`,
      '',
      'Pool default (my-function) · serving · queue 2 · running 7 · instances 1 open, 1 starting, 0 stopping · desired 2 · channels 7 busy/13 idle · breaker closed',
      '  traffic    142.3 req/s · 12,345 requests · p50 3.1 ms · p99 250 ms · errors 0.5/s · invokes 2/min',
      '  outcomes   2xx 12,000 · 4xx 300 · queue_full 45',
      '  invokes    started 3 · completed 1',
      '  exits      SelfLastActive 1',
      '  LAMBDA ID  STATE        AGE  OUT  BUSY  IDLE',
      '  5749a4f0   open      4m 02s    7     7    13',
      '  b1         starting      0s    0     0     0',
      '',
      'Recent errors',
      '  03:04:01  default  LD_QUEUE_FULL  the request queue is full',
      '',
    ].join('\n'),
  )
})

test('renderStatus says so when there are no pools, instances or errors', () => {
  const text = renderStatus({
    ...SNAPSHOT,
    router: { ...SNAPSHOT.router, state: 'closing', ready: false },
    pools: [],
    recentErrors: [],
  })
  assert.match(text, /^Lambda Dispatch router · closing · not ready/)
  assert.match(text, /No pools \(the router has not started\)\./)
  assert.match(text, /Recent errors\n {2}none\n$/)
})

const msCases: [number | null, string][] = [
  [null, '-'],
  [0.123, '0.12 ms'],
  [3.14, '3.1 ms'],
  [99.96, '100.0 ms'],
  [250.4, '250 ms'],
  [1234, '1.23 s'],
]
for (const [ms, text] of msCases) test(`formatMs(${ms}) is "${text}"`, () => assert.equal(formatMs(ms), text))

const ageCases: [number, string][] = [
  [999, '0s'],
  [42_000, '42s'],
  [187_000, '3m 07s'],
  [7_500_000, '2h 05m'],
]
for (const [ms, text] of ageCases) test(`formatAge(${ms}) is "${text}"`, () => assert.equal(formatAge(ms), text))

test('sparkline scales to the largest value and draws all-zero as the lowest bar', () => {
  assert.equal(sparkline([0, 1, 2, 4, 8]), '▁▂▃▅█')
  assert.equal(sparkline([0, 0]), '▁▁')
  assert.equal(sparkline([]), '')
})
