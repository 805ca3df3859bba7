// Http2ResponseWriter against a real node:http2 server on loopback and a real client session: heads, bodies, error
// answers (with the stream reset and GOAWAY they owe), aborts and the client-gone watcher (issue 15).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  connect as http2Connect,
  constants as http2Constants,
  type IncomingHttpHeaders,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import type { ErrorStatus } from '../../../../src/router/front-door/error-status.js'
import { Http2ResponseWriter } from '../../../../src/router/front-door/http2-response-writer.js'
import { teardown } from '../../../helpers/teardown.js'

interface Arrived {
  readonly writer: Http2ResponseWriter
  readonly req: Http2ServerRequest
  readonly res: Http2ServerResponse
}

// A node:http2 server whose requests are handed to the test, one writer each, and one client session to it.
async function startServer(
  t: Parameters<typeof teardown>[0],
): Promise<{ session: ClientHttp2Session; next: () => Promise<Arrived> }> {
  const defer = teardown(t)
  const arrived: Arrived[] = []
  let wake: (() => void) | undefined
  const server = createHttp2Server()
  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    arrived.push({ writer: new Http2ResponseWriter(req, res), req, res })
    wake?.()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  defer(() => new Promise((resolve) => server.close(resolve)))
  const session = http2Connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  session.on('error', () => {})
  defer(() => session.destroy())
  return {
    session,
    next: async () => {
      while (arrived.length === 0) await new Promise<void>((resolve) => (wake = resolve))
      return arrived.shift() as Arrived
    },
  }
}

// The response head (empty when none arrived), the body bytes that did, and the stream's reset code once it closed.
async function readAll(
  stream: ClientHttp2Stream,
): Promise<{ headers: IncomingHttpHeaders; body: string; rstCode: number | undefined }> {
  stream.on('error', () => {})
  const chunks: Buffer[] = []
  let headers: IncomingHttpHeaders = {}
  stream.on('response', (received: IncomingHttpHeaders) => {
    headers = received
  })
  stream.on('data', (chunk: Buffer) => chunks.push(chunk))
  // Not once(): it rejects on the 'error' a reset stream emits, and the reset is what some tests wait for.
  await new Promise((resolve) => stream.once('close', resolve))
  return { headers, body: Buffer.concat(chunks).toString(), rstCode: stream.rstCode }
}

const GET = { ':method': 'GET', ':path': '/x' }
const BUSY: ErrorStatus = { status: 503, retryAfterS: 1, closeConnection: false, body: 'busy (LD_TEST)\n' }

test('a response drops connection-specific fields, keeps repeated Set-Cookie and ends its stream cleanly', async (t) => {
  const { session, next } = await startServer(t)
  const stream = session.request(GET, { endStream: true })
  const { writer } = await next()
  assert.equal(writer.protocol, 'HTTP/2')
  writer.writeHead(
    201,
    ['Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-A', '1'],
    true,
  )
  writer.write(Buffer.from('hello '))
  writer.write(Buffer.from('world'))
  writer.end()
  const { headers, body, rstCode } = await readAll(stream)
  assert.equal(headers[':status'], 201)
  assert.equal(headers.connection, undefined)
  assert.equal(headers['keep-alive'], undefined)
  assert.deepEqual(headers['set-cookie'], ['a=1', 'b=2'])
  assert.equal(headers['x-a'], '1')
  assert.equal(body, 'hello world')
  assert.equal(rstCode, http2Constants.NGHTTP2_NO_ERROR)
})

test('an error answer carries its status, text body, request id and Retry-After, and the session serves on', async (t) => {
  const { session, next } = await startServer(t)
  const first = session.request(GET, { endStream: true })
  ;(await next()).writer.writeError(BUSY, 'req-1')
  const answer = await readAll(first)
  assert.equal(answer.headers[':status'], 503)
  assert.equal(answer.headers['content-type'], 'text/plain; charset=utf-8')
  assert.equal(answer.headers['content-length'], String(BUSY.body.length))
  assert.equal(answer.headers['x-request-id'], 'req-1')
  assert.equal(answer.headers['retry-after'], '1')
  assert.equal(answer.headers.connection, undefined)
  assert.equal(answer.body, BUSY.body)

  const second = session.request(GET, { endStream: true })
  ;(await next()).writer.writeError({ status: 504, closeConnection: false, body: 'late\n' }, undefined)
  const again = await readAll(second)
  assert.equal(again.headers[':status'], 504)
  assert.equal(again.headers['x-request-id'], undefined)
  assert.equal(again.headers['retry-after'], undefined)
})

test('an error answer that closes the connection sends the client a graceful GOAWAY', async (t) => {
  const { session, next } = await startServer(t)
  const goaway = once(session, 'goaway') as Promise<[number]>
  const stream = session.request(GET, { endStream: true })
  ;(await next()).writer.writeError({ status: 400, closeConnection: true, body: 'bad\n' }, undefined)
  assert.equal((await readAll(stream)).headers[':status'], 400)
  const [code] = await goaway
  assert.equal(code, http2Constants.NGHTTP2_NO_ERROR)
})

test('an error answer while the request body is still coming resets the stream with NO_ERROR after it', async (t) => {
  const { session, next } = await startServer(t)
  const stream = session.request({ ':method': 'POST', ':path': '/x' })
  stream.write('part of a body')
  const { writer } = await next()
  assert.equal(writer.hasRequestBody(), true)
  writer.writeError(BUSY, undefined)
  // The client never ends its side: only the router's RST_STREAM closes the stream.
  const { headers, body, rstCode } = await readAll(stream)
  assert.equal(headers[':status'], 503)
  assert.equal(body, BUSY.body)
  assert.equal(rstCode, http2Constants.NGHTTP2_NO_ERROR)
})

for (const how of ['abort()', 'writeError() after the head'] as const) {
  test(`${how} resets the stream with INTERNAL_ERROR, so a started body is never taken as complete`, async (t) => {
    const { session, next } = await startServer(t)
    const stream = session.request(GET, { endStream: true })
    const { writer } = await next()
    writer.writeHead(200, ['Content-Length', '10'], false)
    writer.write(Buffer.from('12345'))
    if (how === 'abort()') writer.abort()
    else writer.writeError(BUSY, 'req-1')
    const { body, rstCode } = await readAll(stream)
    assert.notEqual(body, '1234567890')
    assert.equal(rstCode, http2Constants.NGHTTP2_INTERNAL_ERROR)
    assert.equal(session.destroyed, false, 'only the stream is reset')
  })
}

test('bytes written in one turn count as queued until the turn ends', async (t) => {
  const { session, next } = await startServer(t)
  const stream = session.request(GET, { endStream: true })
  const { writer } = await next()
  writer.writeHead(200, [], false)
  writer.write(Buffer.alloc(16_384, 0x61))
  assert.ok(writer.queuedBytes >= 16_384, `queued ${writer.queuedBytes}`)
  writer.end()
  assert.equal((await readAll(stream)).body.length, 16_384)
})

test('a request ended with its HEADERS has no body', async (t) => {
  const { session, next } = await startServer(t)
  const stream = session.request(GET, { endStream: true })
  const { writer } = await next()
  assert.equal(writer.hasRequestBody(), false)
  writer.writeError(BUSY, undefined)
  await readAll(stream)
})

const authorityCases: { name: string; host: string | undefined; problem: boolean }[] = [
  { name: 'no Host', host: undefined, problem: false },
  { name: 'a Host equal to :authority', host: 'example.test', problem: false },
  { name: 'a Host that differs from :authority', host: 'other.test', problem: true },
]
for (const row of authorityCases) {
  test(`a request with ${row.name} ${row.problem ? 'has' : 'has no'} framing problem`, async (t) => {
    const { session, next } = await startServer(t)
    const headers: Record<string, string> = { ...GET, ':authority': 'example.test' }
    if (row.host !== undefined) headers.host = row.host
    const stream = session.request(headers, { endStream: true })
    const { writer } = await next()
    assert.equal(writer.framingProblem() !== undefined, row.problem)
    writer.writeError(BUSY, undefined)
    await readAll(stream)
  })
}

test('the client resetting its stream calls the watcher; an unwatched exchange is not called', async (t) => {
  const { session, next } = await startServer(t)
  const watchedStream = session.request(GET, { endStream: true })
  const watched = await next()
  const gone = new Promise<void>((resolve) => watched.writer.watchClient(resolve))
  watchedStream.close(http2Constants.NGHTTP2_CANCEL)
  await gone

  const unwatchedStream = session.request(GET, { endStream: true })
  const unwatched = await next()
  const listener = (): void => assert.fail('an unwatched exchange must not hear the client go')
  unwatched.writer.watchClient(listener)
  unwatched.writer.unwatchClient(listener)
  const closed = once(unwatched.res, 'close')
  unwatchedStream.close(http2Constants.NGHTTP2_CANCEL)
  await closed
})
