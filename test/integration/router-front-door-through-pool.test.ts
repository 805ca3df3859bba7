// Issue 3 items 2, 4, 9, 10: the real router (front door, pools, dispatcher, control channel) with scripted
// extensions answering as the app. Requests over HTTP/1.1 and h2c reach the app with clean headers and come back
// with clean headers; refusals never reach a Lambda; a full queue answers 503 + Retry-After.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as http2Connect } from 'node:http2'
import { test } from 'node:test'
import { request as undiciRequest } from 'undici'
import type { RequestHead } from '../../src/protocol/index.js'
import { neverConnects } from '../helpers/router-scripted-invoker.js'
import type { ScriptedApp } from '../helpers/scripted-extension.js'
import { startRouter } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'

/** Echoes method, target and body, and reports which headers the app saw. */
function echoApp(seen: RequestHead[]): ScriptedApp {
  return async (head, channel) => {
    seen.push(head)
    const body = await channel.requestBody
    channel.respond(
      200,
      [
        'Content-Type',
        'text/plain',
        'Connection',
        'keep-alive',
        'Keep-Alive',
        'timeout=5',
        'X-Lambda-Id',
        'leak-l',
        'X-Channel-Id',
        'leak-c',
        'X-App',
        'yes',
      ],
      `${head.method} ${head.target} ${body.toString()}`,
    )
  }
}

function headerNames(head: RequestHead): string[] {
  return head.headers.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase())
}

test('GET and POST over HTTP/1.1 and h2c reach the app through the real pool, with clean headers both ways', async (t) => {
  const defer = teardown(t)
  const seen: RequestHead[] = []
  const { addresses, close } = await startRouter({ app: echoApp(seen) })
  defer(close)

  const get = await undiciRequest(`${addresses.frontDoorUrl}/ping?x=1`, {
    headers: { 'x-lambda-dispatch-debug': 'true', 'x-pool-id': 'evil', te: 'trailers', 'x-request-id': 'rid-1' },
  })
  assert.equal(get.statusCode, 200)
  assert.equal(await get.body.text(), 'GET /ping?x=1 ')
  assert.equal(get.headers['x-app'], 'yes')
  assert.equal(get.headers['x-lambda-id'], undefined)
  assert.equal(get.headers['x-channel-id'], undefined)
  assert.notEqual(get.headers['keep-alive'], 'timeout=5', "the app's Keep-Alive is not relayed")

  const post = await undiciRequest(`${addresses.frontDoorUrl}/echo`, { method: 'POST', body: 'hello' })
  assert.equal(post.statusCode, 200)
  assert.equal(await post.body.text(), 'POST /echo hello')

  const session = http2Connect(addresses.frontDoorUrl)
  defer(() => session.close())
  const stream = session.request({ ':path': '/h2', ':method': 'POST' })
  stream.end('over h2c')
  const [headers] = (await once(stream, 'response')) as [Record<string, unknown>]
  stream.setEncoding('utf8')
  let body = ''
  stream.on('data', (text: string) => {
    body += text
  })
  await once(stream, 'end')
  assert.equal(headers[':status'], 200)
  assert.equal(body, 'POST /h2 over h2c')
  for (const name of ['connection', 'keep-alive', 'x-lambda-id', 'x-channel-id']) assert.equal(headers[name], undefined)

  const [first, , third] = seen
  assert.ok(first && third)
  const firstNames = headerNames(first)
  for (const name of ['te', 'x-lambda-dispatch-debug', 'x-lambda-name', 'connection']) {
    assert.ok(!firstNames.includes(name), `${name} does not reach the app`)
  }
  assert.ok(
    !firstNames.includes('x-pool-id') || first.headers.includes('default'),
    'a client X-Pool-Id never reaches it',
  )
  const value = (head: RequestHead, name: string): string | undefined =>
    head.headers[head.headers.findIndex((candidate) => candidate.toLowerCase() === name) + 1]
  assert.equal(value(first, 'x-forwarded-for'), '127.0.0.1')
  assert.equal(value(first, 'x-forwarded-proto'), 'http')
  assert.match(value(first, 'x-forwarded-host') ?? '', /^127\.0\.0\.1:\d+$/)
  assert.equal(value(first, 'x-request-id'), 'rid-1')
  assert.match(value(third, 'host') ?? '', /^127\.0\.0\.1:\d+$/, 'Host synthesized from :authority for h2')
  assert.ok(!headerNames(third).some((name) => name.startsWith(':')), 'no pseudo-headers in the tunnelled head')
})

test('refused requests never invoke a Lambda: /health, reserved paths and off-list X-Lambda-Name', async (t) => {
  const seen: RequestHead[] = []
  const { addresses, invoker, close } = await startRouter({ app: echoApp(seen) })
  t.after(close)
  const health = await undiciRequest(`${addresses.frontDoorUrl}/health`)
  assert.equal(health.statusCode, 200)
  assert.equal(await health.body.text(), 'OK')
  const goaway = await undiciRequest(`${addresses.frontDoorUrl}/_lambda_dispatch/goaway`)
  assert.equal(goaway.statusCode, 400)
  await goaway.body.dump()
  const offList = await undiciRequest(`${addresses.frontDoorUrl}/x`, { headers: { 'x-lambda-name': 'other-fn' } })
  assert.equal(offList.statusCode, 403)
  await offList.body.dump()
  assert.equal(invoker.payloads.length, 0)
  assert.equal(seen.length, 0)
})

test('an allow-listed X-Lambda-Name is served by its own pool, invoking that function', async (t) => {
  const seen: RequestHead[] = []
  const { addresses, invoker, router, close } = await startRouter({
    app: echoApp(seen),
    env: { LAMBDA_DISPATCH_AllowedLambdaNames: 'reports-fn' },
  })
  t.after(close)
  const response = await undiciRequest(`${addresses.frontDoorUrl}/r`, { headers: { 'x-lambda-name': 'reports-fn' } })
  assert.equal(response.statusCode, 200)
  await response.body.dump()
  assert.deepEqual([...router.pools.keys()], ['default', 'reports-fn'])
  assert.deepEqual([...new Set(invoker.payloads.map((payload) => payload.poolId))], ['reports-fn'])
})

test('a full queue answers 503 with Retry-After, and the WaiterRequest advertises the bound control port', async (t) => {
  const defer = teardown(t)
  const { addresses, invoker, close } = await startRouter({
    behaviour: neverConnects(),
    env: { LAMBDA_DISPATCH_QueueLimit: '1', LAMBDA_DISPATCH_InstanceStartTimeout: '30s' },
  })
  defer(close)
  const controller = new AbortController()
  defer(() => controller.abort())
  const waiting = undiciRequest(`${addresses.frontDoorUrl}/wait`, { signal: controller.signal }).catch(() => undefined)
  await invoker.invoked(1)
  const refused = await undiciRequest(`${addresses.frontDoorUrl}/refused`)
  assert.equal(refused.statusCode, 503)
  assert.equal(refused.headers['retry-after'], '1')
  assert.match(await refused.body.text(), /LD_QUEUE_FULL/)
  controller.abort()
  await waiting
  assert.equal(invoker.payloads[0]?.dispatcherUrl, addresses.dispatcherUrl)
  assert.match(addresses.dispatcherUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/chunked$/)
  assert.notEqual(new URL(addresses.dispatcherUrl).port, '0')
})
