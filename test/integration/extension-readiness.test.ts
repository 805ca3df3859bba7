// Issue 4 §2: the extension gates on app readiness before it takes invokes — http (path, status ranges) or tcp —
// and async init leaves the init phase early, keeps checking inside the first invoke, and fails it on timeout.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { IncomingMessage, Server } from 'node:http'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { createDemoServer } from '../../src/demo-app/server.js'
import { startHarness } from '../helpers/extension-harness.js'
import { holdPort, listenOnFreePort } from '../helpers/port.js'
import { teardown } from '../helpers/teardown.js'

const ENV = { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000' }

/** The demo app, recording the path of every request it gets; `listen` binds it (default: an ephemeral port). */
async function startApp(
  t: TestContext,
  seen: string[] = [],
  listen: (server: Server) => unknown = (server) => listenOnFreePort(server),
): Promise<number> {
  const server = createDemoServer()
  server.on('request', (req: IncomingMessage) => seen.push(req.url ?? ''))
  teardown(t)(() => {
    server.closeAllConnections()
    server.close()
  })
  listen(server)
  if (!server.listening) await once(server, 'listening')
  return (server.address() as { port: number }).port
}

test('the extension takes no invoke before the app answers its readiness check', async (t) => {
  const defer = teardown(t)
  const appPort = await holdPort(t)
  const port = appPort.port
  // Registered before the harness, so the extension is killed before the app it probes closes.
  const app = createDemoServer()
  defer(() => {
    app.closeAllConnections()
    app.close()
  })
  const harness = await startHarness(t, { env: ENV, appPort: port, waitForPoll: false })
  await harness.runtime.registration
  let callsAtFirstHealth: string[] | undefined
  app.on('request', (req: IncomingMessage) => {
    if (req.url === '/health') callsAtFirstHealth ??= [...harness.runtime.calls]
  })
  appPort.handOver(() => app.listen(port, '127.0.0.1'))
  await harness.runtime.nextPoll()
  assert.deepEqual(callsAtFirstHealth, ['register', 'event/next'])
  const ready = await harness.extension.waitForLog((line) => line.msg === 'app is ready')
  assert.equal(ready.phase, 'init')
  assert.equal(ready.probe, `http GET :${port}/health 200-299`)
})

test('a custom readiness path and healthy status ranges are honoured', async (t) => {
  const seen: string[] = []
  const port = await startApp(t, seen)
  const harness = await startHarness(t, {
    env: {
      ...ENV,
      LAMBDA_DISPATCH_READINESS_PATH: '/status/503',
      LAMBDA_DISPATCH_READINESS_STATUS: '200-299, 500-599',
    },
    appPort: port,
  })
  assert.equal(seen[0], '/status/503')
  const ready = await harness.extension.waitForLog((line) => line.msg === 'app is ready')
  assert.equal(ready.probe, `http GET :${port}/status/503 200-299,500-599`)
})

test('tcp readiness only needs the app to accept a connection', async (t) => {
  const seen: string[] = []
  const port = await startApp(t, seen)
  const harness = await startHarness(t, {
    env: { ...ENV, LAMBDA_DISPATCH_READINESS_PROTOCOL: 'tcp', LAMBDA_DISPATCH_READINESS_PATH: '/status/404' },
    appPort: port,
  })
  assert.deepEqual(seen, [])
  const ready = await harness.extension.waitForLog((line) => line.msg === 'app is ready')
  assert.equal(ready.probe, `tcp :${port}`)
  const invoke = harness.invoke({ id: 'lambda-tcp-ready' })
  assert.equal((await harness.router.request({ method: 'GET', target: '/ping' })).body.toString(), 'pong')
  await harness.router.waitForParked(1)
  await harness.router.goawayParked()
  assert.equal((await invoke).kind, 'response')
})

test('async init leaves the init phase without the app and waits for it inside the first invoke', async (t) => {
  const appPort = await holdPort(t)
  const port = appPort.port
  const harness = await startHarness(t, {
    env: { ...ENV, LAMBDA_DISPATCH_ASYNC_INIT: 'true', LAMBDA_DISPATCH_INIT_PHASE_BUDGET_MS: '0' },
    appPort: port,
  })
  const deferred = await harness.extension.waitForLog((line) => line.msg?.startsWith('app not ready within') === true)
  assert.equal(deferred.level, 'warn')
  const invoke = harness.invoke({ id: 'lambda-async-init' })
  await startApp(t, [], (server) => appPort.handOver(() => server.listen(port, '127.0.0.1')))
  assert.equal((await harness.router.request({ method: 'GET', target: '/ping' })).body.toString(), 'pong')
  const ready = await harness.extension.waitForLog((line) => line.msg === 'app is ready')
  assert.equal(ready.phase, 'invoke')
  assert.equal(ready.lambdaId, 'lambda-async-init')
  await harness.router.waitForParked(1)
  await harness.router.goawayParked()
  const answer = await invoke
  assert.equal(answer.kind, 'response')
  assert.equal(answer.body.ExitReason, 'RouterGoAway')
})

test('async init fails the first invoke through /error when the app never gets ready, and exits 1', async (t) => {
  const { port } = await holdPort(t)
  const harness = await startHarness(t, {
    env: {
      ...ENV,
      LAMBDA_DISPATCH_ASYNC_INIT: 'true',
      LAMBDA_DISPATCH_INIT_PHASE_BUDGET_MS: '0',
      LAMBDA_DISPATCH_ASYNC_INIT_TIMEOUT: '300ms',
    },
    appPort: port,
  })
  const answer = await harness.invoke({ id: 'lambda-never-ready' })
  assert.equal(answer.kind, 'error')
  assert.equal(answer.body.errorType, 'AppNotReadyError')
  assert.equal(answer.errorType, 'Unhandled')
  assert.equal(harness.router.posts.length, 0)
  assert.equal((await harness.extension.exited).code, 1)
})
