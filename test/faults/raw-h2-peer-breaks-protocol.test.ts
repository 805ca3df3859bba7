// Issue 6 item 3, fault matrix: a raw HTTP/2 peer posing as an extension breaks the protocol on the control port
// (hand-written frames over node:net): DATA before HEADERS, oversize and malformed frames, frames on the wrong
// stream, invalid SETTINGS. The router ends that session with the RFC 9113 error code in its GOAWAY and the real
// instance serves on as if nothing happened. Errors Node reports (a HEADERS frame on stream 0, invalid SETTINGS) are
// counted at once and the connection is closed. For the ones nghttp2 handles alone (DATA on an idle stream, frame
// sizes) Node only sends the GOAWAY and stops reading, with no event: the control server's keep-alive PING goes
// unanswered, and within keepAlivePingIntervalMs + keepAlivePingTimeoutMs (8 s by default) the session is counted
// and destroyed. A peer that posts a channel for the live instance, which already holds its channels, is refused
// (issue 13) and no client request is ever written to it.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  channelPostFrame,
  dataFrame,
  FRAME_TYPE,
  frame,
  goawayOf,
  H2_ERROR,
  headersFrame,
  RawH2Peer,
  settingsFrame,
} from '../helpers/fault-h2-raw-peer.js'
import {
  assertPoolAtRest,
  channelsParked,
  closeAndAssertNoOrphans,
  type FaultStack,
  http2ErrorCount,
  ONE_INSTANCE,
  onlyInstance,
  startFaultStack,
} from '../helpers/fault-stack.js'

const CHANNELS = 4
// RFC 9113 §6.5.2 setting identifiers.
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4
const SETTINGS_MAX_FRAME_SIZE = 0x5

describe('a raw HTTP/2 peer breaks the protocol on the control port', () => {
  let fault: FaultStack
  let lambdaId: string

  before(async () => {
    fault = await startFaultStack({
      routerSettings: {
        ...ONE_INSTANCE,
        LAMBDA_DISPATCH_MaxConcurrentCount: String(CHANNELS),
        LAMBDA_DISPATCH_ChannelCount: String(CHANNELS),
        // The peer stands in for the original extension, which has no channel token.
        LAMBDA_DISPATCH_AllowUnauthenticatedChannels: 'true',
      },
    })
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    lambdaId = onlyInstance(fault)
  })
  after(() => fault.close())

  async function assertRealInstanceServes(): Promise<void> {
    const answers = await Promise.all(Array.from({ length: 2 * CHANNELS }, () => fault.fetchText('/ping')))
    assert.deepEqual(
      answers.map((answer) => answer.body),
      Array(2 * CHANNELS).fill('pong'),
    )
    assert.equal(onlyInstance(fault), lambdaId)
    await assertPoolAtRest(fault)
  }

  for (const row of [
    {
      name: 'DATA before any HEADERS',
      bytes: () => dataFrame(1, 'GET /ping HTTP/1.1\r\n\r\n'),
      errorCode: H2_ERROR.PROTOCOL_ERROR,
    },
    {
      name: 'a DATA frame over the 16 KiB frame size',
      bytes: () => dataFrame(1, Buffer.alloc(20_000)),
      errorCode: H2_ERROR.FRAME_SIZE_ERROR,
    },
    {
      name: 'a SETTINGS frame whose length is not a multiple of 6',
      bytes: () => frame(FRAME_TYPE.SETTINGS, 0, 0, Buffer.alloc(5)),
      errorCode: H2_ERROR.FRAME_SIZE_ERROR,
    },
    {
      name: 'a PING frame of 3 bytes',
      bytes: () => frame(FRAME_TYPE.PING, 0, 0, Buffer.alloc(3)),
      errorCode: H2_ERROR.FRAME_SIZE_ERROR,
    },
  ]) {
    test(`${row.name}: GOAWAY with error ${row.errorCode}, and the real instance serves on`, async (t) => {
      const peer = await RawH2Peer.connect(fault.controlPort)
      t.after(() => peer.destroy())
      peer.start()
      peer.send(row.bytes())
      const goaway = goawayOf(await peer.nextFrame(FRAME_TYPE.GOAWAY))
      assert.deepEqual(goaway, { lastStreamId: 0, errorCode: row.errorCode })
      await assertRealInstanceServes()
      // The peer does what RFC 9113 §5.4.1 expects after a connection error: it closes.
      peer.destroy()
      await peer.closed
      await assertRealInstanceServes()
    })
  }

  for (const row of [
    { name: 'a HEADERS frame on stream 0', bytes: () => headersFrame(0, [[':method', 'GET']]) },
    {
      name: 'SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1',
      bytes: () => settingsFrame([[SETTINGS_INITIAL_WINDOW_SIZE, 2 ** 31]]),
    },
    { name: 'SETTINGS_MAX_FRAME_SIZE below 16384', bytes: () => settingsFrame([[SETTINGS_MAX_FRAME_SIZE, 100]]) },
  ]) {
    test(`${row.name}: the router counts a session error and closes the connection, and the real instance serves on`, async (t) => {
      const before = await http2ErrorCount(fault, 'session_error')
      const peer = await RawH2Peer.connect(fault.controlPort)
      t.after(() => peer.destroy())
      peer.start()
      peer.send(row.bytes())
      await peer.closed
      assert.ok(
        peer.frames.records.some((received) => received.type === FRAME_TYPE.GOAWAY),
        'a GOAWAY came first',
      )
      assert.ok((await http2ErrorCount(fault, 'session_error')) >= before + 1, 'counted as a session error')
      await assertRealInstanceServes()
    })
  }

  test('a peer that posts a channel for the live instance is refused while the instance holds its channels, then breaks the protocol and never gets a request', async (t) => {
    // Issue 13: the instance already holds its NumberOfChannels, so a new channel id gets 429 even with
    // AllowUnauthenticatedChannels. A peer's channel that was parked and then lost to a dead session is
    // control-session-dead-after-protocol-error.test.ts.
    await channelsParked(fault, lambdaId, CHANNELS)
    const peer = await RawH2Peer.connect(fault.controlPort)
    t.after(() => peer.destroy())
    peer.start()
    peer.send(channelPostFrame(1, lambdaId, 'rogue-channel', `127.0.0.1:${fault.controlPort}`))
    const refused = await peer.nextFrame(FRAME_TYPE.HEADERS, 1)
    assert.equal(refused.flags & 0x1, 0x1, 'answered and ended at once, not parked')
    peer.send(dataFrame(3, 'this stream was never opened'))
    assert.deepEqual(goawayOf(await peer.nextFrame(FRAME_TYPE.GOAWAY)), {
      lastStreamId: 1,
      errorCode: H2_ERROR.PROTOCOL_ERROR,
    })
    peer.socket.end()
    await peer.closed
    await assertRealInstanceServes()
    assert.equal(
      peer.frames.records.filter((received) => received.type === FRAME_TYPE.DATA).length,
      0,
      'no request was ever written to the rogue peer',
    )
    assert.ok(!fault.events.requestDispatched.records.some((event) => event.channelId === 'rogue-channel'))
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})
