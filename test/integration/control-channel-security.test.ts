// Issue 6 item 5: the control channel's security with the real router and the real extension (local stack). Over TLS
// the router sends its certificate's SHA-256 in every WaiterRequest and the extension pins it: requests flow through
// the real router, while an impostor with another certificate gets a TLS handshake and not one byte of HTTP/2. The
// router refuses unknown instances on every route, and a live one to a client without its channel token (issue 13)
// unless AllowUnauthenticatedChannels is on. The compatibility setting leaves the pin out for extensions that cannot
// pin, and pinning is on by default whenever TLS is.
import assert from 'node:assert/strict'
import { randomUUID, X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import { type ClientHttp2Session, connect as http2Connect } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { request } from 'undici'
import { type LocalStack, startLocalStack } from '../../src/cli/local-stack.js'
import { decodeWaiterResponse, encodeWaiterRequest } from '../../src/protocol/index.js'
import { loadRouterConfig } from '../../src/router/index.js'
import { createSelfSignedIdentity } from '../../src/router/tls-certificate.js'
import { deferred } from '../helpers/deferred.js'
import { type AfterHookTarget, teardown } from '../helpers/teardown.js'

const TLS_SETTINGS = {
  LAMBDA_DISPATCH_PreferredControlChannelScheme: 'https',
  LAMBDA_DISPATCH_ControlChannelHTTP2Port: '0',
  LAMBDA_DISPATCH_AllowInsecureControlChannel: 'false',
  LAMBDA_DISPATCH_MinInstances: '1',
  LAMBDA_DISPATCH_AccessLog: 'false',
}

async function tlsStack(t: AfterHookTarget, extra: Record<string, string> = {}) {
  const stack = await startLocalStack({
    frontDoorPort: 0,
    controlPort: 0,
    childOutput: 'ignore',
    freezeWhenIdle: false,
    functionTimeoutMs: 60_000,
    // The extension would otherwise leave 250 ms after its last request; these tests want a live instance.
    functionEnv: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000' },
    routerSettings: { ...TLS_SETTINGS, ...extra },
  })
  teardown(t)(() => stack.close())
  return stack
}

async function ping(stack: LocalStack): Promise<string> {
  const response = await request(`${stack.addresses.frontDoorUrl}/ping`)
  return `${response.statusCode} ${await response.body.text()}`
}

/** The one instance MinInstances keeps up, once it has parked a channel. */
async function liveInstanceId(stack: LocalStack): Promise<string> {
  assert.equal(await ping(stack), '200 pong')
  const instance = stack.router.pools
    .get('default')
    ?.snapshot()
    .instances.find((candidate) => candidate.state === 'open')
  assert.ok(instance, 'an open instance')
  return instance.lambdaId
}

/** A TLS HTTP/2 client that verifies nothing, like the original Rust extension (AcceptAnyServerCert). */
function unpinnedClient(t: AfterHookTarget, controlUrl: string): ClientHttp2Session {
  const session = http2Connect(controlUrl, { rejectUnauthorized: false, ALPNProtocols: ['h2'] })
  session.on('error', () => {})
  teardown(t)(() => session.destroy())
  return session
}

async function status(session: ClientHttp2Session, headers: Record<string, string>): Promise<number> {
  const stream = session.request(headers, { endStream: headers[':method'] === 'GET' })
  stream.on('error', () => {})
  const [response] = (await once(stream, 'response')) as [Record<string, unknown>]
  stream.close()
  return Number(response[':status'])
}

/** A TLS server with its own certificate that records what reaches it after the handshake. */
async function impostor(t: AfterHookTarget) {
  const identity = createSelfSignedIdentity(['127.0.0.1', 'localhost'])
  const seen = { connections: 0, handshakes: 0, bytesAfterHandshake: 0 }
  const { promise: firstBytes, resolve: onFirstBytes } = deferred()
  const server = createTlsServer(
    { key: identity.keyPem, cert: identity.certPem, ALPNProtocols: ['h2'] },
    (socket: TLSSocket) => {
      seen.handshakes++
      socket.on('data', (chunk: Buffer) => {
        seen.bytesAfterHandshake += chunk.length
        onFirstBytes()
      })
      socket.on('error', () => {})
    },
  )
  server.on('connection', () => {
    seen.connections++
  })
  server.on('tlsClientError', () => {})
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  teardown(t)(() => server.close())
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/chunked`, seen, identity, firstBytes }
}

/** Invokes the function directly, as a router would, with a hand-made WaiterRequest; resolves with its ExitReason. */
async function invokeDirectly(stack: LocalStack, dispatcherUrl: string, routerCertSha256?: string): Promise<string> {
  const client = new LambdaClient({
    endpoint: stack.lambda.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  try {
    const payload = encodeWaiterRequest({
      poolId: 'default',
      id: randomUUID(),
      dispatcherUrl,
      numberOfChannels: 2,
      sentTime: new Date().toISOString(),
      initOnly: false,
      ...(routerCertSha256 === undefined ? {} : { routerCertSha256 }),
    })
    const output = await client.send(
      new InvokeCommand({ FunctionName: stack.functionName, Payload: Buffer.from(payload) }),
    )
    return decodeWaiterResponse(JSON.parse(Buffer.from(output.Payload ?? []).toString())).exitReason ?? 'none'
  } finally {
    client.destroy()
  }
}

test('pinning is on by default whenever the control channel uses TLS, and off only when asked', () => {
  const base = { LAMBDA_DISPATCH_FunctionName: 'f' }
  assert.equal(loadRouterConfig(base).preferredControlChannelScheme, 'https')
  assert.equal(loadRouterConfig(base).pinControlChannelCertificate, true)
  assert.equal(
    loadRouterConfig({ ...base, LAMBDA_DISPATCH_TlsCertPath: '/c.pem', LAMBDA_DISPATCH_TlsKeyPath: '/k.pem' })
      .pinControlChannelCertificate,
    true,
  )
  assert.equal(
    loadRouterConfig({ ...base, LAMBDA_DISPATCH_PinControlChannelCertificate: 'false' }).pinControlChannelCertificate,
    false,
  )
})

test('over TLS the extension pins the router certificate sent in the WaiterRequest, and requests flow', async (t) => {
  const stack = await tlsStack(t)
  const { dispatcherUrl, routerCertSha256, controlUrls } = stack.addresses
  assert.match(dispatcherUrl, /^https:\/\/127\.0\.0\.1:\d+\/api\/chunked$/)
  assert.deepEqual(
    controlUrls.map((url) => new URL(url).protocol),
    ['https:'],
    'no h2c control listener is open',
  )
  // The pin is the SHA-256 of the certificate the control listener presents.
  const session = unpinnedClient(t, controlUrls[0] as string)
  await once(session, 'connect')
  const presented = new X509Certificate((session.socket as TLSSocket).getPeerCertificate(true).raw)
  assert.equal(routerCertSha256?.replaceAll(':', '').toUpperCase(), presented.fingerprint256.replaceAll(':', ''))
  assert.equal(stack.router.pools.get('default')?.context.routerCertSha256, routerCertSha256)
  assert.equal(await ping(stack), '200 pong')
  const body = Buffer.alloc(300_000, 7)
  const echo = await request(`${stack.addresses.frontDoorUrl}/echo`, { method: 'POST', body })
  assert.deepEqual(Buffer.from(await echo.body.arrayBuffer()), body)
})

test('a router presenting another certificate is refused at the handshake: no HTTP/2 byte reaches it', async (t) => {
  const stack = await tlsStack(t)
  const fake = await impostor(t)
  assert.notEqual(fake.identity.certSha256, stack.addresses.routerCertSha256)
  // The invoke names the impostor as DispatcherUrl but carries the real router's pin (an attacker in the path, or a
  // DNS/IP takeover of the callback address).
  assert.equal(await invokeDirectly(stack, fake.url, stack.addresses.routerCertSha256), 'RouterUnreachable')
  assert.equal(fake.seen.connections, 1, 'one attempt: a pin mismatch is never retried')
  assert.equal(fake.seen.bytesAfterHandshake, 0, 'not even the HTTP/2 preface was sent')
  // The real router is unaffected and still serves.
  assert.equal(await ping(stack), '200 pong')
})

test('without a pin an extension talks to any certificate: what the compatibility setting gives up', async (t) => {
  const stack = await tlsStack(t)
  const fake = await impostor(t)
  // No RouterCertSha256, as from a router with PinControlChannelCertificate=false: the extension connects and opens
  // its channels on whoever answers, exactly as the original Rust extension does with any router.
  // The invoke keeps trying that impostor until the stack closes; only what reached it matters here.
  invokeDirectly(stack, fake.url).catch(() => {})
  await fake.firstBytes
  assert.ok(fake.seen.handshakes >= 1)
  assert.ok(fake.seen.bytesAfterHandshake > 0, 'the HTTP/2 preface went to the impostor')
})

test('PinControlChannelCertificate=false leaves the pin out and the unpinned extension still serves', async (t) => {
  const stack = await tlsStack(t, { LAMBDA_DISPATCH_PinControlChannelCertificate: 'false' })
  assert.match(stack.addresses.dispatcherUrl, /^https:/)
  assert.equal(stack.addresses.routerCertSha256, undefined)
  assert.equal(stack.router.pools.get('default')?.context.routerCertSha256, undefined)
  assert.equal(await ping(stack), '200 pong')
})

test('over TLS a client that cannot pin and has no channel token (like the Rust extension) gets 403 for a live instance', async (t) => {
  const stack = await tlsStack(t)
  const lambdaId = await liveInstanceId(stack)
  const session = unpinnedClient(t, stack.addresses.controlUrls[0] as string)
  const common = { 'x-pool-id': 'default', 'x-lambda-id': lambdaId }
  assert.equal(await status(session, { ':method': 'GET', ':path': `/api/chunked/ping/${lambdaId}`, ...common }), 403)
  assert.equal(
    await status(session, {
      ':method': 'POST',
      ':path': `/api/chunked/request/${lambdaId}/${randomUUID()}`,
      ...common,
    }),
    403,
  )
  assert.equal(await ping(stack), '200 pong')
})

test('with AllowUnauthenticatedChannels a client that cannot pin and has no token is admitted over TLS', async (t) => {
  const stack = await tlsStack(t, { LAMBDA_DISPATCH_AllowUnauthenticatedChannels: 'true' })
  const lambdaId = await liveInstanceId(stack)
  const session = unpinnedClient(t, stack.addresses.controlUrls[0] as string)
  const common = { 'x-pool-id': 'default', 'x-lambda-id': lambdaId }
  assert.equal(await status(session, { ':method': 'GET', ':path': `/api/chunked/ping/${lambdaId}`, ...common }), 200)
})

test('the router refuses an unknown instance on every control route, over TLS', async (t) => {
  const stack = await tlsStack(t)
  await liveInstanceId(stack)
  const session = unpinnedClient(t, stack.addresses.controlUrls[0] as string)
  const unknown = randomUUID()
  const common = { 'x-pool-id': 'default', 'x-lambda-id': unknown }
  assert.equal(
    await status(session, {
      ':method': 'POST',
      ':path': `/api/chunked/request/${unknown}/${randomUUID()}`,
      ...common,
    }),
    409,
  )
  assert.equal(await status(session, { ':method': 'GET', ':path': `/api/chunked/ping/${unknown}`, ...common }), 409)
  assert.equal(await status(session, { ':method': 'GET', ':path': `/api/chunked/close/${unknown}`, ...common }), 409)
  // A known instance under another pool id is unknown there too.
  assert.equal(
    await status(session, { ':method': 'GET', ':path': `/api/chunked/ping/${unknown}`, 'x-pool-id': 'other' }),
    409,
  )
})
