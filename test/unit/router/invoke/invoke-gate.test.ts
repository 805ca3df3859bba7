import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { type InvokeRefused, RouterEvents } from '../../../../src/router/events.js'
import {
  DEFAULT_INVOKE_GATE_POLICY,
  InvokeGate,
  type InvokeGateOutcome,
  type InvokeGatePolicy,
  validateInvokeGatePolicy,
} from '../../../../src/router/invoke/invoke-gate.js'
import { decideScale, initialScaleState } from '../../../../src/router/scaling/decide.js'
import { DEFAULT_SCALING_POLICY } from '../../../../src/router/scaling/policy.js'

const policy: InvokeGatePolicy = {
  maxInvokesPerMinute: 60,
  burstInvokes: 3,
  backoff: { baseMs: 100, maxMs: 1600, jitter: 'equal' },
  breaker: {
    failureThreshold: 4,
    failureRatio: 0.5,
    ratioWindowSize: 10,
    minSamplesForRatio: 8,
    coolDownMs: 5000,
    maxCoolDownMs: 20_000,
  },
}

function gateAt(start = 0, random = 0.5): { gate: InvokeGate; clock: { nowMs: number } } {
  const clock = { nowMs: start }
  return { gate: new InvokeGate(policy, { now: () => clock.nowMs, random: () => random }), clock }
}

test('a fresh gate admits a burst, then refuses for the rate limit until the next token', () => {
  const { gate } = gateAt()
  assert.equal(gate.view.nextAdmissionInMs, 0)
  const results = [gate.tryAcquire(), gate.tryAcquire(), gate.tryAcquire(), gate.tryAcquire()]
  assert.deepEqual(results, [
    { ok: true },
    { ok: true },
    { ok: true },
    { ok: false, reason: 'rate-limit', retryInMs: 1000 },
  ])
  assert.equal(gate.view.nextAdmissionInMs, 1000)
})

test('a refused instance start is published with its reason and retry time; a refused pre-warm is not', () => {
  const events = new RouterEvents()
  const refusals: InvokeRefused[] = []
  events.invokeRefused.subscribe((refusal) => refusals.push(refusal))
  const gate = new InvokeGate(policy, { now: () => 0, random: () => 0.5, publishTo: { events, poolId: 'pool-a' } })
  for (let i = 0; i < 3; i++) assert.deepEqual(gate.tryAcquire(), { ok: true })
  assert.deepEqual(refusals, [], 'admissions are no event')
  assert.equal(gate.tryAcquire({ kind: 'pre_warm' }).ok, false)
  assert.deepEqual(refusals, [], 'a pre-warm is optional: its refusal is not published')
  assert.equal(gate.tryAcquire().ok, false)
  gate.recordOutcome('failed')
  assert.equal(gate.tryAcquire({ kind: 'instance', fromBucket: false }).ok, false)
  assert.deepEqual(refusals, [
    { poolId: 'pool-a', reason: 'rate-limit', retryInMs: 1000 },
    { poolId: 'pool-a', reason: 'backoff', retryInMs: 75 },
  ])
})

test('an admission that skips the bucket takes no token but still meets the breaker and the backoff', () => {
  const { gate } = gateAt()
  for (let i = 0; i < 5; i++) assert.deepEqual(gate.tryAcquire({ fromBucket: false }), { ok: true })
  assert.equal(gate.view.tokens, 3, 'the burst bucket is untouched')
  gate.recordOutcome('failed')
  assert.equal(gate.tryAcquire({ fromBucket: false }).ok, false, 'backoff applies')
  for (let i = 0; i < 3; i++) gate.recordOutcome('never-connected')
  assert.equal(gate.tryAcquire({ fromBucket: false }).ok, false)
  assert.equal(gate.breakerState, 'open')
})

test('a failure makes the gate back off, and the wait doubles with each further failure', () => {
  const { gate, clock } = gateAt(0, 0)
  gate.tryAcquire()
  gate.recordOutcome('failed')
  assert.deepEqual(gate.tryAcquire(), { ok: false, reason: 'backoff', retryInMs: 50 })
  clock.nowMs = 50
  assert.deepEqual(gate.tryAcquire(), { ok: true })
  gate.recordOutcome('never-connected')
  assert.deepEqual(gate.tryAcquire(), { ok: false, reason: 'backoff', retryInMs: 100 })
})

test('a success ends the backoff at once', () => {
  const { gate } = gateAt()
  gate.tryAcquire()
  gate.recordOutcome('throttled')
  assert.equal(gate.tryAcquire().ok, false)
  gate.recordOutcome('success')
  assert.deepEqual(gate.tryAcquire(), { ok: true })
  assert.equal(gate.view.consecutiveFailures, 0)
})

test('throttles back off but never open the breaker: the function itself works', () => {
  const { gate } = gateAt()
  for (let i = 0; i < 10; i++) gate.recordOutcome('throttled')
  assert.equal(gate.breakerState, 'closed')
  assert.equal(gate.view.consecutiveFailures, 10)
  assert.equal(gate.view.backoffRemainingMs, 1200)
})

test('slow connect-backs back off like throttles and never open the breaker', () => {
  const { gate } = gateAt()
  for (let i = 0; i < 10; i++) gate.recordOutcome('slow-connect')
  assert.equal(gate.breakerState, 'closed')
  assert.equal(gate.view.backoffRemainingMs, 1200)
})

test('repeated failures open the breaker, and the refusal says circuit-open before backoff', () => {
  const { gate } = gateAt()
  for (let i = 0; i < 4; i++) gate.recordOutcome('never-connected')
  assert.equal(gate.breakerState, 'open')
  assert.deepEqual(gate.tryAcquire(), { ok: false, reason: 'circuit-open', retryInMs: 5000 })
  assert.equal(gate.view.nextAdmissionInMs, 5000)
})

test('after the cool-down exactly one probe passes; its success closes the breaker', () => {
  const { gate, clock } = gateAt()
  for (let i = 0; i < 4; i++) gate.recordOutcome('failed')
  clock.nowMs = 5000
  assert.equal(gate.breakerState, 'half-open')
  assert.deepEqual(gate.tryAcquire(), { ok: true })
  assert.equal(gate.tryAcquire().ok, false)
  gate.recordOutcome('success')
  assert.equal(gate.breakerState, 'closed')
  assert.deepEqual(gate.tryAcquire(), { ok: true })
})

test('a probe refused by the rate limit does not use up the probe', () => {
  let nowMs = 0
  const gate = new InvokeGate({ ...policy, maxInvokesPerMinute: 1 }, { now: () => nowMs, random: () => 0.5 })
  for (let i = 0; i < 3; i++) gate.tryAcquire()
  for (let i = 0; i < 4; i++) gate.recordOutcome('failed')
  nowMs = 5000
  assert.equal(gate.tryAcquire().ok, false)
  // Had the refused call taken the probe, this would be 'circuit-open' until 10 000.
  nowMs = 7000
  assert.deepEqual(gate.tryAcquire(), { ok: false, reason: 'rate-limit', retryInMs: 53_000 })
  nowMs = 60_000
  assert.deepEqual(gate.tryAcquire(), { ok: true })
  assert.equal(gate.tryAcquire().ok, false)
})

test('the default policy is valid and a broken one is named field by field', () => {
  assert.deepEqual(validateInvokeGatePolicy(DEFAULT_INVOKE_GATE_POLICY), [])
  const problems = validateInvokeGatePolicy({
    ...policy,
    maxInvokesPerMinute: 0,
    burstInvokes: 1.5,
    breaker: { ...policy.breaker, failureRatio: 2 },
  })
  assert.deepEqual(problems, [
    'maxInvokesPerMinute must be a positive number, got 0',
    'burstInvokes must be an integer ≥ 1, got 1.5',
    'breaker.failureRatio must be in (0, 1], got 2',
  ])
})

const outcomeArb = fc.constantFrom<InvokeGateOutcome | 'none'>(
  'success',
  'throttled',
  'failed',
  'never-connected',
  'none',
)

test('whatever the invokes do, admissions in any window stay within burst + rate × window', () => {
  fc.assert(
    fc.property(
      fc.record({
        maxInvokesPerMinute: fc.integer({ min: 1, max: 6000 }),
        burstInvokes: fc.integer({ min: 1, max: 50 }),
      }),
      fc.array(fc.record({ gapMs: fc.nat(2000), tries: fc.integer({ min: 1, max: 5 }), outcome: outcomeArb }), {
        minLength: 1,
        maxLength: 300,
      }),
      fc.double({ min: 0, max: 0.999, noNaN: true }),
      (limits, steps, random) => {
        const shaped: InvokeGatePolicy = { ...DEFAULT_INVOKE_GATE_POLICY, ...limits }
        const intervalMs = 60_000 / shaped.maxInvokesPerMinute
        let nowMs = 0
        const gate = new InvokeGate(shaped, { now: () => nowMs, random: () => random })
        const admittedAt: number[] = []
        for (const step of steps) {
          nowMs += step.gapMs
          for (let i = 0; i < step.tries; i++) {
            if (gate.tryAcquire().ok) admittedAt.push(nowMs)
          }
          if (step.outcome !== 'none') gate.recordOutcome(step.outcome)
        }
        for (let first = 0; first < admittedAt.length; first++) {
          for (let last = first; last < admittedAt.length; last++) {
            const windowMs = (admittedAt[last] as number) - (admittedAt[first] as number)
            assert.ok(last - first + 1 <= shaped.burstInvokes + Math.ceil(windowMs / intervalMs))
          }
        }
      },
    ),
  )
})

test('a pool whose Lambdas never connect back keeps its invokes per minute under the bound', () => {
  // Simulated ten minutes, 100 ms steps: requests always queued, every admitted invoke times out unconnected
  // after 10 s. Scaling policy and gate are the defaults; no timers, the clock is a number.
  const gatePolicy = DEFAULT_INVOKE_GATE_POLICY
  const startTimeoutMs = 10_000
  let nowMs = 0
  const gate = new InvokeGate(gatePolicy, { now: () => nowMs, random: () => 0.5 })
  let scale = initialScaleState(DEFAULT_SCALING_POLICY, 0)
  let starting: number[] = []
  const invokesPerMinute = new Array<number>(10).fill(0)
  for (nowMs = 0; nowMs < 600_000; nowMs += 100) {
    const expired = starting.filter((deadlineMs) => deadlineMs <= nowMs)
    starting = starting.filter((deadlineMs) => deadlineMs > nowMs)
    for (const _ of expired) gate.recordOutcome('never-connected')
    const decision = decideScale(
      scale,
      {
        pendingRequests: 100,
        runningRequests: 0,
        startingInstances: starting.length,
        openInstances: 0,
        stoppingInstances: 0,
        requestsPerSecond: 0,
        requestDurationMs: 0,
      },
      nowMs,
      DEFAULT_SCALING_POLICY,
    )
    scale = decision.state
    if (decision.action.kind !== 'start') continue
    for (let i = 0; i < decision.action.count; i++) {
      if (!gate.tryAcquire().ok) break
      starting.push(nowMs + startTimeoutMs)
      invokesPerMinute[Math.floor(nowMs / 60_000)]! += 1
    }
  }
  const total = invokesPerMinute.reduce((sum, count) => sum + count, 0)
  assert.ok(total <= gatePolicy.burstInvokes + gatePolicy.maxInvokesPerMinute * 10, `total ${total}`)
  for (const count of invokesPerMinute) {
    assert.ok(count <= gatePolicy.burstInvokes + gatePolicy.maxInvokesPerMinute, `a minute had ${count}`)
  }
  // The breaker does far better than the rate bound: after the first minute, one probe per cool-down at most.
  for (const count of invokesPerMinute.slice(1)) {
    assert.ok(count <= 60_000 / gatePolicy.breaker.coolDownMs, `a later minute had ${count} invokes`)
  }
  assert.equal(gate.breakerState === 'closed', false)
})
