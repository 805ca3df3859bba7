// CloudWatch EMF output (issue 8 item 3): the document builder's namespace, dimensions and units, the fixes over the
// original (a pool dimension, zero values kept, a flush never sees a batch change), and the publisher's two flushes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  buildEmfDocument,
  EMF_MAX_VALUES_PER_METRIC,
  EMF_NAMESPACE,
  EMF_SERVICE,
  type EmfBatch,
  EmfPublisher,
  minuteStartMs,
  poolGaugeMetrics,
} from '../../../src/router/emf.js'
import type { PoolSnapshot } from '../../../src/router/pools/pool-snapshot.js'

const BASE: EmfBatch = {
  namespace: 'LambdaDispatch',
  timestampMs: 1_700_000_040_000,
  dimensions: { Service: 'LambdaDispatch.Router', Pool: 'default' },
  metrics: [],
}

// The `_aws` member of a document of BASE with these metric definitions (the first case spells one out in full).
function metadataOf(...metrics: [name: string, unit: string][]): Record<string, unknown> {
  return {
    Timestamp: BASE.timestampMs,
    CloudWatchMetrics: [
      {
        Namespace: 'LambdaDispatch',
        Dimensions: [['Service', 'Pool']],
        Metrics: metrics.map(([name, unit]) => ({ Name: name, Unit: unit })),
      },
    ],
  }
}

const documentCases: { name: string; batch: EmfBatch; expected: Record<string, unknown> }[] = [
  {
    name: 'a count and a distribution, with the pool as a dimension',
    batch: {
      ...BASE,
      metrics: [
        { name: 'RequestCount', unit: 'Count', values: 12 },
        { name: 'RequestDuration', unit: 'Milliseconds', values: [1.5, 2, 30] },
      ],
    },
    expected: {
      _aws: {
        Timestamp: 1_700_000_040_000,
        CloudWatchMetrics: [
          {
            Namespace: 'LambdaDispatch',
            Dimensions: [['Service', 'Pool']],
            Metrics: [
              { Name: 'RequestCount', Unit: 'Count' },
              { Name: 'RequestDuration', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      Service: 'LambdaDispatch.Router',
      Pool: 'default',
      RequestCount: 12,
      RequestDuration: [1.5, 2, 30],
    },
  },
  {
    name: 'zero values are written (the original dropped all-zero batches)',
    batch: { ...BASE, metrics: [{ name: 'PendingRequestCount', unit: 'Count', values: 0 }] },
    expected: {
      _aws: metadataOf(['PendingRequestCount', 'Count']),
      Service: 'LambdaDispatch.Router',
      Pool: 'default',
      PendingRequestCount: 0,
    },
  },
  {
    name: 'an empty distribution is left out; properties are members but not dimensions',
    batch: {
      ...BASE,
      properties: { FunctionName: 'my-function' },
      metrics: [
        { name: 'DispatchDelay', unit: 'Milliseconds', values: [] },
        { name: 'ResponseBytes', unit: 'Bytes', values: 2048 },
      ],
    },
    expected: {
      _aws: metadataOf(['ResponseBytes', 'Bytes']),
      FunctionName: 'my-function',
      Service: 'LambdaDispatch.Router',
      Pool: 'default',
      ResponseBytes: 2048,
    },
  },
]

for (const row of documentCases) {
  test(`buildEmfDocument: ${row.name}`, () => {
    assert.deepEqual(buildEmfDocument(row.batch), row.expected)
  })
}

const refusedCases: { name: string; batch: EmfBatch; message: RegExp }[] = [
  { name: 'no dimension', batch: { ...BASE, dimensions: {} }, message: /1–30 dimensions/ },
  {
    name: 'more than 30 dimensions',
    batch: { ...BASE, dimensions: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`D${i}`, 'x'])) },
    message: /1–30 dimensions/,
  },
  {
    name: 'a dimension value over 1024 characters',
    batch: { ...BASE, dimensions: { Pool: 'x'.repeat(1025) } },
    message: /Pool must be 1–1024 characters/,
  },
  {
    name: 'more than 100 values in one metric',
    batch: { ...BASE, metrics: [{ name: 'RequestDuration', unit: 'Milliseconds', values: new Array(101).fill(1) }] },
    message: /at most 100/,
  },
  {
    name: 'a metric named like a dimension',
    batch: { ...BASE, metrics: [{ name: 'Pool', unit: 'Count', values: 1 }] },
    message: /clashes/,
  },
]

for (const row of refusedCases) {
  test(`buildEmfDocument refuses ${row.name}`, () => {
    assert.throws(() => buildEmfDocument(row.batch), row.message)
  })
}

test('minuteStartMs rounds down to the UTC minute', () => {
  assert.equal(minuteStartMs(1_700_000_059_999), 1_700_000_040_000)
  assert.equal(minuteStartMs(1_700_000_040_000), 1_700_000_040_000)
})

const POOL: PoolSnapshot = {
  poolId: 'default',
  functionName: 'my-function',
  closing: false,
  queueLength: 3,
  runningRequests: 5,
  desiredInstances: 4,
  breakerState: 'closed',
  noCapacity: undefined,
  instances: [
    { lambdaId: 'a', state: 'open', ageMs: 1, outstanding: 3, parkedChannels: 1, busyChannels: 3 },
    { lambdaId: 'b', state: 'open', ageMs: 1, outstanding: 2, parkedChannels: 2, busyChannels: 2 },
    { lambdaId: 'c', state: 'starting', ageMs: 1, outstanding: 0, parkedChannels: 0, busyChannels: 0 },
    { lambdaId: 'd', state: 'draining', ageMs: 1, outstanding: 0, parkedChannels: 0, busyChannels: 0 },
  ],
}

test('poolGaugeMetrics reports the minute counts and the gauges by instance state, zeros included', () => {
  const metrics = Object.fromEntries(
    poolGaugeMetrics(POOL, { requests: 7, errors: 0, invokes: 1 }).map((metric) => [metric.name, metric.values]),
  )
  assert.deepEqual(metrics, {
    RequestCount: 7,
    RequestErrorCount: 0,
    LambdaInvokeCount: 1,
    PendingRequestCount: 3,
    RunningRequestCount: 5,
    LambdaInstanceStartingCount: 1,
    LambdaInstanceRunningCount: 2,
    LambdaInstanceStoppingCount: 1,
    ChannelsBusyCount: 5,
    ChannelsIdleCount: 3,
  })
})

test('the publisher writes a pool document at once when a distribution reaches 100 values, and the minute at close', () => {
  const lines: string[] = []
  const nowMs = 1_700_000_065_000
  const publisher = new EmfPublisher({
    write: (line) => lines.push(line),
    now: () => nowMs,
    pools: () => [{ snapshot: POOL, minute: () => ({ requests: 120, errors: 2, invokes: 1 }) }],
  })
  for (let index = 0; index < EMF_MAX_VALUES_PER_METRIC - 1; index++) publisher.record('default', 'RequestDuration', 2)
  publisher.record('default', 'DispatchDelay', 7)
  assert.equal(lines.length, 0)
  publisher.record('default', 'RequestDuration', 3)
  assert.equal(lines.length, 1)
  assert.ok(lines[0]?.endsWith('\n'))
  const early = JSON.parse(lines[0] as string)
  assert.equal(early.Pool, 'default')
  assert.equal(early.Service, EMF_SERVICE)
  assert.equal(early._aws.CloudWatchMetrics[0].Namespace, EMF_NAMESPACE)
  assert.equal(early.RequestDuration.length, 100)
  assert.deepEqual(early.DispatchDelay, [7])
  assert.equal(early._aws.Timestamp, 1_700_000_040_000)

  publisher.record('default', 'LambdaOpenDelay', 250)
  publisher.close()
  publisher.close()
  assert.equal(lines.length, 2, 'close writes the minute once')
  const minute = JSON.parse(lines[1] as string)
  assert.equal(minute.RequestCount, 120)
  assert.equal(minute.RequestErrorCount, 2)
  assert.equal(minute.PendingRequestCount, 3)
  assert.deepEqual(minute.LambdaOpenDelay, [250])
  assert.equal(minute.RequestDuration, undefined, 'values already written are not written again')
  assert.equal(minute.FunctionName, 'my-function')
  publisher.record('default', 'RequestDuration', 1)
  assert.equal(lines.length, 2, 'nothing is recorded after close')
})
