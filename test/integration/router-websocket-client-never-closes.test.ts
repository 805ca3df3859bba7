// Issue 18, nothing hangs: once the router ended a WebSocket client's side (its close frame 1001, or the app's close
// relayed), the client has WebSocketCloseTimeout to end its own. Clients played by a bare TCP socket that never
// answers, that answers the close frame but keeps sending and never ends its side, or an HTTP/2 extended CONNECT
// stream that is never ended, are cut off (a reset) and counted; a well-behaved client closes cleanly, uncounted, and
// the router serves a new socket and /ping afterwards. A half-open TCP client stopped reading at the router's FIN, so
// it learns of the reset on its next write: it fails at once (EPIPE), where after a mere close it would succeed.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as http2Connect, constants as http2Constants, type IncomingHttpHeaders } from 'node:http2'
import { test } from 'node:test'
import { request } from 'undici'
import WebSocket from 'ws'
import { serializeCloseFrame } from '../../src/protocol/index.js'
import type { WebSocketClosed, WebSocketCloseTimedOut } from '../../src/router/events.js'
import { type EventLog, recordEvents } from '../helpers/fault-stack.js'
import { parsePrometheusText } from '../helpers/prometheus-text.js'
import { acceptHandshake, OPCODE_CLOSE, OPCODE_TEXT, RawWebSocket, textFrame } from '../helpers/raw-websocket.js'
import { connectBack } from '../helpers/router-scripted-invoker.js'
import { okApp, type ScriptedApp } from '../helpers/scripted-extension.js'
import { startRouter, type TestRouter } from '../helpers/start-router.js'
import { type AfterHookTarget, teardown } from '../helpers/teardown.js'
import { extendedConnect, wsUrl } from '../helpers/ws-client.js'

// The app greets every socket; on /ws/app-closes it closes at once after the greeting (close frame, then its end), on
// /ws/never-reads it stops reading what the client sends.
const greetingApp: ScriptedApp = (head, channel) => {
  if (!head.target.startsWith('/ws')) return okApp(head, channel)
  acceptHandshake(head, channel)
  channel.write(textFrame('hello'))
  if (head.target === '/ws/app-closes') channel.end(serializeCloseFrame(1000, 'bye'))
  if (head.target === '/ws/never-reads') channel.stream.pause()
}

interface Seen {
  readonly router: TestRouter
  readonly url: string
  readonly timedOut: EventLog<WebSocketCloseTimedOut>
  readonly closed: EventLog<WebSocketClosed>
}

// A kept instance (no scale-in between the steps); sockets go idle fast so the router sends its 1001 by itself.
// `closeTimeout`: WebSocketCloseTimeout, short where a client is meant to be cut off.
async function startSeen(t: AfterHookTarget, closeTimeout = '2s'): Promise<Seen> {
  const router = await startRouter({
    env: {
      LAMBDA_DISPATCH_MinInstances: '1',
      LAMBDA_DISPATCH_WebSocketIdleTimeout: '200ms',
      LAMBDA_DISPATCH_WebSocketCloseTimeout: closeTimeout,
    },
    behaviour: connectBack(greetingApp, { capabilities: 'websocket' }),
  })
  teardown(t)(() => router.close())
  // A handshake before the instance is open would get 503; a request waits for it.
  const warm = await request(`${router.addresses.frontDoorUrl}/ping`)
  assert.equal(await warm.body.text(), 'ok')
  const { events } = router.router
  const timedOut = recordEvents(events.webSocketCloseTimedOut)
  const closed = recordEvents(events.webSocketClosed)
  return { router, url: router.addresses.frontDoorUrl, timedOut, closed }
}

async function closeTimeoutsCounted(seen: Seen): Promise<number> {
  const response = await request(`${seen.router.addresses.adminUrl}/metrics`)
  const scrape = parsePrometheusText(await response.body.text())
  let total = 0
  for (const sample of scrape.all('lambda_dispatch_router_websocket_close_timeouts_total')) total += sample.value
  return total
}

// Resolves once every pool has no WebSocket open or closing and no handshake waiting.
async function webSocketsIdle(seen: Seen): Promise<void> {
  await Promise.all([...seen.router.router.pools.values()].map((pool) => pool.dispatcher.webSockets.whenIdle()))
}

// The router serves again: a well-behaved `ws` client opens, is greeted, answers the idle 1001 and is not counted as
// cut off; then /ping.
async function servesAgain(seen: Seen, cutOffBefore: number): Promise<void> {
  const socket = new WebSocket(wsUrl(seen.url, '/ws'))
  const [greeting] = (await once(socket, 'message')) as [Buffer]
  assert.equal(greeting.toString('utf8'), 'hello')
  const [code, reason] = (await once(socket, 'close')) as [number, Buffer]
  assert.deepEqual([code, reason.toString('utf8')], [1001, 'idle timeout'])
  await webSocketsIdle(seen)
  assert.equal(seen.timedOut.records.length, cutOffBefore, 'a client that closes its side is not cut off')
  const ping = await request(`${seen.url}/ping`)
  assert.equal(await ping.body.text(), 'ok')
}

// Once the router reported the cut-off, the client's next write fails: the connection was reset under it.
async function expectCutOff(seen: Seen, client: RawWebSocket): Promise<void> {
  const event = await seen.timedOut.next(() => true)
  assert.equal(event.requestId, seen.closed.records[0]?.requestId)
  client.send(OPCODE_TEXT, 'still there?')
  const closed = await client.closed
  assert.equal(closed.serverEnded, true)
  assert.ok(closed.errorCode === 'EPIPE' || closed.errorCode === 'ECONNRESET', String(closed.errorCode))
  await webSocketsIdle(seen)
  assert.equal(seen.timedOut.records.length, 1)
  assert.equal(await closeTimeoutsCounted(seen), 1)
}

async function expectGreetingThenClose(client: RawWebSocket, code: number, reason: string): Promise<void> {
  assert.deepEqual(await client.nextFrame(), { fin: true, opcode: OPCODE_TEXT, payload: Buffer.from('hello') })
  const close = await client.nextFrame()
  assert.equal(close.opcode, OPCODE_CLOSE)
  assert.deepEqual([close.payload.readUInt16BE(0), close.payload.subarray(2).toString('utf8')], [code, reason])
}

// The router's close (the idle timeout's 1001) or the app's (1000 and its end), and a client that stays silent: no
// close frame, no FIN.
const SILENT_CLIENT_CASES = [
  {
    name: "a client that never answers the router's close frame is cut off after WebSocketCloseTimeout, and the router serves again",
    path: '/ws',
    close: [1001, 'idle timeout'],
    reason: 'idle',
  },
  {
    name: "a client that never answers the app's close is cut off too, and the router serves again",
    path: '/ws/app-closes',
    close: [1000, 'bye'],
    reason: 'app',
  },
] as const

for (const row of SILENT_CLIENT_CASES) {
  test(row.name, async (t) => {
    const seen = await startSeen(t)
    const client = await RawWebSocket.open(seen.url, row.path)
    teardown(t)(() => client.socket.destroy())
    await expectGreetingThenClose(client, row.close[0], row.close[1])
    await expectCutOff(seen, client)
    assert.deepEqual(
      seen.closed.records.map((event) => event.reason),
      [row.reason],
    )
    await servesAgain(seen, 1)
  })
}

test('a client that answers the close frame but keeps sending and never ends its side is cut off the same way', async (t) => {
  const seen = await startSeen(t)
  const client = await RawWebSocket.open(seen.url, '/ws')
  teardown(t)(() => client.socket.destroy())
  await expectGreetingThenClose(client, 1001, 'idle timeout')
  client.sendClose(1001)
  for (let index = 0; index < 20; index++) client.send(OPCODE_TEXT, `after my close ${index}`)
  await expectCutOff(seen, client)
  // Nothing the client sent after the router's close frame reached the app.
  assert.deepEqual(
    seen.closed.records.map((event) => [event.reason, event.clientToAppBytes]),
    [['idle', 0]],
  )
  await servesAgain(seen, 1)
})

test('an extended CONNECT stream its client never ends after the close frame is reset', async (t) => {
  const seen = await startSeen(t)
  const session = http2Connect(seen.url)
  teardown(t)(() => session.destroy())
  session.on('error', () => {})
  const stream = await extendedConnect(session, '/ws')
  stream.on('error', () => {})
  const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders]
  assert.equal(headers[':status'], 200)
  const chunks: Buffer[] = []
  stream.on('data', (chunk: Buffer) => chunks.push(chunk))
  // Not events.once: it rejects on the stream 'error' the reset brings before 'close'.
  await new Promise((resolve) => stream.once('close', resolve))
  assert.equal(stream.readableEnded, true, 'the router ended its side (END_STREAM) before the reset')
  assert.deepEqual(
    Buffer.concat(chunks),
    Buffer.concat([textFrame('hello'), serializeCloseFrame(1001, 'idle timeout')]),
  )
  assert.equal(stream.rstCode, http2Constants.NGHTTP2_INTERNAL_ERROR)
  await webSocketsIdle(seen)
  assert.equal(seen.timedOut.records.length, 1)
  assert.equal(await closeTimeoutsCounted(seen), 1)
  await servesAgain(seen, 1)
})

test('an app that answers 101 and never reads holds the client back, and the idle 1001 still ends the socket cleanly', async (t) => {
  // The client's close frame queues behind what it still has to send: the default bound leaves it all the time it needs.
  const seen = await startSeen(t, '5s')
  const socket = new WebSocket(wsUrl(seen.url, '/ws/never-reads'))
  teardown(t)(() => socket.terminate())
  const [greeting] = (await once(socket, 'message')) as [Buffer]
  assert.equal(greeting.toString('utf8'), 'hello')
  // 16 MiB toward an app that takes nothing: the router holds the client back instead of buffering it all.
  const sentBytes = 16 * 1024 * 1024
  for (let index = 0; index < 16; index++) socket.send(Buffer.alloc(1024 * 1024, index))
  const [code, reason] = (await once(socket, 'close')) as [number, Buffer]
  assert.deepEqual([code, reason.toString('utf8')], [1001, 'idle timeout'])
  await webSocketsIdle(seen)
  const [closed] = seen.closed.records
  assert.equal(closed?.reason, 'idle')
  assert.ok(
    (closed?.clientToAppBytes ?? sentBytes) < sentBytes / 2,
    `the router took ${closed?.clientToAppBytes} bytes`,
  )
  await servesAgain(seen, 0)
})
