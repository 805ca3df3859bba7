import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { nextBackoffMs } from '../../../../src/router/invoke/backoff.js'

const full = { baseMs: 100, maxMs: 10_000, jitter: 'full' } as const
const equal = { baseMs: 100, maxMs: 10_000, jitter: 'equal' } as const

const cases = [
  { name: 'no failure means no wait', attempt: 0, policy: full, random: 0.5, expected: 0 },
  {
    name: 'the first failure waits up to the base step (full jitter)',
    attempt: 1,
    policy: full,
    random: 0.5,
    expected: 50,
  },
  { name: 'each further failure doubles the step', attempt: 4, policy: full, random: 0.5, expected: 400 },
  { name: 'the step stops growing at the maximum', attempt: 20, policy: full, random: 0.5, expected: 5000 },
  { name: 'full jitter can wait almost nothing', attempt: 3, policy: full, random: 0, expected: 0 },
  { name: 'equal jitter waits at least half the step', attempt: 3, policy: equal, random: 0, expected: 200 },
  { name: 'equal jitter waits at most the step', attempt: 3, policy: equal, random: 1, expected: 400 },
  { name: 'a random value above 1 is clamped', attempt: 1, policy: full, random: 7, expected: 100 },
  {
    name: 'a huge attempt count does not overflow past the maximum',
    attempt: 5000,
    policy: equal,
    random: 1,
    expected: 10_000,
  },
]
for (const row of cases) {
  test(row.name, () => {
    assert.equal(
      nextBackoffMs(row.attempt, row.policy, () => row.random),
      row.expected,
    )
  })
}

test('the wait is always within [0, maxMs], and equal jitter never below half the step', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -5, max: 2000 }),
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.constantFrom<'full' | 'equal'>('full', 'equal'),
      fc.double({ min: -1, max: 2, noNaN: true }),
      (attempt, baseMs, extraMs, jitter, random) => {
        const policy = { baseMs, maxMs: baseMs + extraMs, jitter }
        const waitMs = nextBackoffMs(attempt, policy, () => random)
        assert.ok(waitMs >= 0 && waitMs <= policy.maxMs)
        if (attempt >= 1 && jitter === 'equal') {
          assert.ok(waitMs >= Math.min(policy.maxMs, baseMs * 2 ** (attempt - 1)) / 2)
        }
      },
    ),
  )
})
