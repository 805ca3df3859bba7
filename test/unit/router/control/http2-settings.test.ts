// keepSessionAlive (issue 15), the keep-alive PING of the control channel, on real HTTP/2 sessions on loopback with a
// raw peer that answers or stays silent on cue. A PING answered keeps the session and schedules the next one; bytes
// read since the PING prove the peer alive (it is PINGed again, not closed); no answer and no bytes closes the
// session and reports it once; a session already closing gracefully is closed without a report. Timers run on
// node:test mock timers; every wait is for a frame or an event.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type ServerHttp2Session } from 'node:http2'
import { type TestContext, test } from 'node:test'
import { DEFAULT_CONTROL_HTTP2_SETTINGS, keepSessionAlive } from '../../../../src/router/control/http2-settings.js'
import { deferred } from '../../../helpers/deferred.js'
import { FLAG, FRAME_TYPE, type Frame, frame, headersFrame, RawH2Peer } from '../../../helpers/fault-h2-raw-peer.js'
import { listenOnFreePort } from '../../../helpers/port.js'
import { teardown } from '../../../helpers/teardown.js'

const SETTINGS = { keepAlivePingIntervalMs: 5_000, keepAlivePingTimeoutMs: 3_000 }

const isServerPing = (received: Frame): boolean =>
  received.type === FRAME_TYPE.PING && (received.flags & FLAG.ACK) === 0
const isAckOf =
  (payload: Buffer) =>
  (received: Frame): boolean =>
    received.type === FRAME_TYPE.PING && (received.flags & FLAG.ACK) !== 0 && received.payload.equals(payload)

/**
 * A server session kept alive by keepSessionAlive and the raw peer at its other end, once the server has read the
 * peer's preface and SETTINGS (it acknowledged them). Mock timers must be enabled first: the PING timer starts with
 * the session.
 */
async function startKeptAlive(t: TestContext) {
  const defer = teardown(t)
  const server = createServer()
  const unanswered: number[] = []
  const started = deferred<ServerHttp2Session>()
  const streamOpened = deferred()
  server.on('session', (session) => {
    session.on('error', () => {})
    keepSessionAlive(session, SETTINGS, (timeoutMs) => unanswered.push(timeoutMs))
    started.resolve(session)
  })
  server.on('stream', (stream) => {
    stream.on('error', () => {})
    streamOpened.resolve()
  })
  const port = await listenOnFreePort(server)
  const peer = await RawH2Peer.connect(port)
  defer(async () => {
    peer.destroy()
    const session = await started.promise
    // The session's 'close' clears its PING timer: it must come while this test's mock timers are still the ones
    // installed (a clear reaching the next test's mock would cancel one of its timers).
    const closed = session.destroyed ? Promise.resolve() : once(session, 'close')
    session.destroy()
    await closed
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  peer.start()
  const session = await started.promise
  await peer.frames.next((received) => received.type === FRAME_TYPE.SETTINGS && (received.flags & FLAG.ACK) !== 0)
  let pings = 0
  return {
    session,
    peer,
    unanswered,
    streamOpened: streamOpened.promise,
    /** The next PING the server sends (after those already awaited). */
    async nextServerPing(): Promise<Frame> {
      let seen = 0
      return peer.frames
        .next((received) => isServerPing(received) && ++seen > pings)
        .then((ping) => {
          pings++
          return ping
        })
    },
    /** The peer sends a PING of its own and waits for its ACK: the server has read every byte sent before. */
    async roundTrip(tag: string): Promise<void> {
      const payload = Buffer.from(tag.padEnd(8).slice(0, 8), 'latin1')
      const acked = peer.frames.next(isAckOf(payload))
      peer.send(frame(FRAME_TYPE.PING, 0, 0, payload))
      await acked
    },
  }
}

test('the default keep-alive PINGs every 5 s and gives an answer 3 s', () => {
  assert.deepEqual(
    [DEFAULT_CONTROL_HTTP2_SETTINGS.keepAlivePingIntervalMs, DEFAULT_CONTROL_HTTP2_SETTINGS.keepAlivePingTimeoutMs],
    [5_000, 3_000],
  )
})

test('a session that answers its PING stays open and is PINGed again one interval after the answer', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const kept = await startKeptAlive(t)
  kept.peer.answerControlFrames()
  t.mock.timers.tick(SETTINGS.keepAlivePingIntervalMs - 1)
  await kept.roundTrip('early')
  assert.equal(kept.peer.frames.records.filter(isServerPing).length, 0, 'no PING before the interval')
  t.mock.timers.tick(1)
  await kept.nextServerPing()
  await kept.roundTrip('answered')
  t.mock.timers.tick(SETTINGS.keepAlivePingTimeoutMs)
  await kept.roundTrip('deadline')
  assert.equal(kept.session.destroyed, false)
  t.mock.timers.tick(SETTINGS.keepAlivePingIntervalMs - SETTINGS.keepAlivePingTimeoutMs)
  await kept.nextServerPing()
  assert.equal(kept.peer.frames.records.filter(isServerPing).length, 2)
  assert.deepEqual(kept.unanswered, [])
})

test('a PING with no answer and no byte read closes the session and reports the timeout once', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const kept = await startKeptAlive(t)
  t.mock.timers.tick(SETTINGS.keepAlivePingIntervalMs)
  await kept.nextServerPing()
  t.mock.timers.tick(SETTINGS.keepAlivePingTimeoutMs - 1)
  assert.equal(kept.session.destroyed, false)
  const sessionClosed = once(kept.session, 'close')
  t.mock.timers.tick(1)
  await sessionClosed
  await kept.peer.closed
  assert.equal(kept.session.destroyed, true)
  assert.deepEqual(kept.unanswered, [SETTINGS.keepAlivePingTimeoutMs])
})

test('bytes read since the PING prove the peer alive: it is PINGed again, and closed only when it then falls silent', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const kept = await startKeptAlive(t)
  t.mock.timers.tick(SETTINGS.keepAlivePingIntervalMs)
  await kept.nextServerPing()
  // A starved extension: its bytes arrive, its PING answer does not.
  await kept.roundTrip('late')
  t.mock.timers.tick(SETTINGS.keepAlivePingTimeoutMs)
  await kept.nextServerPing()
  assert.equal(kept.session.destroyed, false)
  assert.deepEqual(kept.unanswered, [])
  const sessionClosed = once(kept.session, 'close')
  t.mock.timers.tick(SETTINGS.keepAlivePingTimeoutMs)
  await sessionClosed
  assert.deepEqual(kept.unanswered, [SETTINGS.keepAlivePingTimeoutMs])
  assert.equal(kept.peer.frames.records.filter(isServerPing).length, 2)
})

test('a session closing gracefully that stops answering is closed without a report', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const kept = await startKeptAlive(t)
  kept.peer.send(
    headersFrame(1, [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':authority', 'router'],
      [':path', '/api/chunked/request/L/C'],
    ]),
  )
  await kept.streamOpened
  t.mock.timers.tick(SETTINGS.keepAlivePingIntervalMs)
  await kept.nextServerPing()
  const goaway = kept.peer.nextFrame(FRAME_TYPE.GOAWAY)
  kept.session.close()
  await goaway
  assert.equal(kept.session.destroyed, false, 'the open stream holds the closing session')
  const sessionClosed = once(kept.session, 'close')
  t.mock.timers.tick(SETTINGS.keepAlivePingTimeoutMs)
  await sessionClosed
  assert.deepEqual(kept.unanswered, [])
})
