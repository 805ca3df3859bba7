import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  addArrival,
  addCompletion,
  addTally,
  advanceEwma,
  type EwmaSettings,
  ewmaAlpha,
  ewmaDesiredInstances,
  initialEwmaState,
  isTickOver,
  updateDurationEwma,
  updateRateEwma,
} from '../../../../src/router/scaling/ewma.js'

// CapacityManagerTests.EwmaDesiredInstanceCount_ReturnsExpectedResult: (MCC, ICM, rps, duration ms) → desired, current 0.
const originalVectors: Array<[number, number, number, number, number]> = [
  [0, 0, 0, 0, 0],
  [10, 2, 0, 0, 0],
  [10, 2, 1, 0, 1],
  [10, 2, 1, 1, 1],
  [10, 2, 1, 1500, 1],
  [10, 2, 1, 59500, 15],
  [10, 2, 3000, 21, 16],
  [10, 2, 3000, 6, 5],
  [1, 1, 1, 1, 1],
  [10, 5, 2, 2, 1],
  [20, 10, 5, 2, 1],
  [10, 2, 100, 2, 1],
  [20, 4, 1000, 100, 24],
]
for (const [maxConcurrentCount, instanceCountMultiplier, requestsPerSecond, durationMs, expected] of originalVectors) {
  test(`the original's vector MCC ${maxConcurrentCount}, ICM ${instanceCountMultiplier}, ${requestsPerSecond} rps at ${durationMs} ms wants ${expected}`, () => {
    assert.equal(
      ewmaDesiredInstances(
        { requestsPerSecond, durationMs, currentDesired: 0 },
        { maxConcurrentCount, instanceCountMultiplier },
      ),
      expected,
    )
  })
}

// CapacityManagerTests.EwmaDesiredInstanceCount_SkipsScaleOnOneLess: (MCC, ICM, rps, ms, current) → desired.
const hysteresisVectors: Array<[number, number, number, number, number, number]> = [
  [10, 2, 1, 0, 2, 2],
  [10, 2, 1, 1, 2, 2],
  [10, 2, 1, 1500, 2, 2],
  [10, 2, 1, 59500, 16, 16],
  [10, 2, 3000, 21, 17, 17],
  [10, 2, 3000, 6, 6, 6],
  [1, 1, 1, 1, 2, 2],
  [10, 5, 2, 2, 2, 2],
  [20, 10, 5, 2, 2, 2],
  [10, 2, 100, 2, 2, 2],
  [20, 4, 1000, 100, 25, 25],
]
for (const [
  maxConcurrentCount,
  instanceCountMultiplier,
  requestsPerSecond,
  durationMs,
  currentDesired,
  expected,
] of hysteresisVectors) {
  test(`a result one below the current ${currentDesired} keeps ${expected} (${requestsPerSecond} rps at ${durationMs} ms)`, () => {
    assert.equal(
      ewmaDesiredInstances(
        { requestsPerSecond, durationMs, currentDesired },
        { maxConcurrentCount, instanceCountMultiplier },
      ),
      expected,
    )
  })
}

test('a result two below the current count is taken as it is', () => {
  // 1000 rps at 100 ms with target 5 wants 24; from 26 that is two below.
  assert.equal(
    ewmaDesiredInstances(
      { requestsPerSecond: 1000, durationMs: 100, currentDesired: 26 },
      { maxConcurrentCount: 20, instanceCountMultiplier: 4 },
    ),
    24,
  )
})

const settings: EwmaSettings = { ewmaTickMs: 100, rateWindowMs: 5000, durationWindowMs: 5000 }

test('the tick weight matches the original WeightedAverage for 5 s and 1 s windows', () => {
  assert.ok(Math.abs(ewmaAlpha(100, 5000) - 0.0198) < 0.0001)
  assert.ok(Math.abs(ewmaAlpha(100, 1000) - 0.0952) < 0.0001)
})

test('empty ticks leave the duration average where it was (fix of weakness 17)', () => {
  let state = initialEwmaState(0)
  state = addCompletion(state, 50, 10, settings)
  state = advanceEwma(state, 100, settings)
  assert.equal(state.durationMs, 50)
  // A minute with no completion at all: the original would have averaged 600 zeros in.
  state = advanceEwma(state, 60_100, settings)
  assert.equal(state.durationMs, 50)
})

test('empty ticks pull the rate average down: no arrivals means the rate fell', () => {
  const alpha = ewmaAlpha(100, 5000)
  let state = initialEwmaState(0)
  for (let i = 0; i < 10; i++) state = addArrival(state, 50, settings)
  state = advanceEwma(state, 100, settings)
  const afterOneTick = state.requestsPerSecond
  assert.ok(Math.abs(afterOneTick - alpha * 100) < 1e-9)
  state = advanceEwma(state, 1100, settings)
  assert.ok(Math.abs(state.requestsPerSecond - afterOneTick * (1 - alpha) ** 10) < 1e-9)
})

test('the first tick with completions seeds the duration average instead of averaging against zero', () => {
  let state = initialEwmaState(0)
  state = addCompletion(state, 40, 10, settings)
  state = addCompletion(state, 60, 20, settings)
  state = advanceEwma(state, 100, settings)
  assert.equal(state.durationMs, 50)
  state = addCompletion(state, 150, 120, settings)
  state = advanceEwma(state, 200, settings)
  const alpha = ewmaAlpha(100, 5000)
  assert.ok(Math.abs(state.durationMs - (alpha * 150 + (1 - alpha) * 50)) < 1e-9)
})

test('a constant arrival rate converges to that rate', () => {
  let state = initialEwmaState(0)
  for (let tick = 0; tick < 600; tick++) {
    for (let i = 0; i < 20; i++) state = addArrival(state, tick * 100 + i, settings)
  }
  state = advanceEwma(state, 60_000, settings)
  assert.ok(Math.abs(state.requestsPerSecond - 200) < 1, `rate ${state.requestsPerSecond}`)
})

test('an hour of idleness is folded in one step and leaves finite numbers', () => {
  let state = initialEwmaState(0)
  state = addArrival(state, 1, settings)
  state = advanceEwma(state, 3_600_000, settings)
  assert.ok(Number.isFinite(state.requestsPerSecond) && state.requestsPerSecond >= 0 && state.requestsPerSecond < 1e-9)
  assert.equal(state.tickStartMs, 3_600_000)
})

test('the primitive updates agree with the reducer', () => {
  assert.equal(updateDurationEwma(80, true, 0, 0, 0.5), 80)
  assert.equal(updateDurationEwma(0, false, 30, 1, 0.5), 30)
  assert.equal(updateDurationEwma(80, true, 40, 2, 0.5), 50)
  assert.equal(updateRateEwma(0, 10, 100, 0.5), 50)
  assert.equal(updateRateEwma(0, 10, 100, 0.5, 1), 25)
})

test('the duration average always lies between the shortest and longest durations seen', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ gapMs: fc.nat(2000), durationMs: fc.integer({ min: 0, max: 60_000 }) }), { minLength: 1 }),
      (events) => {
        let state = initialEwmaState(0)
        let nowMs = 0
        for (const event of events) {
          nowMs += event.gapMs
          state = addCompletion(state, event.durationMs, nowMs, settings)
        }
        state = advanceEwma(state, nowMs + 100, settings)
        const durations = events.map((event) => event.durationMs)
        assert.ok(state.durationMs >= Math.min(...durations) - 1e-9)
        assert.ok(state.durationMs <= Math.max(...durations) + 1e-9)
      },
    ),
  )
})

test('events of one tick tallied apart and added at once give the state that adding them one by one gives', () => {
  fc.assert(
    fc.property(
      fc.nat(1000),
      fc.array(fc.option(fc.double({ min: -5, max: 60_000, noNaN: true }), { nil: undefined }), { maxLength: 60 }),
      (startMs, events) => {
        let oneByOne = advanceEwma(initialEwmaState(0), startMs, settings)
        const tickStartMs = oneByOne.tickStartMs
        let arrivals = 0
        let completions = 0
        let durationSumMs = 0
        events.forEach((durationMs, i) => {
          const nowMs = tickStartMs + (i % settings.ewmaTickMs)
          if (durationMs === undefined) {
            oneByOne = addArrival(oneByOne, nowMs, settings)
            arrivals++
          } else {
            oneByOne = addCompletion(oneByOne, durationMs, nowMs, settings)
            completions++
            durationSumMs += Math.max(durationMs, 0)
          }
        })
        const start = advanceEwma(initialEwmaState(0), startMs, settings)
        assert.deepEqual(addTally(start, arrivals, completions, durationSumMs), oneByOne)
      },
    ),
  )
})

test('a tick is over exactly when advancing the state would close one', () => {
  fc.assert(
    fc.property(fc.nat(10_000), fc.double({ min: -1000, max: 10_000, noNaN: true }), (startMs, nowMs) => {
      const state = addArrival(initialEwmaState(startMs), startMs, settings)
      assert.equal(isTickOver(state, nowMs, settings), advanceEwma(state, nowMs, settings) !== state)
    }),
  )
})
