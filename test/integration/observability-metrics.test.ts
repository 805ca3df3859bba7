// Issue 8 item 2: the router's Prometheus metrics, scraped from the admin listener's /metrics after scripted traffic
// through the real router (front door, pool, control channel) and scripted extensions: exact counters by pool and
// outcome (queue timeouts and aborts while queued included), histogram counts, bytes each way, gauges, the
// connect-back histogram, invokes and exit reasons, the front door's refusals, the control channel's HTTP/2 errors,
// and the process defaults. No label carries an id.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { type ClientHttp2Stream, connect as http2Connect } from 'node:http2'
import { connect as netConnect } from 'node:net'
import { type TestContext, test } from 'node:test'
import { request as undiciRequest } from 'undici'
import { createRouter, loadRouterConfig } from '../../src/router/index.js'
import { deferred } from '../helpers/deferred.js'
import { recordEvents } from '../helpers/fault-stack.js'
import { type PrometheusScrape, parsePrometheusText } from '../helpers/prometheus-text.js'
import { connectBack, ScriptedInvoker } from '../helpers/router-scripted-invoker.js'
import type { ScriptedApp, ScriptedChannel } from '../helpers/scripted-extension.js'
import { TEST_ROUTER_ENV } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'

async function scrape(adminUrl: string): Promise<PrometheusScrape> {
  const response = await undiciRequest(`${adminUrl}/metrics`)
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  return parsePrometheusText(await response.body.text())
}

/** One request on an h2c session, resolved with the status and body. */
function h2Get(stream: ClientHttp2Stream): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let status = 0
    let body = ''
    stream.setEncoding('utf8')
    stream.on('response', (headers) => {
      status = Number(headers[':status'])
    })
    stream.on('data', (chunk: string) => {
      body += chunk
    })
    stream.on('end', () => resolve({ status, body }))
    stream.on('error', reject)
  })
}

/**
 * The real router with one instance (kept up: MinInstances) and one channel, so a held request makes every other one
 * queue; `env` adds settings. Resolves once that instance is open. `logLevel` debug makes queueing an awaitable line.
 */
async function startOneChannelRouter(t: TestContext, app: ScriptedApp, env: Record<string, string>) {
  const router = createRouter(
    loadRouterConfig({
      ...TEST_ROUTER_ENV,
      LAMBDA_DISPATCH_MaxConcurrentCount: '1',
      LAMBDA_DISPATCH_ChannelCount: '1',
      LAMBDA_DISPATCH_MinInstances: '1',
      LAMBDA_DISPATCH_MaxInstances: '1',
      ...env,
    }),
    { invoker: new ScriptedInvoker(connectBack(app)), env: {} },
  )
  const states = recordEvents(router.events.instanceStateChanged)
  const addresses = await router.start()
  teardown(t)(() => router.close())
  await states.next((change) => change.to === 'open')
  return { router, addresses }
}

test('after 7 OK, 2 × 404, 1 queue-full 503 and 1 client abort, /metrics shows exactly those counts', async (t) => {
  const { promise: held, resolve: holdStarted } = deferred<ScriptedChannel>()
  const lambdaIds: string[] = []
  const app: ScriptedApp = async (head, channel) => {
    lambdaIds.push(channel.lambdaId)
    const body = await channel.requestBody
    if (head.target === '/missing') channel.respond(404, ['Content-Type', 'text/plain'], 'nope')
    else if (head.target === '/echo') channel.respond(200, ['Content-Type', 'text/plain'], body)
    else if (head.target === '/hold') holdStarted(channel)
    else channel.respond(200, ['Content-Type', 'text/plain'], 'ok')
  }
  // A queue of one: the hold request fills the only channel, the next one queues, and the one after that finds the
  // queue full.
  const { router, addresses } = await startOneChannelRouter(t, app, { LAMBDA_DISPATCH_QueueLimit: '1' })
  const front = addresses.frontDoorUrl
  const requestIds: string[] = []
  const get = async (path: string, init: { method?: string; body?: string } = {}) => {
    const requestId = `metrics-test-${requestIds.length}`
    requestIds.push(requestId)
    const response = await undiciRequest(`${front}${path}`, { ...init, headers: { 'x-request-id': requestId } })
    return { status: response.statusCode, body: await response.body.text() }
  }

  for (let index = 0; index < 5; index++) assert.deepEqual(await get('/ok'), { status: 200, body: 'ok' })
  assert.deepEqual(await get('/echo', { method: 'POST', body: 'hello' }), { status: 200, body: 'hello' })
  assert.deepEqual(await get('/missing'), { status: 404, body: 'nope' })
  assert.deepEqual(await get('/missing'), { status: 404, body: 'nope' })

  // The hold request takes the only channel; the client gives up on it while the app is still working.
  const holdAbort = new AbortController()
  const holding = undiciRequest(`${front}/hold`, { signal: holdAbort.signal }).catch((error: Error) => error)
  const holdChannel = await held
  // One h2c session keeps the order: /queued is queued before /full arrives and finds the queue full.
  const session = http2Connect(front)
  teardown(t)(() => session.close())
  const queued = h2Get(session.request({ ':path': '/queued' }))
  const full = await h2Get(session.request({ ':path': '/full' }))
  assert.equal(full.status, 503)
  assert.match(full.body, /LD_QUEUE_FULL/)
  holdAbort.abort()
  assert.ok((await holding) instanceof Error)
  // The router resets the channel stream in the same turn it counts the abort.
  assert.notEqual((await holdChannel.closed).rstCode, 0)
  assert.deepEqual(await queued, { status: 200, body: 'ok' })

  // A reserved path is refused by the front door itself; a bad preface on the control port is an HTTP/2 error.
  assert.equal((await get('/_lambda_dispatch/goaway')).status, 400)
  const controlPort = Number(new URL(addresses.controlUrls[0] as string).port)
  const socket = netConnect(controlPort, '127.0.0.1')
  socket.on('error', () => {})
  socket.resume()
  socket.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  await once(socket, 'close')

  const metrics = await scrape(addresses.adminUrl)
  const pool = { pool: 'default' }
  const outcome = (name: string) => metrics.value('lambda_dispatch_router_requests_total', { ...pool, outcome: name })
  assert.equal(outcome('2xx'), 7)
  assert.equal(outcome('4xx'), 2)
  assert.equal(outcome('queue_full'), 1)
  assert.equal(outcome('aborted_running'), 1)
  assert.deepEqual(
    metrics
      .all('lambda_dispatch_router_requests_total')
      .map((sample) => `${sample.labels.outcome}=${sample.value}`)
      .sort(),
    ['2xx=7', '4xx=2', 'aborted_running=1', 'queue_full=1'],
    'no other outcome was counted',
  )
  assert.equal(metrics.value('lambda_dispatch_router_requests_queued_total', pool), 1, 'only /queued waited')
  assert.equal(metrics.value('lambda_dispatch_router_queue_wait_seconds_count', pool), 1)
  assert.equal(metrics.value('lambda_dispatch_router_request_duration_seconds_count', pool), 9)
  assert.equal(metrics.types.get('lambda_dispatch_router_request_duration_seconds'), 'histogram')
  assert.equal(metrics.value('lambda_dispatch_router_request_body_bytes_total', pool), 'hello'.length)
  assert.equal(
    metrics.value('lambda_dispatch_router_response_body_bytes_total', pool),
    6 * 'ok'.length + 'hello'.length + 2 * 'nope'.length,
  )
  assert.equal(metrics.value('lambda_dispatch_router_pool_queue_length', pool), 0)
  assert.equal(metrics.value('lambda_dispatch_router_pool_running_requests', pool), 0)
  assert.equal(metrics.value('lambda_dispatch_router_pool_instances', { ...pool, state: 'open' }), 1)
  assert.equal(metrics.value('lambda_dispatch_router_pool_instances', { ...pool, state: 'starting' }), 0)
  assert.equal(metrics.value('lambda_dispatch_router_pool_channels', { ...pool, state: 'busy' }), 0)
  assert.equal(metrics.value('lambda_dispatch_router_pool_desired_instances', pool), 1)
  assert.equal(metrics.value('lambda_dispatch_router_instance_connect_seconds_count', pool), 1)
  assert.equal(metrics.value('lambda_dispatch_router_invokes_started_total', { ...pool, kind: 'instance' }), 1)
  assert.equal(metrics.value('lambda_dispatch_router_invokes_per_minute', pool), 1)
  assert.equal(metrics.value('lambda_dispatch_router_tunnel_ordering_violations_total', pool), 0)
  assert.equal(metrics.types.get('lambda_dispatch_router_tunnel_ordering_violations_total'), 'counter')
  assert.equal(metrics.value('lambda_dispatch_router_http2_errors_total', { kind: 'bad_preface' }), 1)
  assert.equal(
    metrics.value('lambda_dispatch_router_front_door_refusals_total', { status: '400', code: 'LD_RESERVED_PATH' }),
    1,
  )
  for (const name of [
    'process_cpu_user_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
  ]) {
    assert.ok(metrics.types.has(name), `process default ${name} is exported`)
  }
  // Low cardinality: no lambda id, channel id or request id is ever a label value.
  const ids = new Set([...lambdaIds, ...requestIds])
  const leaked = metrics.samples.flatMap((sample) => Object.values(sample.labels).filter((value) => ids.has(value)))
  assert.deepEqual(leaked, [])

  // Closing the pool returns its invoke: the result and the extension's ExitReason are counted, the gauges go.
  await router.pools.get('default')?.close({ graceMs: 1000 })
  const after = await scrape(addresses.adminUrl)
  assert.equal(after.value('lambda_dispatch_router_invokes_total', { ...pool, result: 'completed' }), 1)
  assert.equal(after.value('lambda_dispatch_router_invoke_exit_reasons_total', { ...pool, reason: 'RouterGoAway' }), 1)
  assert.equal(after.value('lambda_dispatch_router_instance_transitions_total', { ...pool, to: 'closed' }), 1)
  assert.deepEqual(after.all('lambda_dispatch_router_pool_instances'), [])
})

test('a queue timeout and a client abort while queued are counted under their own outcomes on /metrics', async (t) => {
  const { promise: held, resolve: holdStarted } = deferred<ScriptedChannel>()
  const app: ScriptedApp = async (head, channel) => {
    await channel.requestBody
    if (head.target === '/hold') holdStarted(channel)
    else channel.respond(200, ['Content-Type', 'text/plain'], 'ok')
  }
  // While /hold runs, every other request queues until its 1 s queue timeout.
  const { router, addresses } = await startOneChannelRouter(t, app, { LAMBDA_DISPATCH_IncomingRequestTimeout: '1s' })
  const queuedRequests = recordEvents(router.events.requestQueued)
  const ends = recordEvents(router.events.requestEnded)
  const front = addresses.frontDoorUrl
  const queued = (requestId: string) => queuedRequests.next((queuedRequest) => queuedRequest.requestId === requestId)

  const holding = undiciRequest(`${front}/hold`, { headers: { 'x-request-id': 'hold' } })
  const holdChannel = await held

  // The client of a queued request gives up before its queue timeout: the request leaves the queue uninvoked.
  const abort = new AbortController()
  const abandoned = undiciRequest(`${front}/abandoned`, {
    headers: { 'x-request-id': 'abandoned' },
    signal: abort.signal,
  }).catch((error: Error) => error)
  await queued('abandoned')
  abort.abort()
  assert.ok((await abandoned) instanceof Error)
  await ends.next((end) => end.kind === 'aborted' && end.requestId === 'abandoned')

  // Nobody frees the channel for this one: it waits out the queue timeout and gets 504.
  const timedOut = await undiciRequest(`${front}/waits`, { headers: { 'x-request-id': 'waits' } })
  assert.equal(timedOut.statusCode, 504)
  assert.match(await timedOut.body.text(), /LD_QUEUE_TIMEOUT/)

  holdChannel.respond(200, ['Content-Type', 'text/plain'], 'released')
  const released = await holding
  assert.equal(released.statusCode, 200)
  assert.equal(await released.body.text(), 'released')

  const metrics = await scrape(addresses.adminUrl)
  const pool = { pool: 'default' }
  assert.deepEqual(
    metrics
      .all('lambda_dispatch_router_requests_total')
      .map((sample) => `${sample.labels.pool} ${sample.labels.outcome}=${sample.value}`)
      .sort(),
    ['default 2xx=1', 'default aborted_queued=1', 'default queue_timeout=1'],
  )
  assert.equal(metrics.value('lambda_dispatch_router_requests_queued_total', pool), 2, 'both waited in the queue')
  assert.equal(metrics.value('lambda_dispatch_router_invokes_started_total', { ...pool, kind: 'instance' }), 1)
  assert.equal(metrics.value('lambda_dispatch_router_pool_queue_length', pool), 0)
})
