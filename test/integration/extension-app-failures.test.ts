// Issue 4 §4 and §5: what the extension does when the app misbehaves. A broken response or a router reset touches
// one request only; an app that crashed or refuses connections is fatal: /close, /error, exit 1.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { constants } from 'node:http2'
import { test } from 'node:test'
import { getHeader } from '../../src/protocol/index.js'
import { startDemoApp, startDemoAppProcess, startHarness } from '../helpers/extension-harness.js'

const ENV = { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000' }

test('failures of single requests leave the invoke serving', async (t) => {
  const app = await startDemoApp(t)
  const harness = await startHarness(t, { env: ENV, appPort: app.port })
  const { router } = harness
  const invoke = harness.invoke({ id: 'lambda-app-hiccups', numberOfChannels: 1 })

  await t.test('an app that resets one response mid-body gets that channel stream reset, nothing more', async () => {
    const broken = await router.request({ method: 'GET', target: '/abort-mid-response?n=4096' })
    assert.equal(broken.head?.status, 200)
    assert.equal(broken.reset, true)
    const next = await router.request({ method: 'GET', target: '/ping' })
    assert.equal(next.body.toString(), 'pong')
  })

  await t.test('a router reset mid-request aborts the app request and the channel comes back', async () => {
    const appClosed = new Promise<boolean>((resolve) => {
      const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
        if (req.url !== '/hang') return
        app.server.off('request', onRequest)
        res.once('close', () => resolve(res.writableFinished))
      }
      app.server.on('request', onRequest)
    })
    const channel = await router.nextChannel()
    const exchange = channel.send({ method: 'GET', target: '/hang' })
    // Wait until the app holds the request, then reset the channel from the router side.
    await once(app.server, 'request')
    channel.reset(constants.NGHTTP2_CANCEL)
    assert.equal(await appClosed, false)
    assert.equal((await exchange.done).reset, true)
    const again = await router.nextChannel()
    assert.equal(again.channelId, channel.channelId)
    const result = await again.send({ method: 'GET', target: '/ping' }).done
    assert.equal(result.body.toString(), 'pong')
  })

  await router.waitForParked(1)
  await router.goawayParked()
  const answer = await invoke
  assert.equal(answer.kind, 'response')
  assert.equal(answer.body.ExitReason, 'RouterGoAway')
})

test('an app that crashes mid-response ends the invoke with /error and the extension exits 1', async (t) => {
  const app = await startDemoAppProcess(t)
  const harness = await startHarness(t, { env: ENV, appPort: app.port })
  const { router } = harness
  const closed = router.nextClose()
  const invoke = harness.invoke({ id: 'lambda-app-crash', numberOfChannels: 2 })
  const result = await router.request({ method: 'GET', target: '/exit-mid-response' })
  assert.equal(result.head?.status, 200)
  assert.equal(result.reset, true)
  assert.equal(await app.exited, 1)
  assert.equal((await closed)[':path'], '/api/chunked/close/lambda-app-crash')
  const answer = await invoke
  assert.equal(answer.kind, 'error')
  assert.equal(answer.body.errorType, 'AppUnreachableError')
  assert.equal((await harness.extension.exited).code, 1)
  assert.deepEqual(harness.runtime.calls.slice(-1), ['error'])
})

test('an app that refuses connections gets the router a 502, then /error and exit 1', async (t) => {
  const app = await startDemoApp(t)
  const harness = await startHarness(t, { env: ENV, appPort: app.port })
  const { router } = harness
  // The app passed its readiness check; now it is gone.
  app.server.closeAllConnections()
  app.server.close()
  await once(app.server, 'close')
  const invoke = harness.invoke({ id: 'lambda-app-gone', numberOfChannels: 1 })
  const result = await router.request({ method: 'GET', target: '/ping' })
  assert.equal(result.head?.status, 502)
  assert.equal(getHeader(result.head?.headers ?? [], 'x-lambda-id'), 'lambda-app-gone')
  assert.match(result.body.toString(), /ECONNREFUSED/)
  const answer = await invoke
  assert.equal(answer.kind, 'error')
  assert.equal(answer.body.errorType, 'AppUnreachableError')
  assert.equal(router.closes.length, 1)
  assert.equal((await harness.extension.exited).code, 1)
})
