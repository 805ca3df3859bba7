// goawayGracefully over real HTTP/2 on loopback: a stream that arrives in the same read as the decision to go away
// reaches the server, is left alone and is refused by the GOAWAY itself; the stream already served finishes; the
// session then closes. Node's own close() would have refused that stream from inside the read (see the module).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import {
  type ClientHttp2Stream,
  connect,
  constants,
  createServer,
  type Http2Session,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { goawayGracefully, goawaySent, openedAfterGoaway } from '../../../src/common/index.js'

interface ClientOutcome {
  readonly status?: number
  readonly body: string
  readonly rstCode: number
}

function outcomeOf(stream: ClientHttp2Stream): Promise<ClientOutcome> {
  return new Promise((resolve) => {
    let status: number | undefined
    let body = ''
    stream.on('response', (headers) => {
      status = headers[':status']
    })
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      body += chunk
    })
    stream.on('error', () => {})
    stream.on('close', () => resolve({ status, body, rstCode: stream.rstCode ?? -1 }))
  })
}

test('a stream sent in the same write as the one that makes the server go away is refused by the GOAWAY, never served', async (t) => {
  const served: number[] = []
  const leftAlone: number[] = []
  let serverSession: ServerHttp2Session | undefined
  const server = createServer()
  server.on('session', (session: ServerHttp2Session) => {
    serverSession = session
  })
  server.on('stream', (stream: ServerHttp2Stream) => {
    if (openedAfterGoaway(stream)) {
      leftAlone.push(stream.id ?? -1)
      return
    }
    served.push(stream.id ?? -1)
    // The first stream decides: this runs inside the read that also carries the second stream's HEADERS.
    if (stream.session !== undefined) goawayGracefully(stream.session)
    stream.respond({ ':status': 200 })
    stream.end('served')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())

  const client = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  client.on('error', () => {})
  await once(client, 'connect')
  // Both requests in one loop turn: their HEADERS leave in one write.
  const first = outcomeOf(client.request({ ':path': '/first' }, { endStream: true }))
  const second = outcomeOf(client.request({ ':path': '/second' }, { endStream: true }))
  const [firstOutcome, secondOutcome] = await Promise.all([first, second])

  assert.deepEqual(firstOutcome, { status: 200, body: 'served', rstCode: constants.NGHTTP2_NO_ERROR })
  assert.equal(secondOutcome.status, undefined)
  assert.equal(secondOutcome.rstCode, constants.NGHTTP2_REFUSED_STREAM)
  assert.deepEqual(served, [1])
  assert.deepEqual(leftAlone, [3])
  assert.ok(serverSession !== undefined && goawaySent(serverSession))
  if (!client.closed) await once(client, 'close')
  if (serverSession !== undefined && !serverSession.destroyed) await once(serverSession, 'close')
})

test('streams open at the GOAWAY finish, and the session closes after them', async (t) => {
  const server = createServer()
  let release: (() => void) | undefined
  let serverSession: Http2Session | undefined
  server.on('stream', (stream: ServerHttp2Stream) => {
    if (openedAfterGoaway(stream)) return
    serverSession = stream.session
    stream.respond({ ':status': 200 })
    stream.write('part one, ')
    release = () => stream.end('part two')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())

  const client = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  client.on('error', () => {})
  const request = client.request({ ':path': '/slow' }, { endStream: true })
  const outcome = outcomeOf(request)
  await once(request, 'response')
  assert.ok(serverSession !== undefined)
  goawayGracefully(serverSession)
  goawayGracefully(serverSession)
  const [code] = (await once(client, 'goaway')) as [number]
  assert.equal(code, constants.NGHTTP2_NO_ERROR)
  assert.equal(serverSession.destroyed, false)
  release?.()
  assert.deepEqual(await outcome, { status: 200, body: 'part one, part two', rstCode: constants.NGHTTP2_NO_ERROR })
  if (!serverSession.destroyed) await once(serverSession, 'close')
  assert.equal(serverSession.destroyed, true)
  client.close()
})
