// Issue 8 item 1: the admin listener of a real router. Liveness and readiness (with each pool's state, 503 while
// closing), 404/405, the dashboard page, /api/snapshot, /api/events (a snapshot at once, recent errors as they
// happen), loopback-only by default, its own port in the conflict check, and no effect on the front door.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { type AddressInfo, createServer, connect as netConnect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { test } from 'node:test'
import { request as undiciRequest } from 'undici'
import { ConfigError } from '../../src/common/index.js'
import { type AdminSnapshot, loadRouterConfig } from '../../src/router/index.js'
import { deferred } from '../helpers/deferred.js'
import type { ScriptedApp } from '../helpers/scripted-extension.js'
import { startRouter, TEST_ROUTER_ENV } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'

async function getJson(url: string): Promise<{ status: number; body: unknown; headers: Record<string, unknown> }> {
  const response = await undiciRequest(url)
  return { status: response.statusCode, body: await response.body.json(), headers: response.headers }
}

/** Reads Server-Sent Events from a response body: each call resolves with the next event of the wanted name. */
function eventReader(body: AsyncIterable<Buffer>): (name: string) => Promise<unknown> {
  const iterator = body[Symbol.asyncIterator]()
  let buffered = ''
  return async (name) => {
    for (;;) {
      const end = buffered.indexOf('\n\n')
      if (end !== -1) {
        const block = buffered.slice(0, end)
        buffered = buffered.slice(end + 2)
        const event = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (event === name && data !== undefined) return JSON.parse(data)
        continue
      }
      const next = await iterator.next()
      if (next.done) throw new Error(`the event stream ended before a "${name}" event`)
      buffered += next.value.toString('utf8')
    }
  }
}

const app: ScriptedApp = async (head, channel) => {
  await channel.requestBody
  // A response head that is not HTTP/1.1: the router answers 502 and records LD_BAD_UPSTREAM_HEAD.
  if (head.target === '/broken') channel.end('NOT HTTP\r\n\r\n')
  else channel.respond(200, ['Content-Type', 'text/plain'], 'ok')
}

test('/health and /ready answer with the router and pool states; other paths get 404, other methods 405', async (t) => {
  const { addresses, close } = await startRouter({ app })
  t.after(close)
  const admin = addresses.adminUrl
  assert.match(admin, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.notEqual(new URL(admin).port, new URL(addresses.frontDoorUrl).port)

  assert.deepEqual((await getJson(`${admin}/health`)).body, { live: true, state: 'serving' })
  const ready = await getJson(`${admin}/ready`)
  assert.equal(ready.status, 200)
  assert.deepEqual(ready.body, {
    state: 'serving',
    live: true,
    ready: true,
    listeners: { frontDoor: true, control: true, admin: true },
    pools: [
      {
        poolId: 'default',
        functionName: 'my-function',
        state: 'serving',
        queueLength: 0,
        runningRequests: 0,
        openInstances: 0,
      },
    ],
  })

  const head = await undiciRequest(`${admin}/metrics`, { method: 'HEAD' })
  assert.equal(head.statusCode, 200)
  assert.equal(await head.body.text(), '')
  const missing = await undiciRequest(`${admin}/admin`)
  assert.equal(missing.statusCode, 404)
  await missing.body.dump()
  const post = await undiciRequest(`${admin}/metrics`, { method: 'POST', body: 'x' })
  assert.equal(post.statusCode, 405)
  assert.equal(post.headers.allow, 'GET, HEAD')
  await post.body.dump()

  const page = await undiciRequest(`${admin}/`)
  assert.equal(page.statusCode, 200)
  assert.match(String(page.headers['content-type']), /^text\/html/)
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'/)
  assert.match(await page.body.text(), /<title>Lambda Dispatch/)
})

test('/api/snapshot pictures the pools and traffic; /api/events sends a snapshot at once and each error as it happens', async (t) => {
  const defer = teardown(t)
  const { addresses, close } = await startRouter({ app })
  defer(close)
  const front = addresses.frontDoorUrl
  const ok = await undiciRequest(`${front}/ok`)
  assert.equal(ok.statusCode, 200)
  await ok.body.dump()

  const snapshot = (await getJson(`${addresses.adminUrl}/api/snapshot`)).body as AdminSnapshot
  assert.equal(snapshot.version, 1)
  assert.equal(snapshot.router.state, 'serving')
  assert.equal(snapshot.router.frontDoorUrl, front)
  assert.equal(snapshot.traffic.requestsTotal, 1)
  assert.equal(snapshot.pools[0]?.poolId, 'default')
  assert.deepEqual(snapshot.pools[0]?.outcomes, { '2xx': 1 })
  assert.equal(snapshot.pools[0]?.invokes.started, 1)
  assert.equal(snapshot.pools[0]?.instancesByState.open, 1)
  assert.equal(snapshot.pools[0]?.instances.length, 1)
  assert.equal(snapshot.series.requests.length, 300)

  const controller = new AbortController()
  defer(() => controller.abort())
  const events = await undiciRequest(`${addresses.adminUrl}/api/events`, { signal: controller.signal })
  assert.equal(events.statusCode, 200)
  assert.match(String(events.headers['content-type']), /^text\/event-stream/)
  const next = eventReader(events.body)
  const first = (await next('snapshot')) as AdminSnapshot
  assert.equal(first.traffic.requestsTotal, 1)

  const broken = await undiciRequest(`${front}/broken`, { headers: { 'x-request-id': 'sse-broken-1' } })
  assert.equal(broken.statusCode, 502)
  await broken.body.dump()
  const pushed = (await next('recent-error')) as AdminSnapshot['recentErrors'][number]
  assert.equal(pushed.code, 'LD_BAD_UPSTREAM_HEAD')
  assert.equal(pushed.poolId, 'default')
  assert.equal(pushed.requestId, 'sse-broken-1')
  assert.match(pushed.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  const after = (await getJson(`${addresses.adminUrl}/api/snapshot`)).body as AdminSnapshot
  assert.deepEqual(after.recentErrors, [pushed], 'the snapshot keeps the same entry')
  assert.deepEqual(after.pools[0]?.outcomes, { '2xx': 1, bad_upstream_head: 1 })
  controller.abort()
})

test('while the router drains, /ready says 503 and /health stays 200; the admin port closes last', async (t) => {
  const { promise: released, resolve: release } = deferred()
  const { promise: held, resolve: holding } = deferred()
  const { router, addresses, close } = await startRouter({
    app: async (_head, channel) => {
      await channel.requestBody
      holding()
      await released
      channel.respond(200, [], 'late')
    },
  })
  t.after(close)
  const inFlight = undiciRequest(`${addresses.frontDoorUrl}/slow`).then(async (response) => {
    await response.body.dump()
    return response.statusCode
  })
  await held
  const closed = router.close()
  const ready = await getJson(`${addresses.adminUrl}/ready`)
  assert.equal(ready.status, 503)
  assert.equal((ready.body as { state: string }).state, 'closing')
  assert.equal((ready.body as { listeners: { frontDoor: boolean } }).listeners.frontDoor, false)
  const health = await getJson(`${addresses.adminUrl}/health`)
  assert.equal(health.status, 200)
  assert.deepEqual(health.body, { live: true, state: 'closing' })
  release()
  assert.equal(await inFlight, 200)
  await closed
  const socket = netConnect(Number(new URL(addresses.adminUrl).port), '127.0.0.1')
  const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException]
  assert.equal(error.code, 'ECONNREFUSED')
})

test('the admin listener binds loopback by default, even when the other listeners bind every interface', async (t) => {
  assert.equal(loadRouterConfig({ LAMBDA_DISPATCH_FunctionName: 'f' }).adminHost, '127.0.0.1')
  const { addresses, close } = await startRouter({ env: { LAMBDA_DISPATCH_ListenHost: '0.0.0.0' } })
  t.after(close)
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)
  if (external === undefined) {
    t.diagnostic('no non-loopback IPv4 interface here: only the loopback bind is checked')
  } else {
    const frontDoor = await undiciRequest(`http://${external.address}:${new URL(addresses.frontDoorUrl).port}/health`)
    assert.equal(frontDoor.statusCode, 200, 'the front door answers on every interface')
    await frontDoor.body.dump()
    const socket = netConnect(Number(new URL(addresses.adminUrl).port), external.address)
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException]
    assert.equal(error.code, 'ECONNREFUSED', 'the admin port is not reachable from outside')
  }
  const health = await undiciRequest(`${addresses.adminUrl}/health`)
  assert.equal(health.statusCode, 200)
  await health.body.dump()
})

test('AdminPort takes part in the port conflict check', () => {
  assert.throws(
    () =>
      loadRouterConfig({
        ...TEST_ROUTER_ENV,
        LAMBDA_DISPATCH_IncomingRequestHTTPPort: '7000',
        LAMBDA_DISPATCH_AdminPort: '7000',
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.some((problem) =>
        /AdminPort and LAMBDA_DISPATCH_IncomingRequestHTTPPort both use port 7000/.test(problem),
      ),
  )
})

test('garbage on the admin port does not disturb the front door', async (t) => {
  const { addresses, close } = await startRouter({ app })
  t.after(close)
  const socket = netConnect(Number(new URL(addresses.adminUrl).port), '127.0.0.1')
  socket.on('error', () => {})
  socket.resume()
  socket.end('\x16\x03\x01 not http at all\r\n\r\n')
  await once(socket, 'close')
  const response = await undiciRequest(`${addresses.frontDoorUrl}/after`)
  assert.equal(response.statusCode, 200)
  assert.equal(await response.body.text(), 'ok')
})

test('a router whose admin port is taken fails to start and releases what it bound', async (t) => {
  const blocker = createServer()
  blocker.listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.after(() => blocker.close())
  const port = (blocker.address() as AddressInfo).port
  await assert.rejects(startRouter({ env: { LAMBDA_DISPATCH_AdminPort: String(port) } }), /EADDRINUSE/)
})
