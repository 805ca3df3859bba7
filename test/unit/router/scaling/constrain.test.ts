import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { constrainDesiredInstances } from '../../../../src/router/scaling/constrain.js'

// CapacityManagerTests.ConstrainDesiredInstanceCount_ReturnsExpectedResult: (proposed, current, maxScaleOut,
// outRatio, inRatio) → result. The original floored the scale-in step with maxScaleOut, so these rows pass
// maxScaleIn = maxScaleOut to reproduce it.
const originalVectors: Array<[number, number, number, number, number, number]> = [
  // scale out
  [0, 0, 0, 0.33, 0.33, 0],
  [10, 2, 0, 0.33, 0.33, 3],
  [25, 15, 5, 0.5, 0.33, 23],
  [10, 2, 5, 0.33, 0.33, 7],
  [10, 2, 1, 0.33, 0.33, 3],
  [1, 1, 1, 0.33, 0.33, 1],
  [13, 3, 2, 1, 0.33, 6],
  [13, 3, 5, 1, 0.33, 8],
  [20, 10, 5, 0.33, 0.33, 15],
  [10, 2, 100, 0.33, 0.33, 10],
  // scale in
  [2, 10, 0, 0.33, 0.33, 6],
  [0, 1, 5, 0.33, 0.33, 0],
  [13, 30, 5, 0.33, 0.33, 20],
  [0, 400, 5, 0.33, 0.33, 0],
  [0, 4, 5, 0.1, 0.1, 0],
]
for (const [proposed, current, maxScaleOut, maxScaleOutRatio, maxScaleInRatio, expected] of originalVectors) {
  test(`the original's vector: proposing ${proposed} from ${current} (step floor ${maxScaleOut}, ratios ${maxScaleOutRatio}/${maxScaleInRatio}) gives ${expected}`, () => {
    assert.equal(
      constrainDesiredInstances(proposed, current, {
        maxScaleOut,
        maxScaleOutRatio,
        maxScaleInRatio,
        maxScaleIn: maxScaleOut,
      }),
      expected,
    )
  })
}

// Our fix (original-router.md §9 weakness 16): the scale-in step has its own floor.
const fixCases = [
  {
    name: 'a scale-in from 4 to 1 steps by one third, not by the scale-out floor of 5',
    proposed: 1,
    current: 4,
    limits: { maxScaleOut: 5, maxScaleOutRatio: 0.33, maxScaleIn: 1, maxScaleInRatio: 0.33 },
    expected: 2,
  },
  {
    name: 'a scale-in floor of 3 lets 10 drop to 7 at once even with a small ratio',
    proposed: 1,
    current: 10,
    limits: { maxScaleOut: 5, maxScaleOutRatio: 0.33, maxScaleIn: 3, maxScaleInRatio: 0.1 },
    expected: 7,
  },
  {
    name: 'the scale-out floor no longer changes scale-in steps',
    proposed: 1,
    current: 6,
    limits: { maxScaleOut: 50, maxScaleOutRatio: 0.33, maxScaleIn: 1, maxScaleInRatio: 0.33 },
    expected: 4,
  },
  {
    name: 'a proposal of zero still passes in one step',
    proposed: 0,
    current: 40,
    limits: { maxScaleOut: 5, maxScaleOutRatio: 0.33, maxScaleIn: 1, maxScaleInRatio: 0.1 },
    expected: 0,
  },
]
for (const row of fixCases) {
  test(row.name, () => {
    assert.equal(constrainDesiredInstances(row.proposed, row.current, row.limits), row.expected)
  })
}

test('the result lies between the current and the proposed count, at most one step from the current', () => {
  fc.assert(
    fc.property(
      fc.nat(1000),
      fc.nat(1000),
      fc.nat(20),
      fc.nat(20),
      fc.double({ min: 0, max: 2, noNaN: true }),
      fc.double({ min: 0, max: 2, noNaN: true }),
      (proposed, current, maxScaleOut, maxScaleIn, maxScaleOutRatio, maxScaleInRatio) => {
        const result = constrainDesiredInstances(proposed, current, {
          maxScaleOut,
          maxScaleIn,
          maxScaleOutRatio,
          maxScaleInRatio,
        })
        if (proposed === 0) {
          assert.equal(result, 0)
          return
        }
        assert.ok(result >= Math.min(proposed, current) && result <= Math.max(proposed, current))
        assert.ok(result - current <= Math.max(maxScaleOut, Math.ceil(current * maxScaleOutRatio)))
        assert.ok(current - result <= Math.max(maxScaleIn, Math.ceil(current * maxScaleInRatio)))
      },
    ),
  )
})
