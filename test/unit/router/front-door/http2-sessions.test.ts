// Http2Sessions (issue 15 item 3): the client-facing HTTP/2 server's tuning and the sessions it holds, on real
// HTTP/2 sessions on loopback. The settings and connection window a client is given, GOAWAY to every session (in
// flight requests finish), GOAWAY at once for a session that starts while the front door closes, destroyAll, the
// idle GOAWAY, and the reset policing that moves a client to a fresh connection at 40 % of the stream cap.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import {
  type ClientHttp2Session,
  connect,
  type Http2ServerRequest,
  type Http2ServerResponse,
  constants as http2Constants,
  type ServerHttp2Stream,
} from 'node:http2'
import { type TestContext, test } from 'node:test'
import { createSilentLogger, openedAfterGoaway } from '../../../../src/common/index.js'
import { Http2Sessions } from '../../../../src/router/front-door/http2-sessions.js'
import { type Deferred, deferred } from '../../../helpers/deferred.js'
import { h2Request } from '../../../helpers/e2e-stack.js'
import { listenOnFreePort } from '../../../helpers/port.js'
import { teardown } from '../../../helpers/teardown.js'

const MAX_CONCURRENT_STREAMS = 5
const MAX_REQUEST_HEAD_BYTES = 16_384

/** Http2Sessions listening on loopback. `/hang` requests are held (their streams handed to `held`); others get 'ok'. */
async function startSessions(t: TestContext, options: { keepAliveTimeoutMs?: number } = {}) {
  const defer = teardown(t)
  const state = { closing: false }
  const sessions = new Http2Sessions({
    maxRequestHeadBytes: MAX_REQUEST_HEAD_BYTES,
    maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 600_000,
    logger: createSilentLogger(),
    closing: () => state.closing,
  })
  const held: Deferred<{ stream: ServerHttp2Stream; response: Http2ServerResponse }>[] = []
  let nextHeld = deferred<{ stream: ServerHttp2Stream; response: Http2ServerResponse }>()
  held.push(nextHeld)
  sessions.server.on('request', (request: Http2ServerRequest, response: Http2ServerResponse) => {
    // As the front door does first for every stream: GOAWAY then names the last stream served.
    if (openedAfterGoaway(request.stream)) return
    if (request.url !== '/hang') {
      response.end('ok')
      return
    }
    request.stream.on('error', () => {})
    nextHeld.resolve({ stream: request.stream, response })
    nextHeld = deferred()
    held.push(nextHeld)
  })
  const port = await listenOnFreePort(sessions.server)
  defer(async () => {
    sessions.destroyAll()
    await new Promise<void>((resolve) => sessions.server.close(() => resolve()))
  })
  let taken = 0
  return {
    sessions,
    state,
    /** A client session to the server, destroyed at the end of the test. */
    connect(): ClientHttp2Session {
      const client = connect(`http://127.0.0.1:${port}`)
      client.on('error', () => {})
      defer(() => client.destroy())
      return client
    },
    /** The next `/hang` request the server holds. */
    nextHeld() {
      return (held[taken++] as (typeof held)[number]).promise
    },
  }
}

/** One GET; resolves with its status and body. */
async function get(client: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  const { status, body } = await h2Request(client, { ':path': path })
  return { status, body: body.toString() }
}

test('a client is given the stream cap, a 1 MiB stream window, the head size limit and a 16 MiB connection window', async (t) => {
  const { connect: connectClient } = await startSessions(t)
  const client = connectClient()
  const [settings] = (await once(client, 'remoteSettings')) as [Record<string, number>]
  assert.equal(settings.maxConcurrentStreams, MAX_CONCURRENT_STREAMS)
  assert.equal(settings.initialWindowSize, 1024 * 1024)
  assert.equal(settings.maxHeaderListSize, MAX_REQUEST_HEAD_BYTES)
  // The window update goes out when the session connects, before any response on it.
  assert.deepEqual(await get(client, '/'), { status: 200, body: 'ok' })
  assert.equal(client.state.remoteWindowSize, 16 * 1024 * 1024)
})

test('goawayAll tells every session to go elsewhere, and a request in flight still finishes', async (t) => {
  const subject = await startSessions(t)
  const busy = subject.connect()
  const idle = subject.connect()
  const idleConnected = once(idle, 'remoteSettings')
  const inFlight = get(busy, '/hang')
  const { response } = await subject.nextHeld()
  await idleConnected
  const goaways = [once(busy, 'goaway'), once(idle, 'goaway')] as [Promise<[number, number]>, Promise<[number, number]>]
  const closed = Promise.all([once(busy, 'close'), once(idle, 'close')])
  subject.sessions.goawayAll()
  const [[busyCode, busyLastStreamId], [idleCode, idleLastStreamId]] = await Promise.all(goaways)
  assert.deepEqual([busyCode, idleCode], [http2Constants.NGHTTP2_NO_ERROR, http2Constants.NGHTTP2_NO_ERROR])
  assert.equal(busyLastStreamId, 1, 'the request in flight is the last one served on its connection')
  assert.equal(idleLastStreamId, 0)
  response.end('finished')
  assert.deepEqual(await inFlight, { status: 200, body: 'finished' })
  await closed
})

test('a session that starts while the front door is closing is sent GOAWAY at once', async (t) => {
  const subject = await startSessions(t)
  subject.state.closing = true
  const client = subject.connect()
  const closed = once(client, 'close')
  const [code, lastStreamId] = (await once(client, 'goaway')) as [number, number]
  assert.deepEqual([code, lastStreamId], [http2Constants.NGHTTP2_NO_ERROR, 0])
  await closed
})

test('destroyAll ends every session, busy or idle', async (t) => {
  const subject = await startSessions(t)
  const busy = subject.connect()
  const idle = subject.connect()
  const idleConnected = once(idle, 'remoteSettings')
  const stream = busy.request({ ':path': '/hang' })
  stream.on('error', () => {})
  let gotResponse = false
  stream.on('response', () => {
    gotResponse = true
  })
  await subject.nextHeld()
  await idleConnected
  const closed = [once(busy, 'close'), once(idle, 'close'), once(stream, 'close')]
  subject.sessions.destroyAll()
  await Promise.all(closed)
  assert.deepEqual([busy.destroyed, idle.destroyed, gotResponse], [true, true, false])
})

test('an idle session is sent a graceful GOAWAY after the keep-alive timeout', async (t) => {
  const subject = await startSessions(t, { keepAliveTimeoutMs: 50 })
  const client = subject.connect()
  assert.deepEqual(await get(client, '/'), { status: 200, body: 'ok' })
  const [code, lastStreamId] = (await once(client, 'goaway')) as [number, number]
  assert.deepEqual([code, lastStreamId], [http2Constants.NGHTTP2_NO_ERROR, 1])
})

test('streams the client resets move it to a fresh connection at 40 % of the stream cap; clean ones never count', async (t) => {
  const subject = await startSessions(t)
  const client = subject.connect()
  let goaways = 0
  client.on('goaway', () => {
    goaways++
  })
  const goaway = once(client, 'goaway') as Promise<[number, number]>
  const resetOne = async (): Promise<void> => {
    const stream = client.request({ ':path': '/hang' })
    stream.on('error', () => {})
    const { stream: serverStream } = await subject.nextHeld()
    const serverClosed = once(serverStream, 'close')
    stream.close(http2Constants.NGHTTP2_CANCEL)
    await serverClosed
  }
  for (let index = 0; index < 3; index++) assert.deepEqual(await get(client, '/'), { status: 200, body: 'ok' })
  await resetOne()
  assert.deepEqual(await get(client, '/'), { status: 200, body: 'ok' })
  assert.equal(goaways, 0, 'one reset of a 5-stream cap is below the bound of 2')
  await resetOne()
  const [code] = await goaway
  assert.equal(code, http2Constants.NGHTTP2_NO_ERROR)
  assert.equal(goaways, 1)
})
