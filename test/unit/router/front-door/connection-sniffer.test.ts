// ConnectionSniffer (issue 15 item 3) at unit level, on real loopback sockets: an HTTP/1.1 server and an HTTP/2
// server that answer with their protocol's name, and the sniffer between them. Its states: idle before the first
// byte (ended with a FIN after the idle timeout, never counted as a preface timeout); an absolute preface deadline
// from the first byte, which a trickling peer cannot stretch; protocol detection (HTTP/1.1 at the first byte that
// leaves the preface, h2c once the whole preface is in, TLS by ALPN) with the bytes read put back. Timers run on
// node:test mock timers; every wait is for an event.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer as createHttpServer } from 'node:http'
import { connect as connectHttp2, createServer as createHttp2Server, type ServerHttp2Session } from 'node:http2'
import { connect as connectTcp, type Socket } from 'node:net'
import { type TestContext, test } from 'node:test'
import { connect as connectTls, createServer as createTlsServer, type TLSSocket } from 'node:tls'
import {
  ConnectionSniffer,
  responseStartedOn,
  stopAccepting,
} from '../../../../src/router/front-door/connection-sniffer.js'
import { HTTP2_PREFACE } from '../../../../src/router/front-door/preface.js'
import { createSelfSignedIdentity } from '../../../../src/router/tls-certificate.js'
import { h2Request } from '../../../helpers/e2e-stack.js'
import { headersFrame, RawH2Peer, settingsFrame } from '../../../helpers/fault-h2-raw-peer.js'
import { listenOnFreePort } from '../../../helpers/port.js'
import { RawHttp1Connection } from '../../../helpers/raw-http1-connection.js'
import { teardown } from '../../../helpers/teardown.js'

const PREFACE_TIMEOUT_MS = 1_000
const IDLE_TIMEOUT_MS = 5_000

/** An HTTP/1.1 and an HTTP/2 server joined by a sniffer on the HTTP/1.1 server's plain port. */
async function startSniffed(t: TestContext) {
  const defer = teardown(t)
  const http1 = createHttpServer((request, response) => {
    if (request.url === '/response-started') {
      // Whether a response has begun on the connection, before and after its head is written.
      const before = responseStartedOn(request.socket)
      response.flushHeaders()
      response.end(`${before} ${responseStartedOn(request.socket)}`)
      return
    }
    response.end(`http/1.1 ${request.method} ${request.url}`)
  })
  const http2 = createHttp2Server((request, response) => response.end(`h2 ${request.method} ${request.url}`))
  const sessions = new Set<ServerHttp2Session>()
  http2.on('session', (session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
  })
  const counted = { prefaceTimeouts: 0 }
  const sniffer = new ConnectionSniffer(http1, http2, {
    prefaceTimeoutMs: PREFACE_TIMEOUT_MS,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    onPrefaceTimeout: () => {
      counted.prefaceTimeouts++
    },
  })
  const port = await listenOnFreePort(http1)
  defer(async () => {
    sniffer.destroyUndecided()
    for (const session of sessions) session.destroy()
    http1.closeAllConnections()
    await new Promise<void>((resolve) => http1.close(() => resolve()))
  })
  return {
    sniffer,
    http1,
    http2,
    port,
    counted,
    /** A raw connection and the server's end of it, as accepted (before any byte). */
    async connect(): Promise<{ client: RawHttp1Connection; server: Socket }> {
      const accepted = once(http1, 'connection')
      const client = await RawHttp1Connection.connect(port)
      defer(() => client.destroy())
      const [server] = (await accepted) as [Socket]
      return { client, server }
    },
  }
}

/** Sends `text` and resolves once the server's end of the connection has read it (the sniffer ran on it). */
async function sendAndAwaitRead(client: RawHttp1Connection, server: Socket, text: string): Promise<void> {
  const read = once(server, 'data')
  client.send(text)
  await read
}

test('an HTTP/1.1 connection reaches the HTTP/1.1 server with its first bytes intact', async (t) => {
  const { connect } = await startSniffed(t)
  const { client } = await connect()
  client.send('GET /one HTTP/1.1\r\nHost: x\r\n\r\n')
  const response = await client.nextResponse()
  assert.equal(response.status, 200)
  assert.equal(response.body.toString(), 'http/1.1 GET /one')
})

test('a request that starts like the preface (PROPFIND) is HTTP/1.1 from the first byte that differs', async (t) => {
  const { connect } = await startSniffed(t)
  const { client, server } = await connect()
  await sendAndAwaitRead(client, server, 'PR')
  client.send('OPFIND /dav HTTP/1.1\r\nHost: x\r\n\r\n')
  const response = await client.nextResponse()
  assert.equal(response.body.toString(), 'http/1.1 PROPFIND /dav', 'the bytes read while undecided were put back')
})

test('an h2c prior-knowledge connection reaches the HTTP/2 server', async (t) => {
  const { port } = await startSniffed(t)
  const session = connectHttp2(`http://127.0.0.1:${port}`)
  t.after(() => session.destroy())
  const response = await h2Request(session, { ':path': '/two' })
  assert.deepEqual([response.status, response.body.toString()], [200, 'h2 GET /two'])
})

test('a preface split across reads is held until it is whole, then the socket goes to HTTP/2 with every byte', async (t) => {
  const sniffed = await startSniffed(t)
  const accepted = once(sniffed.http1, 'connection')
  const peer = await RawH2Peer.connect(sniffed.port)
  t.after(() => peer.destroy())
  const [server] = (await accepted) as [Socket]
  const handedOver = once(sniffed.http2, 'connection')
  const firstRead = once(server, 'data')
  peer.send(HTTP2_PREFACE.subarray(0, 10))
  await firstRead
  peer.send(
    HTTP2_PREFACE.subarray(10),
    settingsFrame(),
    headersFrame(
      1,
      [
        [':method', 'GET'],
        [':scheme', 'http'],
        [':authority', 'x'],
        [':path', '/split'],
      ],
      true,
    ),
  )
  const [h2Socket] = (await handedOver) as [Socket]
  assert.equal(h2Socket, server, 'the very socket the sniffer read is handed over')
  assert.equal((await peer.streamBytes(1)).toString(), 'h2 GET /split')
})

test('a connection silent from accept is idle: no preface bound applies, and it is ended with a FIN after the idle timeout', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const sniffed = await startSniffed(t)
  const { client, server } = await sniffed.connect()
  const finReceived = once(client.socket, 'end')
  t.mock.timers.tick(IDLE_TIMEOUT_MS - 1)
  assert.equal(server.writableEnded, false, 'still open one ms before the idle timeout')
  assert.equal(server.destroyed, false)
  t.mock.timers.tick(1)
  assert.equal(server.writableEnded, true)
  await finReceived
  await client.closed
  assert.equal(client.received.length, 0)
  assert.equal(sniffed.counted.prefaceTimeouts, 0)
})

test('from the first byte the preface deadline is absolute: a peer trickling bytes is cut off and counted', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const sniffed = await startSniffed(t)
  const { client, server } = await sniffed.connect()
  t.mock.timers.tick(3_000)
  assert.equal(server.destroyed, false, 'no preface bound before the first byte')
  await sendAndAwaitRead(client, server, 'P')
  t.mock.timers.tick(PREFACE_TIMEOUT_MS - 1)
  await sendAndAwaitRead(client, server, 'R')
  assert.equal(server.destroyed, false)
  assert.equal(sniffed.counted.prefaceTimeouts, 0)
  t.mock.timers.tick(1)
  assert.equal(server.destroyed, true, 'the byte that came late did not move the deadline')
  assert.equal(sniffed.counted.prefaceTimeouts, 1)
  await client.closed
  t.mock.timers.tick(IDLE_TIMEOUT_MS)
  assert.equal(sniffed.counted.prefaceTimeouts, 1, 'the idle timer was replaced, not left running')
  assert.equal(client.received.length, 0)
})

test('a peer that ends its side before its protocol shows is let go, and no preface timeout is counted', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const sniffed = await startSniffed(t)
  const { client, server } = await sniffed.connect()
  await sendAndAwaitRead(client, server, 'PRI * ')
  const serverClosed = once(server, 'close')
  client.socket.end()
  await serverClosed
  await client.closed
  t.mock.timers.tick(IDLE_TIMEOUT_MS)
  assert.equal(sniffed.counted.prefaceTimeouts, 0)
})

test('destroyUndecided ends the connections still being sniffed and leaves decided ones serving', async (t) => {
  const sniffed = await startSniffed(t)
  const undecided = await sniffed.connect()
  await sendAndAwaitRead(undecided.client, undecided.server, 'PRI')
  const decided = await sniffed.connect()
  decided.client.send('GET /before HTTP/1.1\r\nHost: x\r\n\r\n')
  assert.equal((await decided.client.nextResponse()).body.toString(), 'http/1.1 GET /before')
  sniffed.sniffer.destroyUndecided()
  await undecided.client.closed
  decided.client.send('GET /after HTTP/1.1\r\nHost: x\r\n\r\n')
  assert.equal((await decided.client.nextResponse()).body.toString(), 'http/1.1 GET /after')
  assert.equal(undecided.client.received.length, 0)
  assert.equal(sniffed.counted.prefaceTimeouts, 0)
})

test('responseStartedOn is true on an HTTP/1.1 connection only while a response whose head was written is on it', async (t) => {
  const { connect } = await startSniffed(t)
  const { client, server } = await connect()
  assert.equal(responseStartedOn(server), false, 'no response before the first request')
  client.send('GET /response-started HTTP/1.1\r\nHost: x\r\n\r\n')
  assert.equal((await client.nextResponse()).body.toString(), 'false true')
  assert.equal(responseStartedOn(server), false, 'the finished response left the connection')
})

test('stopAccepting refuses new connections and leaves an idle keep-alive connection serving', async (t) => {
  const sniffed = await startSniffed(t)
  const kept = await sniffed.connect()
  kept.client.send('GET /before HTTP/1.1\r\nHost: x\r\n\r\n')
  assert.equal((await kept.client.nextResponse()).body.toString(), 'http/1.1 GET /before')
  stopAccepting(sniffed.http1)
  assert.equal(sniffed.http1.listening, false)
  const [refused] = (await once(connectTcp(sniffed.port, '127.0.0.1'), 'error')) as [NodeJS.ErrnoException]
  assert.equal(refused.code, 'ECONNREFUSED')
  kept.client.send('GET /after HTTP/1.1\r\nHost: x\r\n\r\n')
  assert.equal((await kept.client.nextResponse()).body.toString(), 'http/1.1 GET /after')
})

test('over TLS, ALPN h2 goes to the HTTP/2 server and http/1.1 to the HTTP/1.1 server', async (t) => {
  const sniffed = await startSniffed(t)
  const defer = teardown(t)
  const identity = createSelfSignedIdentity(['localhost'])
  const tls = createTlsServer({ key: identity.keyPem, cert: identity.certPem, ALPNProtocols: ['h2', 'http/1.1'] })
  const secureSockets = new Set<TLSSocket>()
  tls.on('secureConnection', (socket: TLSSocket) => {
    secureSockets.add(socket)
    sniffed.sniffer.handOffSecure(socket)
  })
  const port = await listenOnFreePort(tls)
  defer(async () => {
    for (const socket of secureSockets) socket.destroy()
    await new Promise<void>((resolve) => tls.close(() => resolve()))
  })

  const session = connectHttp2(`https://localhost:${port}`, { ca: identity.certPem })
  defer(() => session.destroy())
  const secure = await h2Request(session, { ':path': '/secure-h2' })
  assert.deepEqual([secure.status, secure.body.toString()], [200, 'h2 GET /secure-h2'])

  const socket = connectTls({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: identity.certPem,
    ALPNProtocols: ['http/1.1'],
  })
  defer(() => socket.destroy())
  await once(socket, 'secureConnect')
  assert.equal(socket.alpnProtocol, 'http/1.1')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.write('GET /secure-h1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
  await once(socket, 'end')
  const text = Buffer.concat(chunks).toString('latin1')
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/)
  assert.ok(text.endsWith('http/1.1 GET /secure-h1'), text)
})
