// Issue 13 item 1, the extension's side: the real extension presents the WaiterRequest's ChannelToken on every
// control request (channel POSTs, pings, the close), and sends no token header when the invoke carries none (the
// original router), so its requests stay exactly the original's.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http2'
import { test } from 'node:test'
import { HEADER_CHANNEL_TOKEN } from '../../src/protocol/index.js'
import { startHarness } from '../helpers/extension-harness.js'

const ENV = {
  LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '200',
  LAMBDA_DISPATCH_CLOSE_DRAIN_TIMEOUT_MS: '300',
  LAMBDA_DISPATCH_PING_INTERVAL_MS: '50',
}

/** Runs one invoke through a channel POST, a ping (while a request is in flight) and the idle close. */
async function controlRequestsOf(
  harness: Awaited<ReturnType<typeof startHarness>>,
  id: string,
  channelToken: string | undefined,
): Promise<IncomingHttpHeaders[]> {
  const { router } = harness
  const pinged = router.nextPing()
  const closed = router.nextClose()
  const invoke = harness.invoke({ id, numberOfChannels: 2, ...(channelToken === undefined ? {} : { channelToken }) })
  const channel = await router.nextChannel()
  const exchange = channel.send(
    { method: 'POST', target: '/echo', headers: ['Content-Length', '2'] },
    Buffer.from('a'),
    { endStream: false },
  )
  const ping = await pinged
  channel.stream.end('b')
  assert.equal((await exchange.done).body.toString(), 'ab')
  const close = await closed
  assert.equal((await invoke).kind, 'response')
  const posts = router.posts.filter((post) => post.lambdaId === id).map((post) => post.headers)
  assert.ok(posts.length >= 2, 'both channels posted')
  return [...posts, ping, close]
}

test('the extension presents the channel token on every channel POST, ping and close', async (t) => {
  const harness = await startHarness(t, { env: ENV })
  const token = randomBytes(32).toString('base64url')
  for (const headers of await controlRequestsOf(harness, 'lambda-with-token', token)) {
    assert.equal(headers[HEADER_CHANNEL_TOKEN], token, String(headers[':path']))
  }
})

test('without a token in the invoke (the original router) the extension sends no token header', async (t) => {
  const harness = await startHarness(t, { env: ENV })
  for (const headers of await controlRequestsOf(harness, 'lambda-without-token', undefined)) {
    assert.equal(headers[HEADER_CHANNEL_TOKEN], undefined, String(headers[':path']))
  }
})
