// Issue 6 item 3, fault matrix, the raw HTTP/2 peer case seen from the router's pool: a peer parks a channel for a
// live instance, then breaks the protocol (DATA on a stream it never opened). nghttp2 answers GOAWAY PROTOCOL_ERROR
// and Node stops reading that connection without telling anyone, so neither the peer's close nor anything else
// would ever end the session. The control server's keep-alive PING finds it (no answer), counts a session error and
// destroys it: the parked channel is lost, the TCP connection is closed (RFC 9113 §5.4.1), no request is ever written
// to it, and the real extension's channel serves on. Short keep-alive settings keep the case fast; the whole-system
// version with the defaults is raw-h2-peer-breaks-protocol.test.ts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkHandler } from '../helpers/checked-handler.js'
import {
  channelPostFrame,
  dataFrame,
  FLAG,
  FRAME_TYPE,
  type Frame,
  frame,
  goawayOf,
  H2_ERROR,
  RawH2Peer,
} from '../helpers/fault-h2-raw-peer.js'
import { startRouterHarness, testRequest } from '../helpers/router-harness.js'
import { manualBehaviour } from '../helpers/router-scripted-invoker.js'
import { ScriptedExtension } from '../helpers/scripted-extension.js'
import { teardown } from '../helpers/teardown.js'

const KEEP_ALIVE = { keepAlivePingIntervalMs: 100, keepAlivePingTimeoutMs: 200 }

for (const peerCloses of [true, false]) {
  test(`a session that broke the protocol is destroyed by the keep-alive PING${peerCloses ? ' although the peer closed its side' : ' and its connection closed although the peer kept it open'}; its channel is lost and never used`, async (t) => {
    const defer = teardown(t)
    const manual = manualBehaviour()
    const router = await startRouterHarness(t, {
      pools: [
        // Two channel places: the real extension's and the peer's (an instance takes at most NumberOfChannels).
        { poolId: 'default', maxConcurrentCount: 1, channelCount: 2, scaling: { minInstances: 1, maxInstances: 1 } },
      ],
      behaviour: manual.behaviour,
      control: { settings: KEEP_ALIVE },
    })
    const invocation = await manual.next()
    const lambdaId = invocation.payload.id
    defer(() => invocation.complete())
    const extension = await ScriptedExtension.connect(router.url)
    defer(() => extension.destroy())
    const real = extension.openChannel(lambdaId, 'real')
    assert.equal((await real.response)?.status, 200)

    const peer = await RawH2Peer.connect(Number(new URL(router.url).port))
    defer(() => peer.destroy())
    peer.start()
    peer.send(channelPostFrame(1, lambdaId, 'rogue', 'router'))
    await peer.nextFrame(FRAME_TYPE.HEADERS, 1)
    assert.equal(router.pool.snapshot().instances[0]?.parkedChannels, 2)

    peer.send(dataFrame(3, 'a stream never opened'))
    assert.deepEqual(goawayOf(await peer.nextFrame(FRAME_TYPE.GOAWAY)), {
      lastStreamId: 1,
      errorCode: H2_ERROR.PROTOCOL_ERROR,
    })
    // The peer's FIN (end()) is never read: either way the connection closes only once the router, its PING
    // unanswered, destroys the session.
    if (peerCloses) peer.socket.end()
    await peer.closed
    assert.equal(
      await router.metric('lambda_dispatch_router_channels_closed_total', { pool: 'default', reason: 'lost' }),
      1,
    )
    assert.equal(await router.metric('lambda_dispatch_router_http2_errors_total', { kind: 'session_error' }), 1)
    assert.equal(router.pool.snapshot().instances[0]?.parkedChannels, 1)

    const handler = checkHandler(t)
    router.pool.dispatcher.dispatch(testRequest({ target: '/after' }).request, handler)
    const head = await real.requestHead
    assert.equal(head?.target, '/after')
    real.respond(200, ['Content-Type', 'text/plain'], 'served by the real channel')
    assert.equal(await handler.settled, 'end')
    assert.equal(handler.body.toString(), 'served by the real channel')
    assert.equal(
      peer.frames.records.filter((received) => received.type === FRAME_TYPE.DATA).length,
      0,
      'nothing was ever written to the rogue channel',
    )
  })
}

test('a healthy extension session answers the keep-alive PINGs and keeps its channels', async (t) => {
  const defer = teardown(t)
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', channelCount: 1, scaling: { minInstances: 1, maxInstances: 1 } }],
    behaviour: manual.behaviour,
    control: { settings: KEEP_ALIVE },
  })
  const invocation = await manual.next()
  defer(() => invocation.complete())
  const extension = await ScriptedExtension.connect(router.url)
  defer(() => extension.destroy())
  let pings = 0
  const fivePings = new Promise<void>((resolve) => {
    extension.session.on('ping', () => {
      if (++pings === 5) resolve()
    })
  })
  const channel = extension.openChannel(invocation.payload.id, 'c1')
  assert.equal((await channel.response)?.status, 200)
  await fivePings
  assert.equal(extension.session.destroyed, false)
  assert.equal(router.pool.snapshot().instances[0]?.parkedChannels, 1)
  assert.equal(await router.metric('lambda_dispatch_router_http2_errors_total', { kind: 'session_error' }), 0)
})

test('a session that answers PINGs late but keeps sending is kept; once it falls silent it is destroyed', async (t) => {
  const defer = teardown(t)
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: [
      { poolId: 'default', maxConcurrentCount: 1, channelCount: 2, scaling: { minInstances: 1, maxInstances: 1 } },
    ],
    behaviour: manual.behaviour,
    control: { settings: KEEP_ALIVE },
  })
  const invocation = await manual.next()
  const lambdaId = invocation.payload.id
  defer(() => invocation.complete())
  const peer = await RawH2Peer.connect(Number(new URL(router.url).port))
  defer(() => peer.destroy())
  peer.start()
  peer.send(channelPostFrame(1, lambdaId, 'starved', 'router'))
  await peer.nextFrame(FRAME_TYPE.HEADERS, 1)

  // The peer under test: an extension starved of CPU never answers a PING in time, but bytes from it keep arriving
  // (here a connection WINDOW_UPDATE after each PING; in life, the responses it is writing).
  const increment = Buffer.alloc(4)
  increment.writeUInt32BE(1)
  const isRouterPing = (received: Frame): boolean =>
    received.type === FRAME_TYPE.PING && (received.flags & FLAG.ACK) === 0
  let from = peer.frames.mark()
  for (let pings = 0; pings < 5; pings++) {
    const ping = await Promise.race([peer.frames.next(isRouterPing, from), peer.closed.then(() => undefined)])
    assert.ok(ping, `the router closed the session after ${pings} PINGs although bytes kept arriving`)
    from = peer.frames.records.indexOf(ping) + 1
    peer.send(frame(FRAME_TYPE.WINDOW_UPDATE, 0, 0, increment))
  }
  assert.equal(peer.socket.destroyed, false, 'the session was kept while bytes arrived')
  assert.equal(await router.metric('lambda_dispatch_router_http2_errors_total', { kind: 'session_error' }), 0)
  assert.equal(router.pool.snapshot().instances[0]?.parkedChannels, 1)

  // Silent from now on: the next PING's deadline finds nothing read since it went out.
  await peer.closed
  assert.equal(await router.metric('lambda_dispatch_router_http2_errors_total', { kind: 'session_error' }), 1)
  assert.equal(
    await router.metric('lambda_dispatch_router_channels_closed_total', { pool: 'default', reason: 'lost' }),
    1,
  )
})
