// Issue 3 items 2, 4 and 9: what the front door refuses before anything reaches a pool, and in which words:
// reserved paths (400), off-list X-Lambda-Name (403), oversized heads (431, or a refused HTTP/2 stream), malformed
// heads and request smuggling (400, connection closed). Raw sockets send what real clients refuse to.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as http2Connect, constants as http2Constants } from 'node:http2'
import { connect as netConnect } from 'node:net'
import { test } from 'node:test'
import { request as undiciRequest } from 'undici'
import { respondWith, ScriptedDispatcher } from '../helpers/scripted-dispatcher.js'
import { startFrontDoor } from '../helpers/start-router.js'
import { type AfterHookTarget, teardown } from '../helpers/teardown.js'

const okPool = (t: AfterHookTarget): ScriptedDispatcher =>
  new ScriptedDispatcher(t, (call) => respondWith(call.handler, 200, ['Content-Type', 'text/plain'], 'app'))

/** Writes raw bytes (then half-closes, if asked), returns everything the server sent until it closed the connection. */
async function rawExchange(port: number, bytes: string, halfClose = false): Promise<string> {
  const socket = netConnect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.on('error', () => {})
  await once(socket, 'connect')
  if (halfClose) socket.end(bytes)
  else socket.write(bytes)
  await once(socket, 'close')
  return Buffer.concat(chunks).toString('latin1')
}

for (const target of [
  '/_lambda_dispatch/goaway',
  '/_lambda_dispatch/anything?x=1',
  '/_LAMBDA_DISPATCH/goaway',
  '/_lambda_dispatch',
]) {
  test(`a client request for ${target} is refused with 400 and never reaches the pool`, async (t) => {
    const pool = okPool(t)
    const door = await startFrontDoor({ pools: { default: pool } })
    t.after(() => door.close())
    const response = await undiciRequest(`${door.httpUrl}${target}`)
    assert.equal(response.statusCode, 400)
    assert.match(await response.body.text(), /reserved.*LD_RESERVED_PATH/)
    assert.equal(pool.calls.length, 0)
    assert.equal(door.accessLog[0]?.errorCode, 'LD_RESERVED_PATH')
  })
}

test('an absolute-form goaway target is refused too, and other absolute targets are tunnelled in origin form', async (t) => {
  const pool = okPool(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  t.after(() => door.close())
  const refused = await rawExchange(
    door.port,
    'GET http://example.com/_lambda_dispatch/goaway HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n',
  )
  assert.match(refused, /^HTTP\/1\.1 400 /)
  const passed = await rawExchange(
    door.port,
    'GET http://example.com/app?q=1 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n',
  )
  assert.match(passed, /^HTTP\/1\.1 200 /)
  assert.deepEqual(
    pool.calls.map((call) => call.request.target),
    ['/app?q=1'],
  )
})

test('a reserved path over h2c is refused with 400 on that stream only', async (t) => {
  const defer = teardown(t)
  const pool = okPool(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  defer(() => door.close())
  const session = http2Connect(door.httpUrl)
  defer(() => session.close())
  const stream = session.request({ ':path': '/_lambda_dispatch/goaway', ':method': 'GET' })
  const [headers] = (await once(stream, 'response')) as [Record<string, unknown>]
  assert.equal(headers[':status'], 400)
  stream.resume()
  await once(stream, 'end')
  const ok = session.request({ ':path': '/fine', ':method': 'GET' })
  const [okHeaders] = (await once(ok, 'response')) as [Record<string, unknown>]
  assert.equal(okHeaders[':status'], 200)
  ok.resume()
  await once(ok, 'end')
  assert.deepEqual(
    pool.calls.map((call) => call.request.target),
    ['/fine'],
  )
})

test('X-Lambda-Name selects an allow-listed pool, the default function name selects the default pool, and any other name gets 403', async (t) => {
  const defaultPool = okPool(t)
  const reports = okPool(t)
  const door = await startFrontDoor({
    pools: { default: defaultPool, 'reports-fn': reports },
    allowedLambdaNames: ['reports-fn'],
  })
  t.after(() => door.close())

  const toReports = await undiciRequest(`${door.httpUrl}/r`, { headers: { 'x-lambda-name': 'reports-fn' } })
  assert.equal(toReports.statusCode, 200)
  await toReports.body.dump()
  const toDefault = await undiciRequest(`${door.httpUrl}/d`, { headers: { 'x-lambda-name': 'my-function' } })
  assert.equal(toDefault.statusCode, 200)
  await toDefault.body.dump()
  const absent = await undiciRequest(`${door.httpUrl}/a`)
  assert.equal(absent.statusCode, 200)
  await absent.body.dump()

  const offList = await undiciRequest(`${door.httpUrl}/x`, { headers: { 'x-lambda-name': 'arbitrary-fn' } })
  assert.equal(offList.statusCode, 403)
  assert.equal(
    await offList.body.text(),
    `X-Lambda-Name "arbitrary-fn" is not on this router's allow-list (LD_LAMBDA_NAME_NOT_ALLOWED)\n`,
  )
  assert.deepEqual(
    reports.calls.map((call) => call.request.target),
    ['/r'],
  )
  assert.deepEqual(
    defaultPool.calls.map((call) => call.request.target),
    ['/d', '/a'],
  )
  for (const call of [...reports.calls, ...defaultPool.calls]) {
    assert.ok(
      !call.request.headers.some((name) => name.toLowerCase() === 'x-lambda-name'),
      'X-Lambda-Name is not forwarded',
    )
  }
})

test('an HTTP/1.1 request head over the limit gets 431 and the connection is closed', async (t) => {
  const pool = okPool(t)
  const door = await startFrontDoor({ pools: { default: pool }, limits: { maxRequestHeadBytes: 4096 } })
  t.after(() => door.close())
  const reply = await rawExchange(door.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8192)}\r\n\r\n`)
  assert.match(reply, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/)
  assert.match(reply, /\r\nConnection: close\r\n/)
  assert.match(reply, /request head is larger than 4096 bytes \(LD_CLIENT_HEAD_TOO_LARGE\)\n$/)
  assert.equal(pool.calls.length, 0)

  const small = await undiciRequest(`${door.httpUrl}/ok`, { headers: { 'x-small': 'a'.repeat(1000) } })
  assert.equal(small.statusCode, 200)
  await small.body.dump()
})

test('an HTTP/2 request head over the limit is refused on its stream and the session stays usable', async (t) => {
  const defer = teardown(t)
  const pool = okPool(t)
  const door = await startFrontDoor({ pools: { default: pool }, limits: { maxRequestHeadBytes: 4096 } })
  defer(() => door.close())
  const session = http2Connect(door.httpUrl)
  defer(() => session.close())
  session.on('error', () => {})
  await once(session, 'remoteSettings')
  assert.equal(session.remoteSettings.maxHeaderListSize, 4096)

  const big = session.request({ ':path': '/big', ':method': 'GET', 'x-big': 'a'.repeat(8192) })
  big.on('error', () => {})
  const outcome = await new Promise<string>((resolve) => {
    big.on('response', (headers) => resolve(`status ${headers[':status']}`))
    big.on('close', () => resolve(`reset ${big.rstCode}`))
  })
  assert.ok(
    outcome === 'status 431' || outcome === `reset ${http2Constants.NGHTTP2_ENHANCE_YOUR_CALM}`,
    `expected 431 or ENHANCE_YOUR_CALM, got ${outcome}`,
  )

  const ok = session.request({ ':path': '/ok', ':method': 'GET' })
  const [headers] = (await once(ok, 'response')) as [Record<string, unknown>]
  assert.equal(headers[':status'], 200)
  ok.resume()
  await once(ok, 'end')
  assert.deepEqual(
    pool.calls.map((call) => call.request.target),
    ['/ok'],
  )
})

const malformed: { name: string; bytes: string; nodeAnswers?: true }[] = [
  { name: 'a garbage request line', bytes: 'GARBAGE\r\n\r\n' },
  { name: 'a space inside the target', bytes: 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'a control byte in a header value', bytes: 'GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n' },
  { name: 'a header name with a space', bytes: 'GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n' },
  { name: 'an obsolete line folding', bytes: 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n' },
  {
    name: 'Content-Length together with Transfer-Encoding (smuggling)',
    bytes: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  },
  {
    name: 'two different Content-Length values',
    bytes: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
  },
  {
    name: 'a Transfer-Encoding that does not end in chunked',
    bytes: 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
  },
  // Node's own Host check (RFC 9112 §3.2) answers this one, before the request reaches the front door's code.
  { name: 'an HTTP/1.1 request without Host', bytes: 'GET / HTTP/1.1\r\n\r\n', nodeAnswers: true },
]

for (const row of malformed) {
  test(`${row.name} gets 400, the connection closes, and the router keeps serving`, async (t) => {
    const pool = okPool(t)
    const door = await startFrontDoor({ pools: { default: pool } })
    t.after(() => door.close())
    const reply = await rawExchange(door.port, row.bytes)
    assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n/)
    assert.match(reply, /\r\nConnection: close\r\n/)
    if (!row.nodeAnswers) assert.match(reply, /\(LD_BAD_CLIENT_REQUEST\)\n$/)
    assert.equal(pool.calls.length, 0)
    const after = await undiciRequest(`${door.httpUrl}/after`)
    assert.equal(after.statusCode, 200)
    await after.body.dump()
  })
}

test('a connection that ends part-way through the HTTP/2 preface is dropped without a crash', async (t) => {
  const pool = okPool(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  t.after(() => door.close())
  assert.equal(await rawExchange(door.port, 'PRI * HTTP/2.0\r\n', true), '')
  assert.equal(await rawExchange(door.port, 'PR', true), '')
  const after = await undiciRequest(`${door.httpUrl}/after`)
  assert.equal(after.statusCode, 200)
  await after.body.dump()
})

test('a connection that sends too little to tell its protocol is closed after the head timeout', async (t) => {
  const pool = okPool(t)
  const door = await startFrontDoor({ pools: { default: pool }, limits: { headersTimeoutMs: 200 } })
  t.after(() => door.close())
  assert.equal(await rawExchange(door.port, 'PRI * HTTP'), '')
  assert.equal(pool.calls.length, 0)
})

test('an HTTP/1.1 client that stalls inside its head gets 408 after the head timeout', async (t) => {
  const pool = okPool(t)
  const door = await startFrontDoor({ pools: { default: pool }, limits: { headersTimeoutMs: 200 } })
  t.after(() => door.close())
  const reply = await rawExchange(door.port, 'GET / HTTP/1.1\r\nHost: x\r\n')
  assert.match(reply, /^HTTP\/1\.1 408 Request Timeout\r\n/)
  assert.match(reply, /\(LD_CLIENT_REQUEST_TIMEOUT\)\n$/)
  assert.equal(pool.calls.length, 0)
})
