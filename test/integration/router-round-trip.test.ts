// Issue 3 items 1 and 3: one request through a real pool, control server and scripted extension over h2c — the
// invoke payload, the tunnelled request bytes, the filtered response, and the channel's return to the pool.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RequestHead } from '../../src/protocol/index.js'
import type { ExchangeController } from '../../src/router/dispatch/exchange.js'
import { checkHandler } from '../helpers/checked-handler.js'
import { startRouterHarness, testRequest } from '../helpers/router-harness.js'
import { connectBack } from '../helpers/router-scripted-invoker.js'

test('a request is invoked for, tunnelled byte for byte, answered, and its channel retired', async (t) => {
  const seen: RequestHead[] = []
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', maxConcurrentCount: 2, channelCount: 3 }],
    behaviour: connectBack(async (head, channel) => {
      seen.push(head)
      const body = await channel.requestBody
      channel.respond(
        201,
        ['Content-Type', 'text/plain', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'],
        `echo:${body}`,
      )
    }),
  })
  const handler = checkHandler(t)
  const { request } = testRequest({
    method: 'POST',
    target: '/echo?x=1',
    headers: ['Host', 'example.com', 'Content-Type', 'text/plain'],
    body: 'hello',
  })
  const decision = router.pool.dispatcher.dispatch(request, handler)
  assert.equal(decision.kind, 'queued')
  assert.equal(await handler.settled, 'end')
  assert.deepEqual(handler.violations, [])
  const start = handler.events[0]
  assert.equal(start?.kind, 'start')
  assert.equal(start.kind === 'start' && start.status, 201)
  assert.deepEqual(start.kind === 'start' && start.headers, [
    'Content-Type',
    'text/plain',
    'Set-Cookie',
    'a=1',
    'Set-Cookie',
    'b=2',
  ])
  assert.equal(handler.body.toString(), 'echo:hello')
  assert.deepEqual(seen, [
    {
      method: 'POST',
      target: '/echo?x=1',
      httpVersion: 'HTTP/1.1',
      headers: ['Host', 'example.com', 'Content-Type', 'text/plain'],
    },
  ])
  const payload = router.invoker.payloads[0]
  assert.ok(payload)
  assert.equal(payload.poolId, 'default')
  assert.equal(payload.numberOfChannels, 3)
  assert.equal(payload.initOnly, false)
  assert.equal(payload.dispatcherUrl, `${router.url}/api/chunked`)
  assert.match(payload.sentTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  assert.equal(payload.routerCertSha256, undefined)
  assert.equal(await router.metric('lambda_dispatch_router_requests_total', { pool: 'default', outcome: '2xx' }), 1)
  const instance = router.pool.snapshot().instances[0]
  assert.equal(instance?.state, 'open')
  assert.equal(instance?.busyChannels, 0)
  // Gauges are read from the pool at scrape time.
  assert.equal(await router.metric('lambda_dispatch_router_pool_instances', { pool: 'default', state: 'open' }), 1)
  assert.equal(await router.metric('lambda_dispatch_router_pool_channels', { pool: 'default', state: 'busy' }), 0)
  assert.equal(await router.metric('lambda_dispatch_router_pool_queue_length', { pool: 'default' }), 0)
})

test('a 10 MiB response streams through a handler that pauses on every chunk and resumes on the next turn', async (t) => {
  const chunk = Buffer.alloc(64 * 1024, 7)
  const total = 160
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', channelCount: 1 }],
    behaviour: connectBack(async (_head, channel) => {
      await channel.requestBody
      channel.writeHead(200, ['Content-Type', 'application/octet-stream'])
      for (let index = 0; index < total; index++) {
        if (!channel.write(chunk)) await new Promise((resolve) => channel.stream.once('drain', resolve))
      }
      channel.end()
    }),
  })
  let received = 0
  let controller: ExchangeController | undefined
  const handler = checkHandler(t, {
    onResponseStart: (_status, _headers, exchange) => {
      controller = exchange
    },
    onResponseData: (data) => {
      received += data.length
      controller?.pause()
      setImmediate(() => controller?.resume())
    },
    onResponseEnd: () => {},
    onResponseError: () => {},
  })
  router.pool.dispatcher.dispatch(testRequest().request, handler)
  assert.equal(await handler.settled, 'end')
  assert.equal(received, chunk.length * total)
  assert.deepEqual(handler.violations, [])
})
