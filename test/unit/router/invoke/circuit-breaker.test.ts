import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  type BreakerData,
  type BreakerPolicy,
  breakerStateAt,
  CircuitBreaker,
  initialBreaker,
  passBreaker,
  recordBreakerOutcome,
} from '../../../../src/router/invoke/circuit-breaker.js'

const policy: BreakerPolicy = {
  failureThreshold: 3,
  failureRatio: 0.5,
  ratioWindowSize: 10,
  minSamplesForRatio: 6,
  coolDownMs: 1000,
  maxCoolDownMs: 4000,
}

function fold(outcomes: Array<'success' | 'failure'>, nowMs = 0): BreakerData {
  return outcomes.reduce(
    (breaker, outcome) => recordBreakerOutcome(breaker, outcome, nowMs, policy),
    initialBreaker(policy),
  )
}

const openings = [
  { name: 'failures below the threshold keep it closed', outcomes: ['failure', 'failure'], state: 'closed' },
  {
    name: 'the threshold of consecutive failures opens it',
    outcomes: ['failure', 'failure', 'failure'],
    state: 'open',
  },
  {
    name: 'a success resets the consecutive count',
    outcomes: ['failure', 'failure', 'success', 'failure', 'failure'],
    state: 'closed',
  },
  {
    name: 'half of the recent outcomes failing opens it without a streak',
    outcomes: ['failure', 'success', 'failure', 'success', 'failure', 'success', 'failure'],
    state: 'open',
  },
  {
    name: 'a failure share below the ratio keeps it closed',
    outcomes: ['failure', 'success', 'success', 'failure', 'success', 'success', 'failure', 'success'],
    state: 'closed',
  },
] as const
for (const row of openings) {
  test(row.name, () => {
    assert.equal(breakerStateAt(fold([...row.outcomes]), 0), row.state)
  })
}

test('the sequence closed → open → half-open → probe → closed after a good probe', () => {
  const states: string[] = []
  let breaker = fold(['failure', 'failure', 'failure'], 0)
  states.push(breakerStateAt(breaker, 0))
  assert.deepEqual(passBreaker(breaker, 400), { ok: false, retryInMs: 600 })
  states.push(breakerStateAt(breaker, 1000))
  const probe = passBreaker(breaker, 1000)
  assert.equal(probe.ok, true)
  if (probe.ok) breaker = probe.breaker
  assert.equal(passBreaker(breaker, 1001).ok, false, 'a second call passes while the probe is out')
  breaker = recordBreakerOutcome(breaker, 'success', 1200, policy)
  states.push(breakerStateAt(breaker, 1200))
  assert.deepEqual(states, ['open', 'half-open', 'closed'])
})

test('a failed probe opens it again for twice as long, up to the maximum', () => {
  let breaker = fold(['failure', 'failure', 'failure'], 0)
  const coolDowns: number[] = []
  let nowMs = 0
  for (let round = 0; round < 4; round++) {
    nowMs = breaker.sinceMs
    const probe = passBreaker(breaker, nowMs)
    assert.equal(probe.ok, true)
    if (probe.ok) breaker = probe.breaker
    breaker = recordBreakerOutcome(breaker, 'failure', nowMs, policy)
    coolDowns.push(breaker.sinceMs - nowMs)
  }
  assert.deepEqual(coolDowns, [2000, 4000, 4000, 4000])
})

test('a probe whose outcome never arrives is replaced after one cool-down', () => {
  let breaker = fold(['failure', 'failure', 'failure'], 0)
  const probe = passBreaker(breaker, 1000)
  assert.ok(probe.ok)
  breaker = probe.breaker
  assert.deepEqual(passBreaker(breaker, 1500), { ok: false, retryInMs: 500 })
  assert.equal(passBreaker(breaker, 2000).ok, true)
})

test('late outcomes while open neither extend nor end the cool-down', () => {
  const breaker = fold(['failure', 'failure', 'failure'], 0)
  assert.deepEqual(recordBreakerOutcome(breaker, 'failure', 500, policy), breaker)
  assert.deepEqual(recordBreakerOutcome(breaker, 'success', 500, policy), breaker)
})

test('while it is not closed at most one call per cool-down passes', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ gapMs: fc.nat(700), outcome: fc.constantFrom<'failure' | 'none'>('failure', 'none') }), {
        maxLength: 300,
      }),
      (steps) => {
        let breaker = fold(['failure', 'failure', 'failure'], 0)
        let nowMs = 0
        let lastPassMs = Number.NEGATIVE_INFINITY
        for (const step of steps) {
          nowMs += step.gapMs
          const pass = passBreaker(breaker, nowMs)
          if (!pass.ok) continue
          assert.ok(nowMs - lastPassMs >= policy.coolDownMs, `passed again after ${nowMs - lastPassMs} ms`)
          lastPassMs = nowMs
          breaker = pass.breaker
          if (step.outcome === 'failure') breaker = recordBreakerOutcome(breaker, 'failure', nowMs, policy)
        }
      },
    ),
  )
})

test('the class holds the same state machine with an injected clock', () => {
  let nowMs = 0
  const breaker = new CircuitBreaker(policy, { now: () => nowMs })
  for (let i = 0; i < 3; i++) breaker.recordFailure()
  assert.equal(breaker.state, 'open')
  assert.deepEqual(breaker.tryPass(), { ok: false, retryInMs: 1000 })
  nowMs = 1000
  assert.equal(breaker.state, 'half-open')
  assert.deepEqual(breaker.tryPass(), { ok: true })
  breaker.recordSuccess()
  assert.equal(breaker.state, 'closed')
  breaker.close()
})
