// Issue 4 §3 and §4: the control channel survives a router GOAWAY and a dropped connection, gives up with an honest
// reason when the router is unreachable or keeps dropping it, and speaks TLS with a pinned, unpinned or wrong cert.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSelfSignedCert, type Harness, startHarness } from '../helpers/extension-harness.js'
import { holdPort } from '../helpers/port.js'

const ENV = { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000' }

/** Waits for the invoke's last log line, so every line it wrote before is in `logs`. */
async function finished(harness: Harness, lambdaId: string): Promise<void> {
  await harness.extension.waitForLog((line) => line.msg === 'invoke finished' && line.lambdaId === lambdaId)
}

test('a lost router session is replaced and the channels carry on', async (t) => {
  const harness = await startHarness(t, { env: ENV })
  const { router } = harness
  const invoke = harness.invoke({ id: 'lambda-resilient', numberOfChannels: 2 })
  await router.waitForParked(2)

  await t.test('after an HTTP/2 GOAWAY, parked channels still serve and new POSTs use a new session', async () => {
    router.goawaySessions()
    const old = await router.nextChannel()
    assert.equal(old.sessionNumber, 1)
    assert.equal((await old.send({ method: 'GET', target: '/ping' }).done).body.toString(), 'pong')
    const again = await router.nextChannel((channel) => channel.channelId === old.channelId)
    assert.equal(again.sessionNumber, 2)
    assert.equal((await again.send({ method: 'GET', target: '/ping' }).done).body.toString(), 'pong')
  })

  await t.test('when the connection drops, the request in flight is reset and both channels come back', async () => {
    await router.waitForParked(2)
    const channel = await router.nextChannel()
    const appGotIt = new Promise<void>((resolve) => {
      harness.app?.on('request', (req) => {
        if (req.url === '/hang') resolve()
      })
    })
    const hanging = channel.send({ method: 'GET', target: '/hang' })
    await appGotIt
    router.destroySessions()
    await hanging.done
    const reset = await harness.extension.waitForLog(
      (line) => line.msg?.startsWith('the channel stream was reset mid-request') === true,
    )
    assert.equal(reset.target, '/hang')
    await router.waitForParked(2)
    const sessions = new Set(router.parkedChannels().map((parked) => parked.sessionNumber))
    assert.deepEqual([...sessions], [3])
    assert.equal((await router.request({ method: 'GET', target: '/ping' })).body.toString(), 'pong')
  })

  await router.waitForParked(2)
  await router.goawayParked()
  const answer = await invoke
  assert.equal(answer.kind, 'response')
  assert.equal(answer.body.ExitReason, 'RouterGoAway')
  await finished(harness, 'lambda-resilient')
  const lost = harness.extension.logs.filter((line) => line.msg?.startsWith('router session lost'))
  // Node's destroy() sends a GOAWAY before closing, so both losses read as goaway here.
  assert.deepEqual(
    lost.map((line) => line.sessionId),
    [1, 2],
  )
})

test('an unreachable or hostile router ends the invoke with an honest reason', async (t) => {
  const harness = await startHarness(t, {
    env: ENV,
    router: { channelStatus: (post) => (post.lambdaId === 'lambda-dropped' ? 0 : 200) },
  })

  await t.test('nothing answers: three bounded connect attempts, then RouterUnreachable', async (subtest) => {
    const { port } = await holdPort(subtest)
    const answer = await harness.invoke({
      id: 'lambda-unreachable',
      numberOfChannels: 4,
      dispatcherUrl: `http://127.0.0.1:${port}/api/chunked`,
    })
    assert.equal(answer.kind, 'response')
    assert.equal(answer.body.ExitReason, 'RouterUnreachable')
    await finished(harness, 'lambda-unreachable')
    const attempts = harness.extension.logs.filter(
      (line) => line.msg === 'router connect attempt failed' && line.lambdaId === 'lambda-unreachable',
    )
    assert.deepEqual(
      attempts.map((line) => line.attempt),
      [1, 2, 3],
    )
  })

  await t.test(
    'a router that drops every connection before answering ends the invoke with RouterConnectionError',
    async () => {
      const answer = await harness.invoke({ id: 'lambda-dropped', numberOfChannels: 2 })
      assert.equal(answer.kind, 'response')
      assert.equal(answer.body.ExitReason, 'RouterConnectionError')
      assert.ok(harness.router.sessionCount >= 6)
    },
  )

  await t.test('the same extension still serves the next invoke', async () => {
    const invoke = harness.invoke({ id: 'lambda-after-failures', numberOfChannels: 1 })
    assert.equal((await harness.router.request({ method: 'GET', target: '/ping' })).body.toString(), 'pong')
    await harness.router.waitForParked(1)
    await harness.router.goawayParked()
    assert.equal((await invoke).kind, 'response')
  })
})

test('the control channel over TLS: pinned, unpinned and mismatched router certificates', async (t) => {
  const tls = createSelfSignedCert()
  const harness = await startHarness(t, { env: ENV, router: { tls } })
  const { router } = harness
  assert.match(router.url, /^https:/)

  const serveOne = async (fields: { id: string; routerCertSha256?: string }): Promise<string> => {
    const invoke = harness.invoke({ ...fields, numberOfChannels: 1 })
    const result = await router.request({ method: 'GET', target: '/ping' })
    await router.waitForParked(1)
    await router.goawayParked()
    assert.equal((await invoke).kind, 'response')
    return result.body.toString()
  }

  await t.test('a pinned certificate that matches serves requests', async () => {
    assert.equal(await serveOne({ id: 'lambda-pinned', routerCertSha256: tls.fingerprint256 }), 'pong')
  })

  await t.test('a pin written in lower case without colons matches too', async () => {
    const bare = tls.fingerprint256.replaceAll(':', '').toLowerCase()
    assert.equal(await serveOne({ id: 'lambda-pinned-bare', routerCertSha256: bare }), 'pong')
  })

  await t.test('without a pin the default accepts a self-signed router certificate, as the original did', async () => {
    assert.equal(await serveOne({ id: 'lambda-unpinned' }), 'pong')
    const warning = await harness.extension.waitForLog(
      (line) => line.msg?.startsWith('TLS to the router is not verified') === true,
    )
    assert.equal(warning.level, 'warn')
    assert.equal(warning.lambdaId, 'lambda-unpinned')
  })

  await t.test('a pin that does not match refuses the router at once, without retrying', async () => {
    const wrong = `${'AB:'.repeat(31)}AB`
    const answer = await harness.invoke({ id: 'lambda-wrong-pin', numberOfChannels: 2, routerCertSha256: wrong })
    assert.equal(answer.kind, 'response')
    assert.equal(answer.body.ExitReason, 'RouterUnreachable')
    await finished(harness, 'lambda-wrong-pin')
    const attempts = harness.extension.logs.filter(
      (line) => line.msg === 'router connect attempt failed' && line.lambdaId === 'lambda-wrong-pin',
    )
    assert.equal(attempts.length, 1)
    assert.equal((attempts[0]?.err as { code?: string } | undefined)?.code, 'LD_ROUTER_CERT_MISMATCH')
  })
})

test('LAMBDA_DISPATCH_ROUTER_TLS_VERIFY=true refuses an unverifiable certificate when no pin is given', async (t) => {
  const tls = createSelfSignedCert()
  const harness = await startHarness(t, {
    env: { ...ENV, LAMBDA_DISPATCH_ROUTER_TLS_VERIFY: 'true', LAMBDA_DISPATCH_ROUTER_CONNECT_ATTEMPTS: '1' },
    router: { tls },
  })
  const answer = await harness.invoke({ id: 'lambda-verified', numberOfChannels: 1 })
  assert.equal(answer.kind, 'response')
  assert.equal(answer.body.ExitReason, 'RouterUnreachable')
  assert.equal(harness.router.posts.length, 0)
})
