// Http1ResponseWriter against a real node:http server on loopback, read byte by byte by a raw client connection:
// heads, bodies, error answers, aborts, the client-gone watcher, and the raw answer to a refused head (issue 15).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { type AddressInfo, createServer as createNetServer } from 'node:net'
import { test } from 'node:test'
import type { ErrorStatus } from '../../../../src/router/front-door/error-status.js'
import {
  Http1ResponseWriter,
  writeSocketErrorResponse,
} from '../../../../src/router/front-door/http1-response-writer.js'
import { RawHttp1Connection } from '../../../helpers/raw-http1-connection.js'
import { teardown } from '../../../helpers/teardown.js'

interface Arrived {
  readonly writer: Http1ResponseWriter
  readonly req: IncomingMessage
  readonly res: ServerResponse
}

// A node:http server whose requests are handed to the test, one writer each, in arrival order.
async function startServer(
  t: Parameters<typeof teardown>[0],
): Promise<{ connect: () => Promise<RawHttp1Connection>; next: () => Promise<Arrived> }> {
  const defer = teardown(t)
  const arrived: Arrived[] = []
  let wake: (() => void) | undefined
  const server = createHttpServer((req, res) => {
    arrived.push({ writer: new Http1ResponseWriter(req, res), req, res })
    wake?.()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  defer(() => new Promise((resolve) => server.close(resolve)))
  defer(() => server.closeAllConnections())
  const { port } = server.address() as AddressInfo
  return {
    connect: async () => {
      const connection = await RawHttp1Connection.connect(port)
      defer(() => connection.destroy())
      return connection
    },
    next: async () => {
      while (arrived.length === 0) await new Promise<void>((resolve) => (wake = resolve))
      return arrived.shift() as Arrived
    },
  }
}

function header(response: { headers: readonly (readonly [string, string])[] }, name: string): string | undefined {
  return response.headers.find(([key]) => key === name)?.[1]
}

const GET = 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n'
const BUSY: ErrorStatus = { status: 503, retryAfterS: 1, closeConnection: false, body: 'busy (LD_TEST)\n' }

// A server, one raw client connection, and the writer of the GET the client sent on it.
async function openGet(t: Parameters<typeof teardown>[0]): Promise<{
  server: Awaited<ReturnType<typeof startServer>>
  connection: RawHttp1Connection
  writer: Http1ResponseWriter
}> {
  const server = await startServer(t)
  const connection = await server.connect()
  connection.send(GET)
  const { writer } = await server.next()
  return { server, connection, writer }
}

test('a response written in one turn arrives whole and the connection serves the next request', async (t) => {
  const { server, connection, writer } = await openGet(t)
  assert.equal(writer.protocol, 'HTTP/1.1')
  writer.writeHead(201, ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'], false)
  writer.write(Buffer.from('hello '))
  writer.write(Buffer.from('world'))
  writer.end()
  const first = await connection.nextResponse()
  assert.equal(first.status, 201)
  assert.deepEqual(
    first.headers.filter(([name]) => name === 'set-cookie').map(([, value]) => value),
    ['a=1', 'b=2'],
  )
  assert.equal(header(first, 'connection'), 'keep-alive')
  assert.equal(first.body.toString(), 'hello world')

  connection.send(GET)
  ;(await server.next()).writer.writeError(BUSY, undefined)
  assert.equal((await connection.nextResponse()).status, 503)
})

test('a head whose body has not come yet reaches the client before the body does', async (t) => {
  const { connection, writer } = await openGet(t)
  writer.writeHead(200, ['Content-Type', 'text/event-stream'], false)
  await connection.receivedAtLeast(1)
  const head = connection.received.toString('latin1')
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/)
  assert.ok(head.endsWith('\r\n\r\n'), 'the head alone, nothing of the body')
  writer.write(Buffer.from('data: 1\n\n'))
  writer.end()
  assert.equal((await connection.nextResponse()).body.toString(), 'data: 1\n\n')
})

test('a body begun in the same turn as the head leaves with it, and the rest follows in later turns', async (t) => {
  const { connection, writer } = await openGet(t)
  writer.writeHead(200, ['Content-Type', 'text/event-stream'], false)
  writer.write(Buffer.from('data: 1\n\n'))
  assert.ok(writer.queuedBytes > 0, 'held until the turn ends')
  await connection.receivedAtLeast(1)
  await new Promise<void>((resolve) => setImmediate(resolve))
  assert.ok(connection.received.toString('latin1').endsWith('data: 1\n\n\r\n'), 'the head and the first chunk')
  writer.write(Buffer.from('data: 2\n\n'))
  writer.end()
  assert.equal((await connection.nextResponse()).body.toString(), 'data: 1\n\ndata: 2\n\n')
})

test('a response written while closing says Connection: close and the connection ends after it', async (t) => {
  const { connection, writer } = await openGet(t)
  writer.writeHead(200, ['Content-Length', '2'], true)
  writer.write(Buffer.from('ok'))
  writer.end()
  const response = await connection.nextResponse()
  assert.equal(header(response, 'connection'), 'close')
  assert.equal(response.body.toString(), 'ok')
  await connection.closed
})

test('an error answer carries its status, text body, request id and Retry-After, and keeps the connection', async (t) => {
  const server = await startServer(t)
  const connection = await server.connect()
  connection.send(GET)
  ;(await server.next()).writer.writeError(BUSY, 'req-1')
  const response = await connection.nextResponse()
  assert.equal(response.status, 503)
  assert.deepEqual(
    response.headers.filter(([name]) =>
      ['content-type', 'content-length', 'x-request-id', 'retry-after'].includes(name),
    ),
    [
      ['content-type', 'text/plain; charset=utf-8'],
      ['content-length', String(BUSY.body.length)],
      ['x-request-id', 'req-1'],
      ['retry-after', '1'],
    ],
  )
  assert.equal(header(response, 'connection'), 'keep-alive')
  assert.equal(response.body.toString(), BUSY.body)
  connection.send(GET)
  ;(await server.next()).writer.writeError(BUSY, undefined)
  assert.equal(header(await connection.nextResponse(), 'x-request-id'), undefined)
})

test('an error answer that closes the connection says Connection: close and the connection ends', async (t) => {
  const server = await startServer(t)
  const connection = await server.connect()
  connection.send(GET)
  ;(await server.next()).writer.writeError({ status: 400, closeConnection: true, body: 'bad\n' }, undefined)
  const response = await connection.nextResponse()
  assert.equal(response.status, 400)
  assert.equal(header(response, 'connection'), 'close')
  assert.equal(header(response, 'retry-after'), undefined)
  await connection.closed
})

for (const how of ['abort()', 'writeError() after the head'] as const) {
  test(`${how} cuts the connection, so a started body is never taken as complete`, async (t) => {
    const { connection, writer } = await openGet(t)
    writer.writeHead(200, ['Content-Length', '10'], false)
    writer.write(Buffer.from('12345'))
    if (how === 'abort()') writer.abort()
    else writer.writeError(BUSY, 'req-1')
    await connection.closed
    await assert.rejects(connection.nextResponse(), /connection closed before a whole response/)
    assert.doesNotMatch(connection.received.toString('latin1'), /busy/)
  })
}

test('abort() in the turn of the head sends nothing of it, so an HTTP/1.0 client cannot take a close for a whole body', async (t) => {
  const server = await startServer(t)
  const connection = await server.connect()
  connection.send('GET / HTTP/1.0\r\nHost: x\r\n\r\n')
  const { writer } = await server.next()
  writer.writeHead(200, ['Content-Type', 'text/plain'], false)
  writer.write(Buffer.from('first part'))
  writer.abort()
  await connection.closed
  assert.equal(connection.received.length, 0)
})

test('bytes written in one turn count as queued until the turn ends', async (t) => {
  const { connection, writer } = await openGet(t)
  writer.writeHead(200, ['Content-Length', '65536'], false)
  writer.write(Buffer.alloc(65_536, 0x61))
  assert.ok(writer.queuedBytes >= 65_536, `queued ${writer.queuedBytes}`)
  writer.end()
  assert.equal((await connection.nextResponse()).body.length, 65_536)
})

test('the client going away calls the watcher; an unwatched exchange is not called', async (t) => {
  const server = await startServer(t)
  const watched = await server.connect()
  watched.send(GET)
  const first = await server.next()
  const gone = new Promise<void>((resolve) => first.writer.watchClient(resolve))
  watched.destroy()
  await gone

  const unwatched = await server.connect()
  unwatched.send(GET)
  const second = await server.next()
  const listener = (): void => assert.fail('an unwatched exchange must not hear the client go')
  second.writer.watchClient(listener)
  second.writer.unwatchClient(listener)
  const closed = Promise.all([once(second.req.socket, 'close'), once(second.res, 'close')])
  unwatched.destroy()
  await closed
})

const bodyCases: { name: string; head: string; body: boolean }[] = [
  { name: 'no framing header', head: 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', body: false },
  { name: 'Content-Length: 0', head: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n', body: false },
  { name: 'Content-Length: 3', head: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc', body: true },
  {
    name: 'Transfer-Encoding: chunked',
    head: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    body: true,
  },
]
for (const row of bodyCases) {
  test(`a request with ${row.name} ${row.body ? 'has' : 'has no'} body; its framing is fine`, async (t) => {
    const server = await startServer(t)
    const connection = await server.connect()
    connection.send(row.head)
    const { writer, req } = await server.next()
    assert.equal(writer.hasRequestBody(), row.body)
    assert.equal(writer.framingProblem(), undefined)
    req.resume()
    writer.writeError(BUSY, undefined)
    await connection.nextResponse()
  })
}

test('a request with two Host lines has a framing problem', async (t) => {
  const server = await startServer(t)
  const connection = await server.connect()
  connection.send('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')
  const { writer } = await server.next()
  assert.equal(writer.framingProblem(), 'more than one Host header')
  writer.writeError({ status: 400, closeConnection: true, body: 'bad\n' }, undefined)
  await connection.closed
})

test('the raw answer to a refused head is these exact bytes, then the connection ends', async (t) => {
  const defer = teardown(t)
  const server = createNetServer((socket) =>
    writeSocketErrorResponse(socket, { status: 431, closeConnection: true, body: 'head too large (LD_X)\n' }),
  )
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  defer(() => new Promise((resolve) => server.close(resolve)))
  const connection = await RawHttp1Connection.connect((server.address() as AddressInfo).port)
  defer(() => connection.destroy())
  await connection.closed
  assert.equal(
    connection.received.toString('latin1'),
    'HTTP/1.1 431 Request Header Fields Too Large\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      'Content-Length: 22\r\n' +
      'Connection: close\r\n\r\n' +
      'head too large (LD_X)\n',
  )
})
