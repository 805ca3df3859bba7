// Issue 3 item 2: HTTP/1.1 and h2c prior knowledge on one port, HTTPS with ALPN h2 and http/1.1, one request path,
// and /health answered by the router itself. The pools are scripted dispatchers; the real core is not involved.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { type ClientHttp2Session, connect as http2Connect } from 'node:http2'
import { test } from 'node:test'
import { Agent, request as undiciRequest } from 'undici'
import { respondWith, ScriptedDispatcher } from '../helpers/scripted-dispatcher.js'
import { startFrontDoor } from '../helpers/start-router.js'
import { type AfterHookTarget, teardown } from '../helpers/teardown.js'

function h2Get(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined })
    if (body !== undefined) stream.end(body)
    let responseHeaders: Record<string, unknown> = {}
    const chunks: Buffer[] = []
    stream.on('response', (received) => {
      responseHeaders = received
    })
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () =>
      resolve({
        status: Number(responseHeaders[':status']),
        headers: responseHeaders,
        body: Buffer.concat(chunks).toString(),
      }),
    )
    stream.on('error', reject)
  })
}

const echoPool = (t: AfterHookTarget): ScriptedDispatcher =>
  new ScriptedDispatcher(t, (call) => {
    void call.body().then((body) => {
      respondWith(
        call.handler,
        200,
        ['Content-Type', 'text/plain', 'X-Seen-Method', call.request.method],
        `${call.request.method} ${call.request.target} ${body.length}:${body.toString()}`,
      )
    })
  })

test('an HTTP/1.1 GET and POST reach the default pool and the response bytes come back unchanged', async (t) => {
  const pool = echoPool(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  t.after(() => door.close())

  const get = await undiciRequest(`${door.httpUrl}/ping?x=1`)
  assert.equal(get.statusCode, 200)
  assert.equal(get.headers['x-seen-method'], 'GET')
  assert.equal(await get.body.text(), 'GET /ping?x=1 0:')

  const post = await undiciRequest(`${door.httpUrl}/echo`, { method: 'POST', body: 'hello world' })
  assert.equal(post.statusCode, 200)
  assert.equal(await post.body.text(), 'POST /echo 11:hello world')

  assert.equal(pool.calls.length, 2)
  assert.equal(pool.calls[0]?.request.body, null, 'a GET without a body dispatches body: null')
  assert.deepEqual(pool.violations, [])
})

test('an h2c prior-knowledge client on the same port gets the same request path', async (t) => {
  const defer = teardown(t)
  const pool = echoPool(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  defer(() => door.close())
  const session = http2Connect(door.httpUrl)
  defer(() => session.close())

  const get = await h2Get(session, { ':path': '/ping', ':method': 'GET' })
  assert.equal(get.status, 200)
  assert.equal(get.body, 'GET /ping 0:')

  const post = await h2Get(session, { ':path': '/echo', ':method': 'POST' }, 'over h2c')
  assert.equal(post.status, 200)
  assert.equal(post.body, 'POST /echo 8:over h2c')
  assert.equal(pool.calls[0]?.request.body, null, 'END_STREAM on HEADERS dispatches body: null')
  assert.deepEqual(pool.violations, [])
  assert.deepEqual(
    door.accessLog.map((entry) => [entry.protocol, entry.method, entry.status, entry.result]),
    [
      ['HTTP/2', 'GET', 200, 'complete'],
      ['HTTP/2', 'POST', 200, 'complete'],
    ],
  )
})

test('HTTP/1.1 and h2c connections interleave on one port without mixing up responses', async (t) => {
  const defer = teardown(t)
  const pool = echoPool(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  defer(() => door.close())
  const session = http2Connect(door.httpUrl)
  defer(() => session.close())
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, index) =>
      index % 2 === 0
        ? undiciRequest(`${door.httpUrl}/n/${index}`).then((response) => response.body.text())
        : h2Get(session, { ':path': `/n/${index}`, ':method': 'GET' }).then((response) => response.body),
    ),
  )
  assert.deepEqual(
    results,
    Array.from({ length: 20 }, (_, index) => `GET /n/${index} 0:`),
  )
})

test('HTTPS negotiates h2 or http/1.1 by ALPN and marks the request as https', async (t) => {
  const defer = teardown(t)
  const pool = echoPool(t)
  const door = await startFrontDoor({ pools: { default: pool }, https: true })
  defer(() => door.close())
  assert.ok(door.httpsUrl)
  const ca = door.tls?.certPem as string

  const session = http2Connect(door.httpsUrl, { ca, servername: 'localhost' })
  defer(() => session.close())
  const overH2 = await h2Get(session, { ':path': '/secure', ':method': 'GET' })
  assert.equal(overH2.status, 200)
  assert.equal(overH2.body, 'GET /secure 0:')

  const agent = new Agent({ connect: { ca, servername: 'localhost' } })
  defer(() => agent.close())
  const overH1 = await undiciRequest(`${door.httpsUrl}/secure1`, { dispatcher: agent })
  assert.equal(overH1.statusCode, 200)
  assert.equal(await overH1.body.text(), 'GET /secure1 0:')

  const protos = pool.calls.map((call) => {
    const headers = call.request.headers
    return headers[headers.indexOf('X-Forwarded-Proto') + 1]
  })
  assert.deepEqual(protos, ['https', 'https'])
  assert.deepEqual(
    door.accessLog.map((entry) => entry.protocol),
    ['HTTP/2', 'HTTP/1.1'],
  )
})

test('/health is answered 200 OK by the router on both protocols and never reaches a pool', async (t) => {
  const defer = teardown(t)
  const pool = echoPool(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  defer(() => door.close())

  const overH1 = await undiciRequest(`${door.httpUrl}/health`)
  assert.equal(overH1.statusCode, 200)
  assert.equal(await overH1.body.text(), 'OK')

  const session = http2Connect(door.httpUrl)
  defer(() => session.close())
  const overH2 = await h2Get(session, { ':path': '/health?probe=alb', ':method': 'GET' })
  assert.equal(overH2.status, 200)
  assert.equal(overH2.body, 'OK')

  const head = await undiciRequest(`${door.httpUrl}/health`, { method: 'HEAD' })
  assert.equal(head.statusCode, 200)
  await head.body.dump()
  assert.equal(pool.calls.length, 0)
})

test('a node:http client with keep-alive reuses one connection across requests', async (t) => {
  const pool = echoPool(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  t.after(() => door.close())
  const ports = new Set<number>()
  for (let index = 0; index < 3; index++) {
    const req = httpRequest(`${door.httpUrl}/k/${index}`, { agent: undefined, headers: { connection: 'keep-alive' } })
    req.end()
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage]
    ports.add(res.socket.localPort as number)
    res.resume()
    await once(res, 'end')
  }
  assert.equal(ports.size, 1)
})
