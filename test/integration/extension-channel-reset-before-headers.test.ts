// Issue 4 §3 (one bad channel never ends the invoke): the router resets one channel's POST with RST_STREAM before
// its response HEADERS, on an otherwise healthy session. The extension POSTs that channel again on the same session
// and keeps serving; only a channel reset again and again gets its session replaced.
import assert from 'node:assert/strict'
import { constants } from 'node:http2'
import { test } from 'node:test'
import { MAX_RESETS_BEFORE_HEADERS_IN_A_ROW } from '../../src/extension/unanswered-close.js'
import { type Harness, type LogLine, startHarness } from '../helpers/extension-harness.js'
import type { InvokeResult } from '../helpers/scripted-runtime-api.js'

const ENV = { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000' }
const RESET_WARNING = 'the router reset the channel stream before its response HEADERS'

/**
 * Ends the invoke with goaway on every parked channel, checks it reported RouterGoAway after `requestCount` requests,
 * and returns every log line it wrote (once its last one is in).
 */
async function endWithGoaway(
  harness: Harness,
  invoke: Promise<InvokeResult>,
  lambdaId: string,
  requestCount: number,
): Promise<LogLine[]> {
  await harness.router.goawayParked()
  const answer = await invoke
  assert.equal(answer.kind, 'response')
  assert.equal(answer.body.ExitReason, 'RouterGoAway')
  assert.equal(answer.body.RequestCount, requestCount)
  await harness.extension.waitForLog((line) => line.msg === 'invoke finished' && line.lambdaId === lambdaId)
  return harness.extension.logs.filter((line) => line.lambdaId === lambdaId)
}

test('a channel POST reset before HEADERS is posted again on the same session, and both channels serve there', async (t) => {
  // The first POST of each channel is reset: one with CANCEL (Node reports no stream error), one with INTERNAL_ERROR.
  const codes = [constants.NGHTTP2_CANCEL, constants.NGHTTP2_INTERNAL_ERROR]
  const resetCodes = new Map<string, number>()
  const harness = await startHarness(t, {
    env: ENV,
    router: {
      channelReset: (post) => {
        if (resetCodes.has(post.channelId)) return undefined
        const code = codes[resetCodes.size] as number
        resetCodes.set(post.channelId, code)
        return code
      },
    },
  })
  const { router } = harness
  const lambdaId = 'lambda-reset-before-headers'
  const invoke = harness.invoke({ id: lambdaId, numberOfChannels: 2 })

  await router.waitForParked(2)
  const resetChannels = [...resetCodes.keys()].sort()
  assert.equal(resetChannels.length, 2)
  assert.deepEqual(
    router
      .parkedChannels()
      .map((channel) => channel.channelId)
      .sort(),
    resetChannels,
  )
  assert.deepEqual(
    router.posts.map((post) => [post.channelId, post.sessionNumber]).sort(),
    resetChannels.flatMap((channelId) => [
      [channelId, 1],
      [channelId, 1],
    ]),
    'each channel POSTed twice, both times on session 1',
  )

  for (const channelId of resetChannels) {
    const channel = await router.nextChannel((parked) => parked.channelId === channelId)
    const result = await channel.send({ method: 'GET', target: '/ping' }).done
    assert.equal(result.head?.status, 200)
    assert.equal(result.body.toString(), 'pong')
  }
  await router.waitForParked(2)
  assert.deepEqual(
    router.parkedChannels().map((channel) => channel.sessionNumber),
    [1, 1],
  )
  assert.equal(router.sessionCount, 1)

  const logs = await endWithGoaway(harness, invoke, lambdaId, 2)
  const warnings = logs.filter((line) => line.msg?.startsWith(RESET_WARNING) === true)
  assert.deepEqual(
    warnings.map((line) => [line.level, line.channelId, line.sessionId, line.rstCode]).sort(),
    [...resetCodes].map(([channelId, code]) => ['warn', channelId, 1, code]).sort(),
  )
  assert.deepEqual(
    logs.filter((line) => line.msg?.startsWith('router session lost') === true),
    [],
    'the session was never replaced',
  )
})

test(`a channel reset before HEADERS ${MAX_RESETS_BEFORE_HEADERS_IN_A_ROW} times in a row gets its session replaced, then serves on the new one`, async (t) => {
  const harness = await startHarness(t, {
    env: ENV,
    router: { channelReset: (post) => (post.sessionNumber === 1 ? constants.NGHTTP2_CANCEL : undefined) },
  })
  const { router } = harness
  const lambdaId = 'lambda-reset-in-a-row'
  const invoke = harness.invoke({ id: lambdaId, numberOfChannels: 1 })

  const channel = await router.nextChannel()
  assert.deepEqual(
    router.posts.map((post) => [post.channelId, post.sessionNumber]),
    [
      ...Array.from({ length: MAX_RESETS_BEFORE_HEADERS_IN_A_ROW }, () => [channel.channelId, 1]),
      [channel.channelId, 2],
    ],
  )
  assert.equal((await channel.send({ method: 'GET', target: '/ping' }).done).body.toString(), 'pong')
  await router.waitForParked(1)

  const logs = await endWithGoaway(harness, invoke, lambdaId, 1)
  assert.equal(
    logs.filter((line) => line.msg?.startsWith(RESET_WARNING) === true).length,
    MAX_RESETS_BEFORE_HEADERS_IN_A_ROW - 1,
  )
  const noResponse = logs.filter(
    (line) => (line.err as { code?: string } | undefined)?.code === 'LD_CHANNEL_NO_RESPONSE',
  )
  assert.deepEqual(
    noResponse.map((line) => [line.level, line.sessionId, (line.err as { rstCode?: number }).rstCode]),
    [['error', 1, constants.NGHTTP2_CANCEL]],
  )
  const lost = logs.filter((line) => line.msg?.startsWith('router session lost') === true)
  assert.deepEqual(
    lost.map((line) => [line.sessionId, line.reason]),
    [[1, 'stream-without-response']],
  )
})
