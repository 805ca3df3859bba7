// A reset must be a reset and nothing else. Node 20's stream.close(code) sends END_STREAM before the RST_STREAM when
// the writable side is still open and idle, so the peer first sees a body that looks complete: the extension handed
// an upload cut off by a client abort to the app as a whole request. Found with the soak and a loopback capture
// (issue 6 items 1–2); this pins the fix (src/router/http2-reset.ts).
import assert from 'node:assert/strict'
import { constants as http2Constants } from 'node:http2'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { checkHandler } from '../helpers/checked-handler.js'
import { deferred } from '../helpers/deferred.js'
import { startRouterHarness, testRequest } from '../helpers/router-harness.js'
import { connectBack } from '../helpers/router-scripted-invoker.js'
import type { ScriptedChannel } from '../helpers/scripted-extension.js'

test('a client abort mid-upload resets the channel with CANCEL and never ends the upload first', async (t) => {
  const { promise: channelReady, resolve: giveChannel } = deferred<ScriptedChannel>()
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', maxConcurrentCount: 1, channelCount: 1 }],
    behaviour: connectBack(async (_head, channel) => {
      giveChannel(channel)
      await channel.closed
    }),
  })
  const body = new PassThrough()
  const { request, abort } = testRequest({ method: 'POST', target: '/echo', body })
  const handler = checkHandler(t)
  router.pool.dispatcher.dispatch(request, handler)
  const channel = await channelReady
  const firstBytes = new Promise<void>((resolve) => channel.onBodyChunk(() => resolve()))
  body.write(Buffer.alloc(10_000, 1))
  await firstBytes
  // Node ends the readable side of a reset stream too; only an END_STREAM ahead of the reset leaves rstCode at 0.
  let rstCodeAtEnd: number | undefined
  channel.stream.once('end', () => {
    rstCodeAtEnd = channel.stream.rstCode
  })
  abort()
  assert.deepEqual(await channel.closed, { rstCode: http2Constants.NGHTTP2_CANCEL })
  assert.notEqual(rstCodeAtEnd, http2Constants.NGHTTP2_NO_ERROR, 'END_STREAM reached the extension before the reset')
  assert.equal(await handler.settled, 'error')
  assert.equal(
    await router.metric('lambda_dispatch_router_http2_errors_total', { kind: 'stream_error' }),
    0,
    'our own reset is not counted as a peer stream error',
  )
})
