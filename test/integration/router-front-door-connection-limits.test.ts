// Issue 12 item 4: what one client can hold at the front door. A plain connection must show its protocol within
// ClientPrefaceTimeout from its first byte, however it trickles (the sniffer used an idle timer, so an h2c preface
// sent a byte every 40 s stayed open forever); before its first byte it is idle, as between requests, and is ended
// at ClientKeepAliveTimeout (a client's pool may open it well before its first request); connections beyond
// MaxConnections are closed at accept; an HTTP/2 connection may have MaxStreamsPerConnection requests open and gets
// REFUSED_STREAM for more. Each ends with the front door serving.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as http2Connect } from 'node:http2'
import { connect as netConnect } from 'node:net'
import { test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { request as undiciRequest } from 'undici'
import { CONNECTION_PREFACE, FRAME_TYPE, headersFrame, RawH2Peer } from '../helpers/fault-h2-raw-peer.js'
import { RawHttp1Connection } from '../helpers/raw-http1-connection.js'
import { respondWith, ScriptedDispatcher } from '../helpers/scripted-dispatcher.js'
import { startFrontDoor, type TestFrontDoor } from '../helpers/start-router.js'
import { type AfterHookTarget, teardown } from '../helpers/teardown.js'

const TRICKLE_EVERY_MS = 20

function okPool(t: AfterHookTarget): ScriptedDispatcher {
  return new ScriptedDispatcher(t, (call) => respondWith(call.handler, 200, ['Content-Type', 'text/plain'], 'ok'))
}

async function getOk(door: TestFrontDoor): Promise<void> {
  const response = await undiciRequest(`${door.httpUrl}/ok`, { reset: true })
  assert.equal(response.statusCode, 200)
  assert.equal(await response.body.text(), 'ok')
}

test('a connection trickling the h2c preface a byte at a time is closed at ClientPrefaceTimeout, undecided', async (t) => {
  const door = await startFrontDoor({ pools: { default: okPool(t) }, limits: { prefaceTimeoutMs: 300 } })
  t.after(() => door.close())
  const socket = netConnect(door.port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  let sent = 0
  const received: Buffer[] = []
  socket.on('data', (chunk: Buffer) => received.push(chunk))
  // The peer under test: one more byte of the preface every TRICKLE_EVERY_MS, which an idle timer never catches.
  const trickle = setInterval(() => {
    if (sent < CONNECTION_PREFACE.length - 1) socket.write(CONNECTION_PREFACE.subarray(sent, ++sent))
  }, TRICKLE_EVERY_MS)
  t.after(() => clearInterval(trickle))
  // Bytes still in flight when the router closes it make a reset, which events.once would turn into a rejection.
  await new Promise((resolve) => socket.once('close', resolve))
  clearInterval(trickle)
  assert.ok(sent < CONNECTION_PREFACE.length, 'closed while the preface was still incomplete')
  assert.equal(Buffer.concat(received).length, 0, 'nothing was answered')
  assert.equal(await door.drops.next((reason) => reason === 'preface-timeout'), 'preface-timeout')
  await getOk(door)
})

test('a connection that waits past ClientPrefaceTimeout before its first request is kept, and that request is answered', async (t) => {
  const door = await startFrontDoor({ pools: { default: okPool(t) }, limits: { prefaceTimeoutMs: 50 } })
  const defer = teardown(t)
  defer(() => door.close())
  const connection = await RawHttp1Connection.connect(door.port)
  defer(() => connection.destroy())
  // The client under test opened its connection ahead of need, as a pool or a browser's preconnect does, and sends
  // its first request only after several preface bounds. (A soak's HTTP/1.1 pool hit this: its request met the
  // router destroying the silent socket, and the kernel answered with a reset.)
  await delay(250)
  connection.send('GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  const response = await connection.nextResponse()
  assert.equal(response.status, 200)
  assert.equal(response.body.toString(), 'ok')
  assert.deepEqual(door.drops.records, [], 'no connection was dropped')
})

test('a connection that never sends a byte is ended with a FIN at ClientKeepAliveTimeout, not counted as a preface timeout', async (t) => {
  const door = await startFrontDoor({
    pools: { default: okPool(t) },
    limits: { prefaceTimeoutMs: 10, keepAliveTimeoutMs: 200 },
  })
  const defer = teardown(t)
  defer(() => door.close())
  const socket = netConnect(door.port, '127.0.0.1')
  defer(() => socket.destroy())
  await once(socket, 'connect')
  const received: Buffer[] = []
  socket.on('data', (chunk: Buffer) => received.push(chunk))
  // 'end' is the router's FIN: a reset would surface as an 'error' instead, which once() turns into a rejection.
  await once(socket, 'end')
  assert.equal(Buffer.concat(received).length, 0, 'nothing was written')
  assert.deepEqual(door.drops.records, [])
  await getOk(door)
})

test('a connection beyond MaxConnections is closed at accept, and one is accepted again once a slot is free', async (t) => {
  const door = await startFrontDoor({ pools: { default: okPool(t) }, limits: { maxConnections: 2 } })
  const defer = teardown(t)
  defer(() => door.close())
  const first = await RawHttp1Connection.connect(door.port)
  const second = await RawHttp1Connection.connect(door.port)
  defer(() => {
    first.destroy()
    second.destroy()
  })
  // Both slots are taken by connections that have sent nothing yet.
  const third = await RawHttp1Connection.connect(door.port)
  defer(() => third.destroy())
  third.send('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n')
  await third.closed
  assert.equal(third.received.length, 0, 'the third connection was closed unanswered')
  assert.equal(await door.drops.next((reason) => reason === 'max-connections'), 'max-connections')
  // The slots still work, and freeing one lets a new connection in.
  first.send('GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  assert.equal((await first.nextResponse()).status, 200)
  await first.closed
  const fourth = await RawHttp1Connection.connect(door.port)
  defer(() => fourth.destroy())
  fourth.send('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n')
  const answer = await fourth.nextResponse()
  assert.equal(answer.status, 200)
  assert.equal(answer.body.toString(), 'ok')
})

test('an HTTP/2 connection is told MaxStreamsPerConnection, and a stream beyond it never reaches the pool', async (t) => {
  const pool = new ScriptedDispatcher(t)
  const door = await startFrontDoor({ pools: { default: pool }, limits: { maxConcurrentStreams: 2 } })
  t.after(() => door.close())

  const session = http2Connect(door.httpUrl)
  session.on('error', () => {})
  t.after(() => session.destroy())
  await once(session, 'remoteSettings')
  assert.equal(session.remoteSettings.maxConcurrentStreams, 2)
  session.destroy()

  // A peer that ignores the limit: Node refuses the extra stream, and the connection that broke it goes away.
  const peer = await RawH2Peer.connect(door.port)
  t.after(() => peer.destroy())
  peer.answerControlFrames()
  peer.start()
  // The limit binds once the peer acknowledged the server's SETTINGS (RFC 9113 §6.5.3).
  await peer.nextFrame(FRAME_TYPE.SETTINGS)
  const request = (streamId: number): Buffer =>
    headersFrame(
      streamId,
      [
        [':method', 'GET'],
        [':scheme', 'http'],
        [':authority', 'x'],
        [':path', `/held-${streamId}`],
      ],
      true,
    )
  peer.send(request(1), request(3))
  await pool.nextCall()
  await pool.nextCall()
  peer.send(request(5))
  await peer.nextFrame(FRAME_TYPE.GOAWAY)
  assert.deepEqual(
    pool.calls.map((call) => call.request.target),
    ['/held-1', '/held-3'],
    'the stream beyond the limit never reached the pool',
  )
  for (const call of pool.calls) respondWith(call.handler, 200, [], 'late')
  const again = http2Connect(door.httpUrl)
  again.on('error', () => {})
  t.after(() => again.destroy())
  const stream = again.request({ ':path': '/again' })
  const answered = pool.nextCall()
  const call = await answered
  respondWith(call.handler, 200, ['content-type', 'text/plain'], 'ok')
  const [headers] = (await once(stream, 'response')) as [Record<string, string | number>]
  assert.equal(headers[':status'], 200)
})

test('close() ends a connection that has not shown its protocol yet, without waiting for ClientPrefaceTimeout', async (t) => {
  const door = await startFrontDoor({ pools: { default: okPool(t) }, limits: { prefaceTimeoutMs: 24 * 60 * 60_000 } })
  const socket = netConnect(door.port, '127.0.0.1')
  socket.on('error', () => {})
  t.after(() => socket.destroy())
  await once(socket, 'connect')
  socket.write('PRI')
  // The router destroys it: the client sees a reset, which events.once would turn into a rejection.
  const closed = new Promise((resolve) => socket.once('close', resolve))
  await door.close()
  await closed
})
