import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_SCALING_POLICY, validateScalingPolicy } from '../../../../src/router/scaling/policy.js'

test("the defaults are the original's constants plus our bounds, and they are valid", () => {
  assert.deepEqual(validateScalingPolicy(DEFAULT_SCALING_POLICY), [])
  const {
    maxConcurrentCount,
    instanceCountMultiplier,
    scaleOutBucket,
    scaleInBucket,
    minScaleIntervalMs,
    scaleInDelayMs,
  } = DEFAULT_SCALING_POLICY
  assert.deepEqual(
    { maxConcurrentCount, instanceCountMultiplier, scaleOutBucket, scaleInBucket, minScaleIntervalMs, scaleInDelayMs },
    {
      maxConcurrentCount: 10,
      instanceCountMultiplier: 2,
      scaleOutBucket: { capacity: 5, refillIntervalMs: 1000 },
      scaleInBucket: { capacity: 2, refillIntervalMs: 5000 },
      minScaleIntervalMs: 2000,
      scaleInDelayMs: 300,
    },
  )
  assert.ok(Object.isFrozen(DEFAULT_SCALING_POLICY))
})

const invalid = [
  {
    name: 'minInstances above maxInstances is refused',
    change: { minInstances: 5, maxInstances: 3 },
    problem: 'minInstances (5) must not exceed maxInstances (3)',
  },
  {
    name: 'MaxConcurrentCount above 100 is refused, as the original did',
    change: { maxConcurrentCount: 101 },
    problem: 'maxConcurrentCount must be an integer 1–100, got 101',
  },
  {
    name: 'InstanceCountMultiplier above 10 is refused, as the original did',
    change: { instanceCountMultiplier: 11 },
    problem: 'instanceCountMultiplier must be an integer 1–10, got 11',
  },
  {
    name: 'a scale-out that could never leave zero is refused',
    change: { maxScaleOut: 0, maxScaleOutRatio: 0 },
    problem: 'maxScaleOut and maxScaleOutRatio must not both be 0: the pool could never grow past 0',
  },
  {
    name: 'an empty token bucket is refused',
    change: { scaleInBucket: { capacity: 0, refillIntervalMs: 5000 } },
    problem: 'scaleInBucket.capacity must be an integer 1–10000, got 0',
  },
  {
    name: 'a negative scale-in delay is refused',
    change: { scaleInDelayMs: -1 },
    problem: 'scaleInDelayMs must be a number of ms ≥ 0, got -1',
  },
]
for (const row of invalid) {
  test(row.name, () => {
    assert.deepEqual(validateScalingPolicy({ ...DEFAULT_SCALING_POLICY, ...row.change }), [row.problem])
  })
}
