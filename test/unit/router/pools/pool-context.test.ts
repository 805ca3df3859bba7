// The resolved pool settings: defaults, the channel-count rule, one maxConcurrentCount, frozen, bounds.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPoolContext, defaultChannelCount } from '../../../../src/router/pools/pool-context.js'

const base = { poolId: 'p', functionName: 'fn', dispatcherUrl: 'http://127.0.0.1:5003/api/chunked' }

test('defaults fill what is not given, and the context is frozen', () => {
  const context = createPoolContext(base)
  assert.equal(context.maxConcurrentCount, 10)
  assert.equal(context.channelCount, 20)
  assert.equal(context.preWarmInvokes, false)
  assert.equal(context.exposeInternalHeaders, false)
  assert.equal(Object.isFrozen(context), true)
})

for (const [mcc, channels] of [
  [1, 2],
  [10, 20],
  [50, 100],
  [100, 100],
] as const) {
  test(`the default channel count for MaxConcurrentCount ${mcc} is ${channels}`, () => {
    assert.equal(defaultChannelCount(mcc), channels)
  })
}

test('the scaling policy always carries the pool maxConcurrentCount', () => {
  const context = createPoolContext({ ...base, maxConcurrentCount: 3 })
  assert.equal(context.scaling.maxConcurrentCount, 3)
  assert.equal(context.channelCount, 6)
})

for (const [name, patch] of [
  ['a channel count above 255', { channelCount: 256 }],
  ['a channel count of 0', { channelCount: 0 }],
  ['a negative queue limit', { queueLimit: -1 }],
  ['a negative timeout', { queueTimeoutMs: -5 }],
  ['a concurrency of 0', { maxConcurrentCount: 0 }],
] as const) {
  test(`${name} is refused`, () => {
    assert.throws(() => createPoolContext({ ...base, ...patch }), RangeError)
  })
}

test('a full instance of WebSockets weighs one instance of scaling target (issue 18)', () => {
  // Target per instance: ceil(10 / 2) = 5 requests; 100 sockets at most: 0.05 each.
  assert.deepEqual(createPoolContext(base).webSocketLimits, { maxPerInstance: 100, weight: 0.05 })
  assert.deepEqual(createPoolContext({ ...base, maxWebSocketsPerInstance: 10 }).webSocketLimits, {
    maxPerInstance: 10,
    weight: 0.5,
  })
})
