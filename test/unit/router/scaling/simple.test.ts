import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { simpleDesiredInstances, targetRequestsPerInstance } from '../../../../src/router/scaling/simple.js'

// CapacityManagerTests.SimpleDesiredInstanceCount_ReturnsExpectedResult: (MCC, ICM, pending, running) → desired.
const originalVectors: Array<[number, number, number, number, number]> = [
  [0, 0, 0, 0, 0],
  [10, 2, 0, 0, 0],
  [10, 2, 1, 1, 1],
  [1, 1, 1, 1, 2],
  [10, 5, 2, 2, 2],
  [20, 10, 5, 2, 2],
  [10, 2, 100, 2, 7],
  [20, 4, 1000, 110, 57],
  [10, 1, 10000, 0, 600],
]

for (const [
  maxConcurrentCount,
  instanceCountMultiplier,
  pendingRequests,
  runningRequests,
  expected,
] of originalVectors) {
  test(`the original's vector MCC ${maxConcurrentCount}, ICM ${instanceCountMultiplier}, ${pendingRequests} pending, ${runningRequests} running wants ${expected}`, () => {
    assert.equal(
      simpleDesiredInstances({ pendingRequests, runningRequests }, { maxConcurrentCount, instanceCountMultiplier }),
      expected,
    )
  })
}

// original-router.md §3.4 worked examples with the defaults (MCC 10, ICM 2, target 5).
const defaults = { maxConcurrentCount: 10, instanceCountMultiplier: 2 }
const cases = [
  { name: 'one running request wants one instance', running: 1, pending: 0, expected: 1 },
  { name: 'five running requests want two instances (20 % headroom over one)', running: 5, pending: 0, expected: 2 },
  { name: 'ten running requests want three instances', running: 10, pending: 0, expected: 3 },
  { name: 'a hundred running requests want 24 instances', running: 100, pending: 0, expected: 24 },
  { name: 'a hundred queued requests want six instances', running: 0, pending: 100, expected: 6 },
  { name: 'a hundred running and a hundred queued want 30 instances', running: 100, pending: 100, expected: 30 },
  { name: 'negative counts are read as zero', running: -3, pending: -1, expected: 0 },
]
for (const row of cases) {
  test(row.name, () => {
    assert.equal(
      simpleDesiredInstances({ pendingRequests: row.pending, runningRequests: row.running }, defaults),
      row.expected,
    )
  })
}

test('the target load per instance is MaxConcurrentCount over the multiplier, rounded up', () => {
  assert.equal(targetRequestsPerInstance({ maxConcurrentCount: 10, instanceCountMultiplier: 2 }), 5)
  assert.equal(targetRequestsPerInstance({ maxConcurrentCount: 10, instanceCountMultiplier: 3 }), 4)
})

test('more load never wants fewer instances, and any load wants at least one', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 100 }),
      fc.integer({ min: 1, max: 10 }),
      fc.nat(100_000),
      fc.nat(100_000),
      fc.nat(1000),
      fc.nat(1000),
      (maxConcurrentCount, instanceCountMultiplier, pending, running, morePending, moreRunning) => {
        const params = { maxConcurrentCount, instanceCountMultiplier }
        const base = simpleDesiredInstances({ pendingRequests: pending, runningRequests: running }, params)
        const more = simpleDesiredInstances(
          { pendingRequests: pending + morePending, runningRequests: running + moreRunning },
          params,
        )
        assert.ok(more >= base)
        assert.equal(base === 0, pending === 0 && running === 0)
      },
    ),
  )
})
