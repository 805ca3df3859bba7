import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  fullTokenBucket,
  refillTokenBucket,
  type TokenBucketState,
  takeToken,
} from '../../../../src/router/scaling/token-bucket.js'

const scaleOut = { capacity: 5, refillIntervalMs: 1000 }

function takeMany(state: TokenBucketState, nowMs: number, count: number): { state: TokenBucketState; taken: number } {
  let current = state
  let taken = 0
  for (let i = 0; i < count; i++) {
    const result = takeToken(current, nowMs, scaleOut)
    current = result.state
    if (result.taken) taken++
  }
  return { state: current, taken }
}

test('a new bucket is full: the first burst takes every token at once', () => {
  const { taken } = takeMany(fullTokenBucket(scaleOut, 0), 0, 7)
  assert.equal(taken, 5)
})

const cases = [
  {
    name: 'an empty bucket refuses and names the wait for the next token',
    drainAtMs: 0,
    askAtMs: 400,
    taken: false,
    nextTokenInMs: 600,
  },
  {
    name: 'an empty bucket gives one token after one interval',
    drainAtMs: 0,
    askAtMs: 1000,
    taken: true,
    nextTokenInMs: 1000,
  },
  {
    name: 'a partly elapsed interval is kept toward the next token',
    drainAtMs: 0,
    askAtMs: 1500,
    taken: true,
    nextTokenInMs: 500,
  },
  {
    name: 'the wait counts from when the bucket stopped being full',
    drainAtMs: 300,
    askAtMs: 700,
    taken: false,
    nextTokenInMs: 600,
  },
]
for (const row of cases) {
  test(row.name, () => {
    const drained = takeMany(fullTokenBucket(scaleOut, 0), row.drainAtMs, 5).state
    const result = takeToken(drained, row.askAtMs, scaleOut)
    assert.equal(result.taken, row.taken)
    assert.equal(result.nextTokenInMs, row.nextTokenInMs)
  })
}

test('a take that leaves tokens says the next one is available now', () => {
  const result = takeToken(fullTokenBucket(scaleOut, 0), 0, scaleOut)
  assert.equal(result.taken, true)
  assert.equal(result.nextTokenInMs, 0)
  assert.equal(result.state.tokens, 4)
})

test('a full bucket earns nothing while it waits, like the original bounded channel', () => {
  const later = refillTokenBucket(fullTokenBucket(scaleOut, 0), 60_000, scaleOut)
  assert.equal(later.tokens, 5)
  assert.equal(takeMany(later, 60_000, 10).taken, 5)
})

const takesArb = fc.array(fc.record({ gapMs: fc.nat(3000), tries: fc.integer({ min: 1, max: 4 }) }), {
  minLength: 1,
  maxLength: 200,
})
const limitsArb = fc.record({
  capacity: fc.integer({ min: 1, max: 20 }),
  refillIntervalMs: fc.integer({ min: 1, max: 5000 }),
})

test('never admits more than capacity + elapsed / interval tokens since the start', () => {
  fc.assert(
    fc.property(limitsArb, takesArb, (limits, steps) => {
      let state = fullTokenBucket(limits, 0)
      let nowMs = 0
      let admitted = 0
      for (const step of steps) {
        nowMs += step.gapMs
        for (let i = 0; i < step.tries; i++) {
          const result = takeToken(state, nowMs, limits)
          state = result.state
          if (result.taken) admitted++
        }
        assert.ok(admitted <= limits.capacity + Math.floor(nowMs / limits.refillIntervalMs))
      }
    }),
  )
})

test('never admits more than capacity + ceil(window / interval) tokens in any window', () => {
  fc.assert(
    fc.property(limitsArb, takesArb, (limits, steps) => {
      let state = fullTokenBucket(limits, 0)
      let nowMs = 0
      const admittedAt: number[] = []
      for (const step of steps) {
        nowMs += step.gapMs
        for (let i = 0; i < step.tries; i++) {
          const result = takeToken(state, nowMs, limits)
          state = result.state
          if (result.taken) admittedAt.push(nowMs)
        }
      }
      for (let start = 0; start < admittedAt.length; start++) {
        for (let end = start; end < admittedAt.length; end++) {
          const windowMs = (admittedAt[end] as number) - (admittedAt[start] as number)
          assert.ok(end - start + 1 <= limits.capacity + Math.ceil(windowMs / limits.refillIntervalMs))
        }
      }
    }),
  )
})

test('a refused take always names a positive wait within one interval', () => {
  fc.assert(
    fc.property(limitsArb, takesArb, (limits, steps) => {
      let state = fullTokenBucket(limits, 0)
      let nowMs = 0
      for (const step of steps) {
        nowMs += step.gapMs
        for (let i = 0; i < step.tries; i++) {
          const result = takeToken(state, nowMs, limits)
          state = result.state
          if (!result.taken) assert.ok(result.nextTokenInMs > 0 && result.nextTokenInMs <= limits.refillIntervalMs)
        }
      }
    }),
  )
})
