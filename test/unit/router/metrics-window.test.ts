// The rolling window's math (issue 8 item 4: p50/p99 computed server-side over a rolling window): bucket boundaries,
// quantiles from bucket counts, merging, and the ring of second slots under an injected clock.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  LATENCY_BUCKET_COUNT,
  latencyBucketIndex,
  latencyBucketUpperMs,
  latencyQuantileMs,
  mergeCounts,
  RollingWindow,
  seriesOf,
  totalsOf,
  type WindowCounts,
} from '../../../src/router/metrics-window.js'

const bucketCases: { name: string; ms: number; index: number }[] = [
  { name: 'zero lands in the first bucket', ms: 0, index: 0 },
  { name: 'a negative duration lands in the first bucket', ms: -5, index: 0 },
  { name: 'NaN lands in the first bucket', ms: Number.NaN, index: 0 },
  { name: 'the first bound itself is bucket 0', ms: 0.1, index: 0 },
  { name: 'one doubling above the first bound is bucket 8', ms: 0.2, index: 8 },
  { name: 'just above a bound moves to the next bucket', ms: 0.2001, index: 9 },
  { name: '1 ms', ms: 1, index: 27 },
  { name: '100 ms', ms: 100, index: 80 },
  { name: 'an hour is clamped to the last bucket', ms: 3_600_000, index: LATENCY_BUCKET_COUNT - 1 },
]

for (const row of bucketCases) {
  test(`latencyBucketIndex: ${row.name}`, () => {
    assert.equal(latencyBucketIndex(row.ms), row.index)
    if (row.ms > 0.1 && row.index < LATENCY_BUCKET_COUNT - 1) {
      assert.ok(latencyBucketUpperMs(row.index) >= row.ms, 'the bucket upper bound covers the value')
      assert.ok(latencyBucketUpperMs(row.index - 1) < row.ms, 'the previous bucket does not')
    }
  })
}

function countsOf(values: readonly number[]): WindowCounts {
  const latency = new Array<number>(LATENCY_BUCKET_COUNT).fill(0)
  for (const value of values) {
    const index = latencyBucketIndex(value)
    latency[index] = (latency[index] ?? 0) + 1
  }
  return {
    requests: values.length,
    errors: 0,
    invokes: 0,
    latency,
    minMs: values.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...values),
    maxMs: values.length === 0 ? Number.NEGATIVE_INFINITY : Math.max(...values),
  }
}

const quantileCases: {
  name: string
  values: number[]
  quantile: number
  expected: number | undefined
  tolerance?: number
}[] = [
  { name: 'no values have no quantile', values: [], quantile: 0.5, expected: undefined },
  {
    name: 'equal values give that value exactly (clamped to min/max)',
    values: [10, 10, 10, 10],
    quantile: 0.5,
    expected: 10,
  },
  { name: 'one value is every quantile', values: [42], quantile: 0.99, expected: 42 },
  {
    name: 'p50 of 1..100 ms is about 50 ms (within a bucket, 9 %)',
    values: Array.from({ length: 100 }, (_, i) => i + 1),
    quantile: 0.5,
    expected: 50,
    tolerance: 0.05,
  },
  {
    name: 'p99 of 99 fast and 1 slow stays in the fast bucket (rank 99 of 100)',
    values: [...Array.from({ length: 99 }, () => 5), 1000],
    quantile: 0.99,
    expected: 5,
    tolerance: 0.05,
  },
  {
    name: 'p99 of 98 fast and 2 slow reaches the slow value',
    values: [...Array.from({ length: 98 }, () => 5), 1000, 1000],
    quantile: 0.99,
    expected: 1000,
  },
  { name: 'the top quantile is the maximum', values: [1, 2, 3, 400], quantile: 1, expected: 400 },
  { name: 'the bottom quantile is the minimum', values: [7, 20, 300], quantile: 0, expected: 7 },
]

for (const row of quantileCases) {
  test(`latencyQuantileMs: ${row.name}`, () => {
    const actual = latencyQuantileMs(countsOf(row.values), row.quantile)
    if (row.expected === undefined || row.tolerance === undefined) assert.equal(actual, row.expected)
    else {
      assert.ok(actual !== undefined)
      assert.ok(Math.abs(actual - row.expected) / row.expected <= row.tolerance, `${actual} is near ${row.expected}`)
    }
  })
}

test('mergeCounts adds requests, errors, invokes and buckets, and keeps the overall min and max', () => {
  const merged = mergeCounts([
    { ...countsOf([1, 2]), errors: 1, invokes: 2 },
    undefined,
    { ...countsOf([300]), errors: 0, invokes: 1 },
  ])
  assert.equal(merged.requests, 3)
  assert.equal(merged.errors, 1)
  assert.equal(merged.invokes, 3)
  assert.equal(merged.minMs, 1)
  assert.equal(merged.maxMs, 300)
  assert.equal(
    Array.from(merged.latency).reduce((a, b) => a + b, 0),
    3,
  )
})

test('a window counts per wall-clock second and forgets a slot when its second comes round again', () => {
  let nowMs = 1_000_000_000
  const window = new RollingWindow({ now: () => nowMs, seconds: 5 })
  window.recordRequest(10, false)
  window.recordRequest(undefined, true)
  window.recordInvoke()
  nowMs += 1000
  window.recordRequest(20, false)
  const first = 1_000_000
  assert.equal(window.at(first)?.requests, 2)
  assert.equal(window.at(first)?.errors, 1)
  assert.equal(window.at(first)?.invokes, 1)
  assert.equal(window.at(first + 1)?.requests, 1)
  assert.equal(window.at(first + 2), undefined)
  nowMs += 4000
  window.recordRequest(30, false)
  assert.equal(window.at(first), undefined, 'second 0 was reused for second 5')
  assert.equal(window.at(first + 5)?.requests, 1)
  assert.equal(window.at(first + 5)?.maxMs, 30)
})

test('seriesOf merges several windows per second, oldest first, with null latency for empty seconds', () => {
  let nowMs = 2_000_000_000
  const a = new RollingWindow({ now: () => nowMs, seconds: 10 })
  const b = new RollingWindow({ now: () => nowMs, seconds: 10 })
  a.recordRequest(4, false)
  b.recordRequest(4, false)
  b.recordRequest(undefined, true)
  nowMs += 2000
  a.recordInvoke()
  const end = Math.floor(nowMs / 1000)
  const series = seriesOf([a, b], end, 3)
  assert.equal(series.endSecond, end)
  assert.deepEqual(series.requests, [3, 0, 0])
  assert.deepEqual(series.errors, [1, 0, 0])
  assert.deepEqual(series.invokes, [0, 0, 1])
  assert.deepEqual(series.p50Ms, [4, null, null])
  assert.deepEqual(series.p99Ms, [4, null, null])
  assert.equal(totalsOf([a, b], end - 2, end).requests, 3)
})
