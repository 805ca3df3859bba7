// Issue 13 items 1–3: the per-invoke channel token and the channel cap, on the real control server and pool over
// real HTTP/2. The test plays the real extension (it presents the WaiterRequest's ChannelToken) and a fake one that
// knows the live instance id but not the token. Without the token the fake gets a bare 403 on the channel, ping and
// close routes, the instance is not touched and no client request reaches the fake; with
// AllowUnauthenticatedChannels the same fake is admitted; a wrong token is refused either way; and an instance takes
// at most the channel ids it asked for (NumberOfChannels).
import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { checkHandler } from '../helpers/checked-handler.js'
import { captureLogs } from '../helpers/log-capture.js'
import { type RouterHarness, startRouterHarness, testRequest } from '../helpers/router-harness.js'
import { type ManualInvocation, manualBehaviour } from '../helpers/router-scripted-invoker.js'
import { ScriptedExtension } from '../helpers/scripted-extension.js'
import { teardown } from '../helpers/teardown.js'

const REFUSED_LOG =
  'control request refused: no valid channel token (later refusals for this instance are only counted)'

async function liveInstance(
  t: TestContext,
  options: { allowUnauthenticatedChannels: boolean; channelCount?: number },
): Promise<{
  router: RouterHarness
  invocation: ManualInvocation
  real: ScriptedExtension
  fake: ScriptedExtension
  logs: ReturnType<typeof captureLogs>
}> {
  const defer = teardown(t)
  const logs = captureLogs('info')
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: [
      {
        poolId: 'default',
        maxConcurrentCount: 1,
        channelCount: options.channelCount ?? 2,
        scaling: { minInstances: 1, maxInstances: 1 },
      },
    ],
    behaviour: manual.behaviour,
    control: { allowUnauthenticatedChannels: options.allowUnauthenticatedChannels },
    logger: logs.logger,
  })
  const invocation = await manual.next()
  defer(() => invocation.complete())
  const real = await ScriptedExtension.connect(router.url)
  defer(() => real.destroy())
  const fake = await ScriptedExtension.connect(router.url)
  defer(() => fake.destroy())
  return { router, invocation, real, fake, logs }
}

function tokenOf(invocation: ManualInvocation): string {
  const token = invocation.payload.channelToken
  assert.ok(token !== undefined, 'the WaiterRequest carries a channel token')
  return token
}

test('every invoke carries a fresh 256-bit channel token, and the real extension presenting it is served', async (t) => {
  const { router, invocation, real } = await liveInstance(t, { allowUnauthenticatedChannels: false })
  const token = tokenOf(invocation)
  assert.equal(Buffer.from(token, 'base64url').length, 32)
  const channel = real.openChannel(invocation.payload.id, 'c1', { channelToken: token })
  assert.equal((await channel.response)?.status, 200)
  assert.equal((await real.ping(invocation.payload.id, { channelToken: token })).status, 200)
  const handler = checkHandler(t)
  router.pool.dispatcher.dispatch(testRequest({ target: '/real' }).request, handler)
  assert.equal((await channel.requestHead)?.target, '/real')
  channel.respond(200, ['Content-Type', 'text/plain'], 'real')
  assert.equal(await handler.settled, 'end')
  // A second instance gets a token of its own.
  const other = await startRouterHarness(t, {
    pools: [{ poolId: 'default', scaling: { minInstances: 1, maxInstances: 1 } }],
    behaviour: manualBehaviour().behaviour,
  })
  await other.invoker.invoked(1)
  assert.notEqual(other.invoker.payloads[0]?.channelToken, token)
})

test('a fake extension with a live instance id but no token gets a bare 403 on channel, ping and close, and never a request', async (t) => {
  const { router, invocation, real, fake, logs } = await liveInstance(t, { allowUnauthenticatedChannels: false })
  const lambdaId = invocation.payload.id
  const token = tokenOf(invocation)
  const realChannel = real.openChannel(lambdaId, 'real', { channelToken: token })
  assert.equal((await realChannel.response)?.status, 200)

  const fakeChannel = fake.openChannel(lambdaId, 'fake')
  const refused = await fakeChannel.response
  assert.equal(refused?.status, 403)
  assert.equal(refused?.headers['content-type'], undefined)
  fakeChannel.end()
  assert.equal((await fakeChannel.raw).length, 0, 'no detail in the body')
  const ping = await fake.ping(lambdaId)
  assert.deepEqual([ping.status, ping.body], [403, ''])
  const close = await fake.close(lambdaId)
  assert.deepEqual([close.status, close.body], [403, ''])

  // The instance is untouched: still open, one parked channel (the real one), not draining after the close.
  const instance = router.pool.snapshot().instances[0]
  assert.deepEqual([instance?.lambdaId, instance?.state, instance?.parkedChannels], [lambdaId, 'open', 1])
  for (const route of ['request', 'ping', 'close']) {
    assert.equal(
      await router.metric('lambda_dispatch_router_control_auth_refusals_total', {
        route,
        reason: 'missing',
      }),
      1,
      route,
    )
  }
  assert.equal(logs.lines.filter((line) => line.msg === REFUSED_LOG).length, 1, 'logged once for the instance')
  const logged = logs.lines.find((line) => line.msg === REFUSED_LOG)
  assert.equal(logged?.lambdaId, lambdaId.slice(0, 8), 'the log shows only the id prefix')

  // Client requests all go to the real channel, which re-POSTs after each exchange; none reaches the fake.
  let channel = realChannel
  for (let index = 0; index < 3; index++) {
    const handler = checkHandler(t)
    router.pool.dispatcher.dispatch(testRequest({ target: `/r${index}` }).request, handler)
    assert.equal((await channel.requestHead)?.target, `/r${index}`)
    channel.respond(200, ['Content-Type', 'text/plain'], 'real')
    assert.equal(await handler.settled, 'end')
    assert.equal(handler.body.toString(), 'real')
    await channel.closed
    channel = real.openChannel(lambdaId, 'real', { channelToken: token })
    assert.equal((await channel.response)?.status, 200)
  }
  assert.equal(await fakeChannel.requestHead, undefined)
  assert.equal(fakeChannel.dataEvents, 0)
})

test('a wrong or repeated token is refused even with AllowUnauthenticatedChannels, and the real token still works', async (t) => {
  const { router, invocation, fake } = await liveInstance(t, { allowUnauthenticatedChannels: true })
  const lambdaId = invocation.payload.id
  const token = tokenOf(invocation)
  const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
  assert.equal((await fake.ping(lambdaId, { channelToken: wrong })).status, 403)
  assert.equal((await fake.ping(lambdaId, { channelToken: [token, token] })).status, 403)
  const channel = fake.openChannel(lambdaId, 'c1', { channelToken: wrong })
  assert.equal((await channel.response)?.status, 403)
  channel.end()
  assert.equal((await fake.close(lambdaId, { channelToken: 'short' })).status, 403)
  assert.equal(router.pool.snapshot().instances[0]?.state, 'starting', 'no channel was parked')
  assert.equal(
    await router.metric('lambda_dispatch_router_control_auth_refusals_total', {
      route: 'ping',
      reason: 'wrong',
    }),
    2,
  )
  assert.equal((await fake.ping(lambdaId, { channelToken: token })).status, 200)
})

test('with AllowUnauthenticatedChannels=true the same fake extension without a token is admitted', async (t) => {
  const { router, invocation, fake } = await liveInstance(t, { allowUnauthenticatedChannels: true })
  const lambdaId = invocation.payload.id
  const channel = fake.openChannel(lambdaId, 'fake')
  assert.equal((await channel.response)?.status, 200)
  assert.equal((await fake.ping(lambdaId)).status, 200)
  const handler = checkHandler(t)
  router.pool.dispatcher.dispatch(testRequest({ target: '/to-the-fake' }).request, handler)
  assert.equal((await channel.requestHead)?.target, '/to-the-fake', 'what the compatibility setting gives up')
  channel.respond(200, ['Content-Type', 'text/plain'], 'forged')
  assert.equal(await handler.settled, 'end')
  assert.equal(handler.body.toString(), 'forged')
  assert.equal(
    await router.metric('lambda_dispatch_router_control_auth_refusals_total', {
      route: 'request',
      reason: 'missing',
    }),
    0,
  )
})

test('an instance takes at most NumberOfChannels channel ids: a new id beyond gets 429 and is counted, a re-POST of a known id is accepted', async (t) => {
  const { router, invocation, real } = await liveInstance(t, { allowUnauthenticatedChannels: false, channelCount: 2 })
  const lambdaId = invocation.payload.id
  const channelToken = tokenOf(invocation)
  assert.equal(invocation.payload.numberOfChannels, 2)
  for (const id of ['c1', 'c2']) {
    assert.equal((await real.openChannel(lambdaId, id, { channelToken }).response)?.status, 200)
  }
  for (const id of ['c3', 'c4', 'c5']) {
    const extra = real.openChannel(lambdaId, id, { channelToken })
    const answer = await extra.response
    assert.equal(answer?.status, 429, id)
    extra.end()
    assert.equal((await extra.raw).length, 0)
  }
  assert.equal(
    await router.metric('lambda_dispatch_router_channels_refused_total', { pool: 'default', reason: 'over_cap' }),
    3,
  )
  assert.equal(router.pool.snapshot().instances[0]?.parkedChannels, 2)
  // A re-POST of c1 takes c1's place (the parked one it replaces is reset), so the count stays at two.
  const again = real.openChannel(lambdaId, 'c1', { channelToken })
  assert.equal((await again.response)?.status, 200)
  assert.equal(router.pool.snapshot().instances[0]?.parkedChannels, 2)
  // The instance serves on its own channels.
  const handler = checkHandler(t)
  router.pool.dispatcher.dispatch(testRequest({ target: '/after-cap' }).request, handler)
  const served = await Promise.race(
    real.channels
      .filter((channel) => channel.channelId !== 'c3' && channel.channelId !== 'c4' && channel.channelId !== 'c5')
      .map((channel) =>
        channel.requestHead.then((head) => (head === undefined ? new Promise<never>(() => {}) : channel)),
      ),
  )
  assert.equal((await served.requestHead)?.target, '/after-cap')
  served.respond(200, ['Content-Type', 'text/plain'], 'capped')
  assert.equal(await handler.settled, 'end')
})
