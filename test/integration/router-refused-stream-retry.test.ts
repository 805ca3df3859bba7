// Issue 12 item 2: a leaving instance refuses a request that never reached its app with RST_STREAM REFUSED_STREAM
// (RFC 9113 §8.7: not processed). The router sends such a request to another channel instead of failing it, but only
// when nothing of it was processed: not once the response started, not once body bytes were taken from the client,
// and not forever. Every other reset still fails the request as before.
import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { type TestContext, test } from 'node:test'
import { MAX_REFUSED_RETRIES } from '../../src/router/dispatch/dispatcher.js'
import { UpstreamClosedError } from '../../src/router/errors.js'
import { checkHandler } from '../helpers/checked-handler.js'
import { deferred } from '../helpers/deferred.js'
import { type RouterHarness, startRouterHarness, testRequest } from '../helpers/router-harness.js'
import { connectBack } from '../helpers/router-scripted-invoker.js'
import { okApp, type ScriptedApp } from '../helpers/scripted-extension.js'

async function retriedTotal(router: RouterHarness): Promise<number> {
  const metric = await router.registry.getSingleMetric('lambda_dispatch_router_requests_retried_total')?.get()
  return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0
}

function busyChannels(router: RouterHarness): number {
  return router.pool.snapshot().instances.reduce((sum, instance) => sum + instance.busyChannels, 0)
}

/** An app that refuses the first `refusals` requests it is given, then answers like okApp. */
function refusingApp(refusals: number): { app: ScriptedApp; seen: () => number } {
  let seen = 0
  const app: ScriptedApp = async (head, channel) => {
    seen++
    if (seen <= refusals) {
      channel.refuse()
      return
    }
    await okApp(head, channel)
  }
  return { app, seen: () => seen }
}

function statusOf(handler: ReturnType<typeof checkHandler>): number | undefined {
  const first = handler.events[0]
  return first?.kind === 'start' ? first.status : undefined
}

async function serve(t: TestContext, router: RouterHarness, options: Parameters<typeof testRequest>[0] = {}) {
  const handler = checkHandler(t)
  router.pool.dispatcher.dispatch(testRequest(options).request, handler)
  await handler.settled
  assert.deepEqual(handler.violations, [])
  return handler
}

test('a request refused with REFUSED_STREAM before any response is sent again and answered 200', async (t) => {
  const { app, seen } = refusingApp(2)
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', channelCount: 2 }],
    behaviour: connectBack(app),
  })
  const handler = await serve(t, router)
  assert.equal(statusOf(handler), 200)
  assert.equal(handler.body.toString(), 'ok')
  assert.equal(seen(), 3, 'two refusals, then the answer')
  assert.equal(await retriedTotal(router), 2)
  assert.equal(busyChannels(router), 0)
})

test('a request with a body is sent again when none of its body was taken, and arrives whole', async (t) => {
  let received = ''
  let calls = 0
  const { promise: retried, resolve: onRetried } = deferred()
  const app: ScriptedApp = async (_head, channel) => {
    calls++
    if (calls === 1) {
      channel.refuse()
      return
    }
    onRetried()
    received = (await channel.requestBody).toString()
    channel.respond(200, ['Content-Type', 'text/plain'], 'ok')
  }
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', channelCount: 1 }],
    behaviour: connectBack(app),
  })
  // The body's bytes come only once the request reached its second channel: the refusal came before any was taken.
  const body = new PassThrough()
  const handler = checkHandler(t)
  const { request } = testRequest({ method: 'POST', body, headers: ['Host', 'x', 'Content-Length', '5'] })
  router.pool.dispatcher.dispatch(request, handler)
  await retried
  body.end('hello')
  await handler.settled
  assert.deepEqual(handler.violations, [])
  assert.equal(statusOf(handler), 200)
  assert.equal(received, 'hello')
  assert.equal(await retriedTotal(router), 1)
})

test('a refusal after the response head started is not retried: the request fails with UpstreamClosedError', async (t) => {
  const app: ScriptedApp = async (_head, channel) => {
    channel.writeHead(200, ['Content-Type', 'text/plain'])
    await new Promise((resolve) => setImmediate(resolve))
    channel.refuse()
  }
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', channelCount: 1 }],
    behaviour: connectBack(app),
  })
  const handler = await serve(t, router)
  const last = handler.events.at(-1)
  assert.equal(last?.kind, 'error')
  assert.equal(await retriedTotal(router), 0)
  assert.equal(busyChannels(router), 0)
})

test('a peer that refuses every time gets the request at most 1 + MAX_REFUSED_RETRIES times, then it fails with UpstreamClosedError; the next request is served', async (t) => {
  const { app, seen } = refusingApp(MAX_REFUSED_RETRIES + 1)
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', channelCount: 1 }],
    behaviour: connectBack(app),
  })
  const failed = await serve(t, router)
  const last = failed.events.at(-1)
  assert.ok(last?.kind === 'error' && last.error instanceof UpstreamClosedError, 'the last refusal fails it')
  assert.equal(seen(), MAX_REFUSED_RETRIES + 1)
  assert.equal(await retriedTotal(router), MAX_REFUSED_RETRIES)
  const served = await serve(t, router)
  assert.equal(statusOf(served), 200)
  assert.equal(busyChannels(router), 0)
})

test('a refusal once body bytes were taken from the client is not retried: the request fails with UpstreamClosedError', async (t) => {
  const app: ScriptedApp = async (_head, channel) => {
    await new Promise<void>((resolve) => channel.onBodyChunk(() => resolve()))
    channel.refuse()
  }
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', channelCount: 1 }],
    behaviour: connectBack(app),
  })
  const body = new PassThrough()
  body.write('he')
  const handler = checkHandler(t)
  const { request } = testRequest({ method: 'POST', body, headers: ['Host', 'x', 'Content-Length', '5'] })
  router.pool.dispatcher.dispatch(request, handler)
  await handler.settled
  assert.deepEqual(handler.violations, [])
  const last = handler.events.at(-1)
  assert.ok(last?.kind === 'error' && last.error instanceof UpstreamClosedError)
  assert.equal(await retriedTotal(router), 0)
  assert.equal(busyChannels(router), 0)
})
