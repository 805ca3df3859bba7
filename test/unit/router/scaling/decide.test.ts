import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  decideScale,
  initialScaleState,
  type ScaleSample,
  type ScaleState,
} from '../../../../src/router/scaling/decide.js'
import { DEFAULT_SCALING_POLICY, type ScalingPolicy } from '../../../../src/router/scaling/policy.js'

const policy: ScalingPolicy = DEFAULT_SCALING_POLICY

function sample(counts: Partial<ScaleSample> = {}): ScaleSample {
  return {
    pendingRequests: 0,
    runningRequests: 0,
    startingInstances: 0,
    openInstances: 0,
    stoppingInstances: 0,
    requestsPerSecond: 0,
    requestDurationMs: 0,
    ...counts,
  }
}

function stateWith(changes: Partial<ScaleState>, base: ScalingPolicy = policy): ScaleState {
  return { ...initialScaleState(base, 0), ...changes }
}

const emptyBuckets = { scaleOutBucket: { tokens: 0, updatedAtMs: 0 }, scaleInBucket: { tokens: 0, updatedAtMs: 0 } }

test('the first request scales up from zero at once, without a token', () => {
  const decision = decideScale(stateWith(emptyBuckets), sample({ pendingRequests: 1 }), 100, policy)
  assert.equal(decision.state.desiredInstances, 1)
  assert.deepEqual(decision.action, { kind: 'start', count: 1 })
  assert.deepEqual(decision.notes, ['scale-out', 'start-missing'])
})

test('deciding again before the counts change starts nothing twice (single flight)', () => {
  const first = decideScale(initialScaleState(policy, 0), sample({ pendingRequests: 1 }), 100, policy)
  const again = decideScale(first.state, sample({ pendingRequests: 1, startingInstances: 1 }), 101, policy)
  assert.deepEqual(again.action, { kind: 'none' })
  assert.equal(again.state.desiredInstances, 1)
})

test('a scale-out waits out the minimum interval after the last one and says when to look again', () => {
  const state = stateWith({ desiredInstances: 1, lastScaleOutAtMs: 0, lastScaleInAtMs: 0 })
  const early = decideScale(state, sample({ runningRequests: 20, openInstances: 1 }), 500, policy)
  assert.equal(early.state.desiredInstances, 1)
  assert.deepEqual(early.notes, ['scale-out-waits'])
  assert.equal(early.wakeInMs, 1500)
  const later = decideScale(early.state, sample({ runningRequests: 20, openInstances: 1 }), 2000, policy)
  assert.equal(later.state.desiredInstances, 5)
  assert.deepEqual(later.action, { kind: 'start', count: 4 })
})

test('one decision grows desired by at most one step', () => {
  const state = stateWith({ desiredInstances: 2 })
  const decision = decideScale(state, sample({ pendingRequests: 10_000, openInstances: 2 }), 0, policy)
  assert.equal(decision.state.desiredInstances, 7)
})

test('scale-out tokens run out after five steps and the wait is the refill time', () => {
  const fast = { ...policy, minScaleIntervalMs: 0, maxInstances: 1000 }
  let state = stateWith({ desiredInstances: 1 }, fast)
  const desiredSeen: number[] = []
  for (let step = 0; step < 6; step++) {
    const decision = decideScale(
      state,
      sample({ pendingRequests: 100_000, openInstances: state.desiredInstances }),
      10,
      fast,
    )
    state = decision.state
    desiredSeen.push(state.desiredInstances)
    if (step === 5) {
      assert.deepEqual(decision.notes, ['scale-out-waits'])
      assert.equal(decision.wakeInMs, 1000)
    }
  }
  assert.deepEqual(desiredSeen, [6, 11, 16, 22, 30, 30])
})

test('desired never passes maxInstances, and starts count the instances already starting', () => {
  const state = stateWith({ desiredInstances: 18 })
  const decision = decideScale(
    state,
    sample({ pendingRequests: 100_000, startingInstances: 15, openInstances: 3 }),
    0,
    policy,
  )
  assert.equal(decision.state.desiredInstances, 20)
  assert.deepEqual(decision.action, { kind: 'start', count: 2 })
})

test('minInstances are started with no traffic and idleness never takes desired below them', () => {
  const withMin = { ...policy, minInstances: 2 }
  const first = decideScale(initialScaleState(withMin, 0), sample(), 0, withMin)
  assert.equal(first.state.desiredInstances, 2)
  assert.deepEqual(first.action, { kind: 'start', count: 2 })
  assert.equal(first.wakeInMs, withMin.reevaluateIntervalMs)
  const idle = decideScale(first.state, sample({ openInstances: 2 }), 60_000, withMin)
  assert.deepEqual(idle.action, { kind: 'none' })
  assert.equal(idle.state.deferredScaleIn, undefined)
  assert.equal(idle.wakeInMs, undefined)
})

test('zero demand schedules a scale-in to zero without a token and applies it after the delay', () => {
  const state = stateWith({ desiredInstances: 3, ...emptyBuckets })
  const scheduled = decideScale(state, sample({ openInstances: 3 }), 10_000, policy)
  assert.deepEqual(scheduled.notes, ['scale-in-scheduled'])
  assert.equal(scheduled.wakeInMs, 300)
  assert.equal(scheduled.state.desiredInstances, 3)
  assert.deepEqual(scheduled.action, { kind: 'none' })
  const applied = decideScale(scheduled.state, sample({ openInstances: 3 }), 10_300, policy)
  assert.equal(applied.state.desiredInstances, 0)
  assert.deepEqual(applied.action, { kind: 'stop', count: 3 })
  assert.deepEqual(applied.notes, ['scale-in-applied', 'stop-surplus'])
})

test('demand back at the desired count during the delay cancels the scale-in', () => {
  const state = stateWith({ desiredInstances: 3 })
  const scheduled = decideScale(state, sample({ openInstances: 3 }), 10_000, policy)
  const busy = decideScale(scheduled.state, sample({ runningRequests: 10, openInstances: 3 }), 10_100, policy)
  assert.deepEqual(busy.notes, ['scale-in-cancelled'])
  assert.equal(busy.state.deferredScaleIn, undefined)
  const quietAgain = decideScale(busy.state, sample({ openInstances: 3 }), 10_300, policy)
  assert.equal(quietAgain.state.desiredInstances, 3)
  assert.deepEqual(quietAgain.notes, ['scale-in-scheduled'])
})

test('bursty low load no longer drops desired to zero while requests still arrive (weakness 15)', () => {
  const state = stateWith({ desiredInstances: 2 })
  const scheduled = decideScale(state, sample({ openInstances: 2 }), 10_000, policy)
  // One request running: the original ignored this sample and went to 0 at 10 300.
  const trickle = decideScale(scheduled.state, sample({ runningRequests: 1, openInstances: 2 }), 10_100, policy)
  assert.deepEqual(trickle.notes, ['scale-in-raised'])
  const due = decideScale(trickle.state, sample({ openInstances: 2 }), 10_300, policy)
  assert.equal(due.state.desiredInstances, 1)
  assert.deepEqual(due.action, { kind: 'stop', count: 1 })
})

test('queued requests hold a scale-in and keep the scale-in token', () => {
  const state = stateWith({ desiredInstances: 5 })
  const decision = decideScale(state, sample({ pendingRequests: 1, openInstances: 5 }), 10_000, policy)
  assert.deepEqual(decision.notes, ['scale-in-held-by-queue'])
  assert.equal(decision.state.scaleInBucket.tokens, policy.scaleInBucket.capacity)
  assert.equal(decision.wakeInMs, undefined)
})

test('a partial scale-in takes a token and waits the minimum interval after a scale-out', () => {
  const state = stateWith({ desiredInstances: 6, lastScaleOutAtMs: 0, lastScaleInAtMs: 0 })
  const running5 = sample({ runningRequests: 5, openInstances: 6 })
  const early = decideScale(state, running5, 1000, policy)
  assert.deepEqual(early.notes, ['scale-in-waits'])
  assert.equal(early.wakeInMs, 1000)
  const scheduled = decideScale(early.state, running5, 2000, policy)
  assert.deepEqual(scheduled.notes, ['scale-in-scheduled'])
  assert.equal(scheduled.state.deferredScaleIn?.targetInstances, 4)
  assert.equal(scheduled.state.scaleInBucket.tokens, 1)
  const applied = decideScale(scheduled.state, running5, 2300, policy)
  assert.equal(applied.state.desiredInstances, 4)
  assert.deepEqual(applied.action, { kind: 'stop', count: 2 })
})

test('the third partial scale-in within a refill interval waits for a scale-in token', () => {
  let state = stateWith({ desiredInstances: 9 })
  const notes: string[][] = []
  const wakes: Array<number | undefined> = []
  for (const nowMs of [0, 300, 2300, 2600, 4600]) {
    const decision = decideScale(
      state,
      sample({ runningRequests: 1, openInstances: state.desiredInstances }),
      nowMs,
      policy,
    )
    state = decision.state
    notes.push([...decision.notes].filter((note) => note !== 'stop-surplus'))
    wakes.push(decision.wakeInMs)
  }
  assert.deepEqual(notes, [
    ['scale-in-scheduled'],
    ['scale-in-applied', 'scale-in-waits'],
    ['scale-in-scheduled'],
    ['scale-in-applied', 'scale-in-waits'],
    ['scale-in-waits'],
  ])
  // Tokens: taken at 0 and 2300; the bucket stopped being full at 0, so the next token comes at 5000.
  assert.equal(wakes[4], 400)
  assert.equal(state.desiredInstances, 4)
})

test('instances missing from desired are started again and the scaler looks again later', () => {
  const state = stateWith({ desiredInstances: 3 })
  const decision = decideScale(state, sample({ runningRequests: 10, openInstances: 1 }), 5000, policy)
  assert.deepEqual(decision.action, { kind: 'start', count: 2 })
  assert.deepEqual(decision.notes, ['start-missing'])
  assert.equal(decision.wakeInMs, policy.reevaluateIntervalMs)
})

test('surplus open instances are stopped and starting ones are left alone', () => {
  const state = stateWith({ desiredInstances: 2 })
  const decision = decideScale(
    state,
    sample({ runningRequests: 5, openInstances: 4, startingInstances: 3 }),
    5000,
    policy,
  )
  assert.deepEqual(decision.action, { kind: 'stop', count: 2 })
})

test('retiring instances count neither toward desired nor against the cap, so a replacement starts', () => {
  const state = stateWith({ desiredInstances: 2 })
  const decision = decideScale(
    state,
    sample({ runningRequests: 5, openInstances: 1, stoppingInstances: 1 }),
    5000,
    policy,
  )
  assert.deepEqual(decision.action, { kind: 'start', count: 1 })
})

const ewma: ScalingPolicy = { ...policy, algorithm: 'ewma', maxInstances: 100 }

test('with ewma the averages decide once both are known', () => {
  const state = stateWith({ desiredInstances: 20 }, ewma)
  const decision = decideScale(
    state,
    sample({ runningRequests: 1, openInstances: 20, requestsPerSecond: 1000, requestDurationMs: 100 }),
    5000,
    ewma,
  )
  assert.equal(decision.proposedInstances, 24)
  assert.equal(decision.state.desiredInstances, 24)
})

test('with ewma the simple formula decides until a duration is known', () => {
  const state = stateWith({ desiredInstances: 20 }, ewma)
  const decision = decideScale(
    state,
    sample({ runningRequests: 1, openInstances: 20, requestsPerSecond: 1000 }),
    5000,
    ewma,
  )
  assert.equal(decision.proposedInstances, 20 - 7)
})

test('with ewma and requests queued the proposal is never below the simple one', () => {
  const state = stateWith({ desiredInstances: 5 }, ewma)
  const decision = decideScale(
    state,
    sample({ pendingRequests: 100, openInstances: 5, requestsPerSecond: 1, requestDurationMs: 10 }),
    5000,
    ewma,
  )
  assert.equal(decision.proposedInstances, 6)
})

test('with ewma zero demand hands the decision to simple after the idle switch time', () => {
  const state = stateWith({ desiredInstances: 3, lastDemandAtMs: 1000 }, ewma)
  const averages = { requestsPerSecond: 50, requestDurationMs: 100, openInstances: 3 }
  const soon = decideScale(state, sample(averages), 1050, ewma)
  assert.equal(soon.proposedInstances, 3)
  assert.equal(soon.wakeInMs, 50)
  const idle = decideScale(soon.state, sample(averages), 1100, ewma)
  assert.equal(idle.proposedInstances, 0)
  assert.deepEqual(idle.notes, ['scale-in-scheduled'])
})

// A pool that does what the scaler asks: starts appear as starting, some open, stops retire the open ones.
const stepArb = fc.record({
  gapMs: fc.nat(3000),
  pending: fc.oneof(fc.constant(0), fc.nat(500)),
  running: fc.oneof(fc.constant(0), fc.nat(300)),
  opened: fc.nat(10),
  lost: fc.nat(3),
  gateRefuses: fc.boolean(),
})
const policyArb = fc.record({
  algorithm: fc.constantFrom<'simple' | 'ewma'>('simple', 'ewma'),
  minInstances: fc.nat(3),
  extra: fc.integer({ min: 1, max: 30 }),
  minScaleIntervalMs: fc.constantFrom(0, 500, 2000),
})

test('under any load desired stays in [min, max], live instances never pass max, and growth respects the spacing', () => {
  fc.assert(
    fc.property(policyArb, fc.array(stepArb, { minLength: 1, maxLength: 120 }), (shape, steps) => {
      const p: ScalingPolicy = {
        ...policy,
        algorithm: shape.algorithm,
        minInstances: shape.minInstances,
        maxInstances: shape.minInstances + shape.extra,
        minScaleIntervalMs: shape.minScaleIntervalMs,
      }
      let state = initialScaleState(p, 0)
      let nowMs = 0
      let starting = 0
      let open = 0
      let lastGrowthMs = Number.NEGATIVE_INFINITY
      for (const step of steps) {
        nowMs += step.gapMs
        const opened = Math.min(step.opened, starting)
        starting -= opened
        open += opened
        open -= Math.min(step.lost, open)
        const before = state.desiredInstances
        const decision = decideScale(
          state,
          sample({
            pendingRequests: step.pending,
            runningRequests: step.running,
            startingInstances: starting,
            openInstances: open,
            requestsPerSecond: step.running * 10,
            requestDurationMs: step.running > 0 ? 100 : 0,
          }),
          nowMs,
          p,
        )
        state = decision.state
        const desired = state.desiredInstances
        assert.ok(desired >= p.minInstances && desired <= p.maxInstances, `desired ${desired}`)
        if (desired > before && before > 0) {
          assert.ok(nowMs - lastGrowthMs >= p.minScaleIntervalMs, 'growth came too soon after the last')
        }
        if (desired > before) lastGrowthMs = nowMs
        if (desired < before) {
          assert.ok(decision.notes.includes('scale-in-applied'))
          assert.equal(step.pending, 0, 'desired fell while requests were queued')
        }
        if (decision.action.kind === 'start') {
          assert.equal(decision.action.count, desired - (starting + open))
          if (!step.gateRefuses) starting += decision.action.count
        }
        if (decision.action.kind === 'stop') {
          assert.ok(decision.action.count <= open)
          open -= decision.action.count
        }
        assert.ok(starting + open <= p.maxInstances, `live ${starting + open} past max ${p.maxInstances}`)
        if (decision.wakeInMs !== undefined) assert.ok(decision.wakeInMs >= 0 && Number.isFinite(decision.wakeInMs))
      }
    }),
  )
})
