// The demo app's routes served for real on 127.0.0.1:0, asserted by status, headers and bytes.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { test } from 'node:test'
import { patternBytes } from '../../../src/demo-app/routes.js'
import { startDemoApp } from '../../../src/demo-app/server.js'
import { deferred } from '../../helpers/deferred.js'
import { startInProcessDemoApp } from '../../helpers/local-demo-app.js'
import { holdPort } from '../../helpers/port.js'
import { teardown } from '../../helpers/teardown.js'

interface Reply {
  status: number
  headers: IncomingMessage['headers']
  rawHeaders: string[]
  body: Buffer
}

function send(
  origin: string,
  path: string,
  init: { method?: string; body?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

async function startApp(t: { after: (fn: () => Promise<void>) => void }) {
  const app = await startInProcessDemoApp({ exitProcess: () => {} })
  teardown(t)(() => app.close())
  return app
}

test('GET /health answers 200 OK and GET /ping answers pong with a content-length', async (t) => {
  const { origin } = await startApp(t)
  const health = await send(origin, '/health')
  assert.equal(health.status, 200)
  assert.equal(health.body.toString(), 'OK')
  const ping = await send(origin, '/ping')
  assert.equal(ping.status, 200)
  assert.equal(ping.body.toString(), 'pong')
  assert.equal(ping.headers['content-length'], '4')
  assert.match(ping.headers['content-type'] ?? '', /^text\/plain/)
})

test('POST /echo returns the body chunked with the request content-type', async (t) => {
  const { origin } = await startApp(t)
  const body = patternBytes(300_000)
  const reply = await send(origin, '/echo', { method: 'POST', body, headers: { 'content-type': 'application/x-test' } })
  assert.equal(reply.status, 200)
  assert.equal(reply.headers['content-type'], 'application/x-test')
  assert.equal(reply.headers['transfer-encoding'], 'chunked')
  assert.ok(reply.body.equals(body))
})

test('PUT /echo without a content-type answers application/octet-stream', async (t) => {
  const { origin } = await startApp(t)
  const reply = await send(origin, '/echo', { method: 'PUT', body: 'abc' })
  assert.equal(reply.headers['content-type'], 'application/octet-stream')
  assert.equal(reply.body.toString(), 'abc')
})

test('/echo sends each piece back before the request body has ended', async (t) => {
  const { origin } = await startApp(t)
  const req = httpRequest(`${origin}/echo`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } })
  req.write('first')
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  const [firstEcho] = (await once(res, 'data')) as [Buffer]
  assert.equal(firstEcho.toString(), 'first')
  req.end('second')
  const rest: Buffer[] = []
  for await (const chunk of res) rest.push(chunk as Buffer)
  assert.equal(Buffer.concat(rest).toString(), 'second')
})

test('GET /delay answers 200 after the delay and 400 for an invalid ms', async (t) => {
  const { origin } = await startApp(t)
  assert.equal((await send(origin, '/delay?ms=5')).status, 200)
  assert.equal((await send(origin, '/delay?ms=abc')).status, 400)
})

test('GET /bytes returns n bytes of the pattern with a content-length', async (t) => {
  const { origin } = await startApp(t)
  const reply = await send(origin, '/bytes?n=200000')
  assert.equal(reply.status, 200)
  assert.equal(reply.headers['content-length'], '200000')
  assert.equal(reply.headers['content-type'], 'application/octet-stream')
  assert.ok(reply.body.equals(patternBytes(200_000)))
})

test('GET /bytes&chunked=1 streams the same bytes chunked with the requested type', async (t) => {
  const { origin } = await startApp(t)
  const reply = await send(origin, '/bytes?n=150001&chunked=1&type=image/png')
  assert.equal(reply.headers['transfer-encoding'], 'chunked')
  assert.equal(reply.headers['content-length'], undefined)
  assert.equal(reply.headers['content-type'], 'image/png')
  assert.ok(reply.body.equals(patternBytes(150_001)))
})

test('GET /bytes?n=0 returns an empty body and HEAD returns only the head', async (t) => {
  const { origin } = await startApp(t)
  const empty = await send(origin, '/bytes?n=0')
  assert.equal(empty.headers['content-length'], '0')
  assert.equal(empty.body.length, 0)
  const head = await send(origin, '/bytes?n=10', { method: 'HEAD' })
  assert.equal(head.headers['content-length'], '10')
  assert.equal(head.body.length, 0)
})

test('GET /text returns n bytes of repetitive text/plain', async (t) => {
  const { origin } = await startApp(t)
  const reply = await send(origin, '/text?n=100000')
  assert.equal(reply.body.length, 100_000)
  assert.match(reply.headers['content-type'] ?? '', /^text\/plain/)
  assert.match(reply.body.subarray(0, 20).toString(), /^The quick brown fox/)
})

test('GET /sse sends n events and ends', async (t) => {
  const { origin } = await startApp(t)
  const reply = await send(origin, '/sse?n=3&interval=0')
  assert.equal(reply.headers['content-type'], 'text/event-stream')
  assert.equal(reply.body.toString(), 'data: 0\n\ndata: 1\n\ndata: 2\n\n')
})

test('GET /sse flushes the first event while the next one is still far away', async (t) => {
  const { origin } = await startApp(t)
  const req = httpRequest(`${origin}/sse?n=2&interval=600000`)
  req.end()
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  const [first] = (await once(res, 'data')) as [Buffer]
  assert.equal(first.toString(), 'data: 0\n\n')
  req.destroy()
})

const statusCases: { code: number; body: string | null }[] = [
  { code: 200, body: '200 OK\n' },
  { code: 204, body: null },
  { code: 304, body: null },
  { code: 418, body: "418 I'm a Teapot\n" },
  { code: 503, body: '503 Service Unavailable\n' },
]

for (const row of statusCases) {
  test(`GET /status/${row.code} answers ${row.code}${row.body === null ? ' without a body' : ' with a short body'}`, async (t) => {
    const { origin } = await startApp(t)
    const reply = await send(origin, `/status/${row.code}`)
    assert.equal(reply.status, row.code)
    assert.equal(reply.body.toString(), row.body ?? '')
  })
}

test('GET /status/{code} outside 200-599 answers 400', async (t) => {
  const { origin } = await startApp(t)
  assert.equal((await send(origin, '/status/99')).status, 400)
  assert.equal((await send(origin, '/status/abc')).status, 400)
})

test('POST /headers echoes method, url, version and the raw header list', async (t) => {
  const { origin } = await startApp(t)
  const reply = await send(origin, '/headers?x=1', {
    method: 'POST',
    body: 'ignored',
    headers: { 'X-Custom': 'Value' },
  })
  assert.equal(reply.status, 200)
  const described = JSON.parse(reply.body.toString()) as {
    method: string
    url: string
    httpVersion: string
    headers: string[]
  }
  assert.equal(described.method, 'POST')
  assert.equal(described.url, '/headers?x=1')
  assert.equal(described.httpVersion, '1.1')
  const index = described.headers.indexOf('X-Custom')
  assert.ok(index >= 0 && index % 2 === 0, 'raw header names keep their case')
  assert.equal(described.headers[index + 1], 'Value')
})

test('GET /set-cookies sends two Set-Cookie headers', async (t) => {
  const { origin } = await startApp(t)
  const reply = await send(origin, '/set-cookies')
  assert.equal(reply.headers['set-cookie']?.length, 2)
})

test('an unknown path answers 404 and a wrong method answers 405 with Allow', async (t) => {
  const { origin } = await startApp(t)
  assert.equal((await send(origin, '/nope')).status, 404)
  const wrong = await send(origin, '/ping', { method: 'DELETE' })
  assert.equal(wrong.status, 405)
  assert.equal(wrong.headers.allow, 'GET, HEAD')
})

test('GET /hang never answers while other requests are served', async (t) => {
  const app = await startApp(t)
  const requestSeen = once(app.server, 'request')
  const hanging = httpRequest(`${app.origin}/hang`)
  let answered = false
  hanging.on('response', () => {
    answered = true
  })
  hanging.on('error', () => {})
  hanging.end()
  await requestSeen
  assert.equal((await send(app.origin, '/ping')).status, 200)
  assert.equal(answered, false)
  hanging.destroy()
})

test('GET /abort-mid-response sends n bytes of a larger declared length, then drops the connection', async (t) => {
  const { origin } = await startApp(t)
  const req = httpRequest(`${origin}/abort-mid-response?n=100000`)
  req.end()
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  assert.equal(res.headers['content-length'], '200000')
  let receivedBytes = 0
  res.on('data', (chunk: Buffer) => {
    receivedBytes += chunk.length
  })
  const [error] = (await once(res, 'error')) as [NodeJS.ErrnoException]
  assert.equal(error.code, 'ECONNRESET')
  assert.equal(receivedBytes, 100_000)
})

test('GET /exit-mid-response writes a head and some bytes, then asks to exit with code 1', async (t) => {
  const { promise: exitRequested, resolve: onExit } = deferred<number>()
  const app = await startInProcessDemoApp({ exitProcess: (code) => onExit(code) })
  t.after(() => app.close())
  const req = httpRequest(`${app.origin}/exit-mid-response`)
  req.end()
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  assert.equal(res.statusCode, 200)
  const [chunk] = (await once(res, 'data')) as [Buffer]
  assert.ok(chunk.length > 0)
  assert.equal(await exitRequested, 1)
  req.destroy()
})

test('DEMO_APP_STARTUP_DELAY_MS: nothing listens during the start-up delay, /ping answers pong once it has passed', async (t) => {
  const startupDelayMs = 300
  // The delay is the app's own setTimeout, mocked here: the test decides when time passes, so a slow machine cannot
  // let the delay run out before the checks (node:test MockTimers).
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const port = await holdPort(t)
  const app = startDemoApp({ port: port.port, host: '127.0.0.1', startupDelayMs })
  t.after(() => app.stop())

  assert.equal(app.server.listening, false, 'not listening at once')
  t.mock.timers.tick(startupDelayMs - 1)
  assert.equal(app.server.listening, false, 'still not listening 1 ms before the delay has passed')
  assert.equal(app.server.address(), null, 'no socket bound')
  // The held port is freed in the same turn as the delay runs out, so the app binds the port it was given.
  port.handOver(() => t.mock.timers.tick(1))
  const address = await app.listening
  assert.equal(address.port, port.port)
  t.mock.timers.reset()
  const ping = await send(`http://127.0.0.1:${port.port}`, '/ping')
  assert.equal(ping.status, 200)
  assert.equal(ping.body.toString(), 'pong')
})

// Issue 19: the pass-through target.
test('POST /events answers a JSON summary, the status the event asks for, or 400 for a body that is not JSON', async (t) => {
  const { origin } = await startApp(t)
  const json = { 'content-type': 'application/json' }
  const batch = JSON.stringify({ Records: [{ eventSource: 'aws:sqs' }, { eventSource: 'aws:sqs' }] })
  const ok = await send(origin, '/events', { method: 'POST', body: batch, headers: json })
  assert.deepEqual(
    [ok.status, ok.headers['content-type'], JSON.parse(ok.body.toString())],
    [200, 'application/json', { received: 'aws:sqs', records: 2 }],
  )
  const failing = JSON.stringify({ source: 'com.example', 'detail-type': 'OrderPlaced', demo: { status: 503 } })
  const failed = await send(origin, '/events', { method: 'POST', body: failing, headers: json })
  assert.deepEqual(
    [failed.status, JSON.parse(failed.body.toString())],
    [503, { received: 'com.example', detailType: 'OrderPlaced' }],
  )
  const bytes = await send(origin, '/events', { method: 'POST', body: '{"demo":{"bytes":1000}}', headers: json })
  assert.deepEqual([bytes.status, bytes.body], [200, patternBytes(1000)])
  const bad = await send(origin, '/events', { method: 'POST', body: 'not json', headers: json })
  assert.equal(bad.status, 400)
})
