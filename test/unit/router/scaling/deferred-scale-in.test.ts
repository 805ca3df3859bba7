import assert from 'node:assert/strict'
import { test } from 'node:test'
import { confirmScaleIn, reviewScaleIn, scheduleScaleIn } from '../../../../src/router/scaling/deferred-scale-in.js'

const waiting = scheduleScaleIn(0, 1000, 300)

test('a scheduled scale-in is due after its delay', () => {
  assert.deepEqual(waiting, { targetInstances: 0, dueAtMs: 1300 })
})

const reviews = [
  {
    name: 'a sample at the current desired count cancels a waiting scale-in',
    sample: { proposedInstances: 2, currentDesired: 2, pendingRequests: 0 },
    expected: { kind: 'cancelled', why: 'demand-at-desired' },
  },
  {
    name: 'a sample above the current desired count cancels a waiting scale-in',
    sample: { proposedInstances: 5, currentDesired: 2, pendingRequests: 0 },
    expected: { kind: 'cancelled', why: 'demand-at-desired' },
  },
  {
    name: 'a queued request cancels a waiting scale-in',
    sample: { proposedInstances: 0, currentDesired: 2, pendingRequests: 1 },
    expected: { kind: 'cancelled', why: 'requests-queued' },
  },
  {
    name: 'a smaller non-zero sample raises a scale-in to 0 instead of letting it through (fix of weakness 15)',
    sample: { proposedInstances: 1, currentDesired: 2, pendingRequests: 0 },
    expected: { kind: 'raised', deferred: { targetInstances: 1, dueAtMs: 1300 } },
  },
  {
    name: 'a sample at the target keeps the scale-in as it is',
    sample: { proposedInstances: 0, currentDesired: 2, pendingRequests: 0 },
    expected: { kind: 'kept', deferred: waiting },
  },
]
for (const row of reviews) {
  test(row.name, () => {
    assert.deepEqual(reviewScaleIn(waiting, row.sample), row.expected)
  })
}

test('a sample below the target keeps the target: a deeper cut needs its own decision', () => {
  assert.deepEqual(
    reviewScaleIn(scheduleScaleIn(3, 0, 300), { proposedInstances: 1, currentDesired: 6, pendingRequests: 0 }),
    {
      kind: 'kept',
      deferred: { targetInstances: 3, dueAtMs: 300 },
    },
  )
})

const confirmations = [
  {
    name: 'before its deadline a scale-in keeps waiting',
    nowMs: 1200,
    desired: 2,
    expected: { kind: 'waiting', dueInMs: 100 },
  },
  {
    name: 'at its deadline a scale-in applies its target',
    nowMs: 1300,
    desired: 2,
    expected: { kind: 'apply', desiredInstances: 0 },
  },
  {
    name: 'a scale-in whose target no longer lowers desired is moot',
    nowMs: 1400,
    desired: 0,
    expected: { kind: 'moot' },
  },
]
for (const row of confirmations) {
  test(row.name, () => {
    assert.deepEqual(confirmScaleIn(waiting, row.nowMs, row.desired), row.expected)
  })
}
