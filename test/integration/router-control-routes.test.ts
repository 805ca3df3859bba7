// Issue 3 items 1 and 5: every control-channel route and status over real HTTP/2 (original-protocol.md §3.4), with
// our improvements: ping and close for unknown or retired instances answer 409 so the extension stops, and ping/close
// are answered while the extension still holds its request body open (§3.5). Also: h2c only, TLS with ALPN h2, and
// the flow-control tuning of DESIGN.md §6.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as netConnect } from 'node:net'
import { test } from 'node:test'
import { connect as tlsConnect } from 'node:tls'
import { createSilentLogger } from '../../src/common/index.js'
import { ControlServer } from '../../src/router/control/server.js'
import { RouterEvents } from '../../src/router/events.js'
import { createSelfSignedIdentity } from '../../src/router/tls-certificate.js'
import { type RouterHarness, startRouterHarness } from '../helpers/router-harness.js'
import { type ManualInvocation, manualBehaviour } from '../helpers/router-scripted-invoker.js'
import { ScriptedExtension } from '../helpers/scripted-extension.js'
import { teardown } from '../helpers/teardown.js'

const NO_INSTANCE = (pool: string, lambda: string, channel: string): string =>
  `No LambdaInstance found for X-PoolId: ${pool}, X-Lambda-Id: ${lambda}, X-Channel-Id: ${channel}, closing`

/** A harness whose pools each start one instance at once, handed to the test by hand. */
async function withInstance(
  t: Parameters<typeof startRouterHarness>[0],
  poolIds: readonly string[] = ['default'],
): Promise<{ router: RouterHarness; invocation: ManualInvocation; extension: ScriptedExtension }> {
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: poolIds.map((poolId) => ({ poolId, scaling: { minInstances: 1, maxInstances: 1 } })),
    behaviour: manual.behaviour,
  })
  const invocation = await manual.next()
  const extension = await ScriptedExtension.connect(router.url)
  teardown(t)(() => extension.destroy())
  return { router, invocation, extension }
}

test('a channel POST for a starting instance is answered 200 application/octet-stream and opens the instance', async (t) => {
  const { router, invocation, extension } = await withInstance(t)
  const channel = extension.openChannel(invocation.payload.id, 'c1')
  const response = await channel.response
  assert.equal(response?.status, 200)
  assert.equal(response?.headers['content-type'], 'application/octet-stream')
  assert.equal(router.pool.snapshot().instances[0]?.state, 'open')
  assert.equal(router.pool.snapshot().instances[0]?.parkedChannels, 1)
  assert.equal(await router.metric('lambda_dispatch_router_channels_opened_total', { pool: 'default' }), 1)
})

test('the poolId path variants address the pool named in the path, whatever X-Pool-Id says', async (t) => {
  const { router, invocation, extension } = await withInstance(t, ['p1'])
  const lambdaId = invocation.payload.id
  assert.equal(invocation.payload.poolId, 'p1')
  const channel = extension.openChannel(lambdaId, 'c1', {
    poolId: 'nonsense',
    path: `/api/chunked/request/poolId/p1/lambdaId/${lambdaId}/channelId/c1`,
  })
  assert.equal((await channel.response)?.status, 200)
  const ping = await extension.ping(lambdaId, {
    poolId: null,
    path: `/api/chunked/ping/poolId/p1/lambdaId/${lambdaId}`,
  })
  assert.equal(ping.status, 200)
  const close = await extension.close(lambdaId, {
    poolId: null,
    path: `/api/chunked/close/poolId/p1/lambdaId/${lambdaId}`,
  })
  assert.equal(close.status, 200)
  assert.equal(router.pools.get('p1')?.snapshot().instances[0]?.state, 'closing')
})

for (const [name, lambdaIdHeader] of [
  ['without X-Lambda-Id', null],
  ['with X-Lambda-Id twice', ['a', 'b']],
  ['with a blank X-Lambda-Id', ' '],
] as const) {
  test(`a channel POST ${name} gets 400 "No X-Lambda-Id header"`, async (t) => {
    const { invocation, extension } = await withInstance(t)
    const answer = await extension.ping('x', {
      method: 'POST',
      path: `/api/chunked/request/${invocation.payload.id}/c1`,
      lambdaIdHeader,
    })
    assert.equal(answer.status, 400)
    assert.equal(answer.headers['content-type'], 'text/plain')
    assert.equal(answer.body, 'No X-Lambda-Id header')
  })
}

test('a channel POST for an unknown pool gets 409 "No Pool found…", from the header or the path', async (t) => {
  const { extension, invocation } = await withInstance(t)
  const byHeader = await extension.ping('x', {
    method: 'POST',
    poolId: 'elsewhere',
    path: `/api/chunked/request/${invocation.payload.id}/c1`,
  })
  assert.equal(byHeader.status, 409)
  assert.equal(byHeader.headers['content-type'], 'text/plain')
  assert.equal(byHeader.body, 'No Pool found for X-Pool-Id: elsewhere, closing')
  const byPath = await extension.ping('x', {
    method: 'POST',
    path: '/api/chunked/request/poolId/gone/lambdaId/L/channelId/C',
    lambdaIdHeader: 'L',
  })
  assert.equal(byPath.status, 409)
  assert.equal(byPath.body, 'No Pool found for X-Pool-Id: gone, closing')
})

test('X-Pool-Id sent twice is ignored and the default pool answers', async (t) => {
  const { invocation, extension } = await withInstance(t)
  const channel = extension.openChannel(invocation.payload.id, 'c1', { poolId: ['default', 'other'] })
  assert.equal((await channel.response)?.status, 200)
})

test('a channel POST for an unknown instance gets 409 with the exact "No LambdaInstance found…" body', async (t) => {
  const { router, extension } = await withInstance(t)
  const channel = extension.openChannel('not-an-instance', 'c9')
  const response = await channel.response
  assert.equal(response?.status, 409)
  assert.equal(response?.headers['content-type'], 'text/plain')
  channel.end()
  assert.equal((await channel.raw).toString(), NO_INSTANCE('default', 'not-an-instance', 'c9'))
  assert.equal(
    await router.metric('lambda_dispatch_router_control_responses_total', { route: 'request', status: '409' }),
    1,
  )
})

test('after a Lambda-initiated close, its idle channels get goaway, new channels get 409, pings get 409', async (t) => {
  const { router, invocation, extension } = await withInstance(t)
  const lambdaId = invocation.payload.id
  const parked = extension.openChannel(lambdaId, 'c1')
  assert.equal((await parked.response)?.status, 200)
  const close = await extension.close(lambdaId)
  assert.equal(close.status, 200)
  assert.equal(close.body, '')
  const goaway = await parked.requestHead
  assert.equal(goaway?.target, '/_lambda_dispatch/goaway')
  assert.deepEqual(goaway?.headers, ['X-Lambda-Id', lambdaId, 'X-Channel-Id', 'c1'])
  parked.end()
  const late = extension.openChannel(lambdaId, 'c2')
  assert.equal((await late.response)?.status, 409)
  late.end()
  assert.equal((await late.raw).toString(), NO_INSTANCE('default', lambdaId, 'c2'))
  const ping = await extension.ping(lambdaId)
  assert.equal(ping.status, 409)
  assert.equal(ping.body, `No LambdaInstance found for X-PoolId: default, X-Lambda-Id: ${lambdaId}, closing`)
  assert.equal(router.pool.snapshot().instances[0]?.state, 'closing')
  invocation.complete()
})

test('ping answers 200 for a live instance and 409 for an unknown instance or pool, before the ping body ends', async (t) => {
  const { invocation, extension } = await withInstance(t)
  // The helper keeps each ping's request body open until the response arrived, like ping.rs.
  const live = await extension.ping(invocation.payload.id)
  assert.equal(live.status, 200)
  assert.equal(live.body, '')
  const unknown = await extension.ping('ghost')
  assert.equal(unknown.status, 409)
  const noPool = await extension.ping(invocation.payload.id, { poolId: 'elsewhere' })
  assert.equal(noPool.status, 409)
  assert.equal(noPool.body, 'No Pool found for X-Pool-Id: elsewhere, closing')
})

test('close for an unknown instance answers 409 so the extension stops', async (t) => {
  const { extension } = await withInstance(t)
  const answer = await extension.close('ghost')
  assert.equal(answer.status, 409)
  assert.equal(answer.body, 'No LambdaInstance found for X-PoolId: default, X-Lambda-Id: ghost, closing')
})

for (const [name, method, path] of [
  ['an unknown path', 'GET', '/api/chunked/reset'],
  ['a path outside /api/chunked', 'POST', '/whatever'],
  ['GET on the channel route', 'GET', '/api/chunked/request/L/C'],
  ['POST on the ping route', 'POST', '/api/chunked/ping/L'],
] as const) {
  test(`${name} gets 404 "No matching Control Channel route found" with no content type`, async (t) => {
    const { extension } = await withInstance(t)
    const answer = await extension.ping('L', { method, path })
    assert.equal(answer.status, 404)
    assert.equal(answer.headers['content-type'], undefined)
    assert.equal(answer.body, 'No matching Control Channel route found')
  })
}

test('HTTP/1.1 on the h2c control port gets no HTTP/1.1 answer and the connection is closed', async (t) => {
  const { router } = await withInstance(t)
  const socket = netConnect(Number(new URL(router.url).port), '127.0.0.1')
  socket.on('error', () => {})
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  await once(socket, 'connect')
  socket.write('GET /api/chunked/ping/L HTTP/1.1\r\nHost: x\r\n\r\n')
  await once(socket, 'close')
  assert.doesNotMatch(Buffer.concat(chunks).toString('latin1'), /HTTP\/1\.1/)
  assert.equal(await router.metric('lambda_dispatch_router_http2_errors_total', { kind: 'bad_preface' }), 1)
})

test('the control channel announces 4 MiB stream windows, a 32 MiB connection window and 1000 streams', async (t) => {
  const { extension } = await withInstance(t)
  const session = extension.session
  // A PING round trip guarantees the server's SETTINGS and connection WINDOW_UPDATE arrived.
  await new Promise<void>((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve())))
  assert.equal(session.remoteSettings.initialWindowSize, 4 * 1024 * 1024)
  assert.equal(session.remoteSettings.maxConcurrentStreams, 1000)
  assert.equal(session.state.remoteWindowSize, 32 * 1024 * 1024)
})

test('the TLS control listener speaks HTTP/2 over ALPN h2 and refuses clients that offer only http/1.1', async (t) => {
  const defer = teardown(t)
  const identity = createSelfSignedIdentity(['127.0.0.1', 'localhost'])
  const events = new RouterEvents()
  const http2Errors: string[] = []
  events.http2Error.subscribe(({ kind }) => http2Errors.push(kind))
  const control = new ControlServer({
    host: '127.0.0.1',
    tlsPort: 0,
    tls: { key: identity.keyPem, cert: identity.certPem },
    resolvePool: () => undefined,
    logger: createSilentLogger(),
    events,
  })
  const { tlsPort, h2cPort } = await control.listen()
  defer(() => control.close({ graceMs: 100 }))
  assert.equal(h2cPort, undefined)
  const extension = await ScriptedExtension.connect(`https://127.0.0.1:${tlsPort}`)
  defer(() => extension.destroy())
  assert.equal(extension.session.alpnProtocol, 'h2')
  const answer = await extension.ping('L')
  assert.equal(answer.status, 409)
  assert.equal(answer.body, 'No Pool found for X-Pool-Id: default, closing')
  const http1 = tlsConnect({ host: '127.0.0.1', port: tlsPort, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
  const errors: Error[] = []
  http1.on('error', (error) => errors.push(error))
  const received: Buffer[] = []
  http1.on('data', (chunk: Buffer) => received.push(chunk))
  http1.once('secureConnect', () => http1.write('GET /api/chunked/ping/L HTTP/1.1\r\nHost: x\r\n\r\n'))
  await new Promise((resolve) => http1.once('close', resolve))
  assert.deepEqual(received, [])
  assert.match(String(errors[0]?.message), /no application protocol/)
  assert.deepEqual(http2Errors, ['tls_error'])
})
