// LambdaInstance: the sequence of states it goes through, its start timer, and the channel bookkeeping (hidden
// spares, replacement of a re-opened channel id, goaway of parked channels on retirement) on real HTTP/2 streams.
import assert from 'node:assert/strict'
import { constants as http2 } from 'node:http2'
import { test } from 'node:test'
import { RouterEvents } from '../../../../src/router/events.js'
import { Channel } from '../../../../src/router/instances/channel.js'
import { LambdaInstance } from '../../../../src/router/instances/instance.js'
import type { InstanceState } from '../../../../src/router/instances/instance-states.js'
import { type StreamPair, startH2Pair } from '../../../helpers/router-h2-pair.js'

function makeInstance(
  options: {
    maxConcurrentCount?: number
    maxChannels?: number
    instanceStartTimeoutMs?: number
    maxWebSocketsPerInstance?: number
  } = {},
) {
  const transitions: string[] = []
  let parkedEvents = 0
  let startTimeouts = 0
  const timedOut = { resolve: (): void => {} }
  const startTimedOut = new Promise<void>((resolve) => {
    timedOut.resolve = resolve
  })
  const events = new RouterEvents()
  const instance = new LambdaInstance({
    poolId: 'p',
    lambdaId: 'L',
    maxConcurrentCount: options.maxConcurrentCount ?? 2,
    maxChannels: options.maxChannels ?? 4,
    webSockets: { maxPerInstance: options.maxWebSocketsPerInstance ?? 0, weight: 0.5 },
    channelToken: 'T'.repeat(43),
    instanceStartTimeoutMs: options.instanceStartTimeoutMs ?? 0,
    now: () => performance.now(),
    events,
    hooks: {
      onStateChanged: (_instance, from: InstanceState, to: InstanceState) => transitions.push(`${from}→${to}`),
      onChannelParked: () => {
        parkedEvents++
      },
      onStartTimeout: () => {
        startTimeouts++
        timedOut.resolve()
      },
    },
  })
  return {
    instance,
    transitions,
    startTimedOut,
    get parkedEvents() {
      return parkedEvents
    },
    get startTimeouts() {
      return startTimeouts
    },
  }
}

function channelOn(pair: StreamPair, channelId: string, webSocket = false): Channel {
  pair.server.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
  return new Channel(pair.server, { poolId: 'p', lambdaId: 'L', channelId, webSocket, onOrderingViolation: () => {} })
}

test('an instance goes initial → starting → open → draining → closing → closed and refuses illegal moves', async (t) => {
  const h2 = await startH2Pair(t)
  const subject = makeInstance()
  const { instance } = subject
  assert.equal(instance.transition(['initial'], 'open'), false)
  assert.equal(instance.transition(['initial'], 'starting'), true)
  instance.addChannel(channelOn(await h2.open(), 'C1'))
  assert.equal(instance.state, 'open')
  assert.equal(instance.transition(['open'], 'draining'), true)
  assert.equal(instance.transition(['open'], 'closing'), false, 'the from-list must hold the current state')
  instance.scheduleRetire(0)
  assert.equal(instance.transition(['closing'], 'closed'), true)
  assert.equal(instance.transition(['closed'], 'starting'), false)
  assert.deepEqual(subject.transitions, [
    'initial→starting',
    'starting→open',
    'open→draining',
    'draining→closing',
    'closing→closed',
  ])
})

test('an instance that never connects is failed by its start timer and its invoke is aborted', async () => {
  const subject = makeInstance({ instanceStartTimeoutMs: 20 })
  subject.instance.transition(['initial'], 'starting')
  await subject.startTimedOut
  assert.equal(subject.instance.state, 'closing')
  assert.equal(subject.instance.invokeSignal.aborted, true)
  assert.equal(subject.startTimeouts, 1)
  assert.deepEqual(subject.transitions, ['initial→starting', 'starting→closing'])
})

test('channels beyond maxConcurrentCount stay hidden: available is capped by what is in flight', async (t) => {
  const h2 = await startH2Pair(t)
  const { instance } = makeInstance({ maxConcurrentCount: 2 })
  instance.transition(['initial'], 'starting')
  for (const id of ['C1', 'C2', 'C3', 'C4']) instance.addChannel(channelOn(await h2.open(), id))
  assert.equal(instance.parkedCount, 4)
  assert.equal(instance.available, 2)
  const first = instance.takeChannel()
  const second = instance.takeChannel()
  assert.ok(first && second)
  assert.equal(instance.outstanding, 2)
  assert.equal(instance.available, 0)
  assert.equal(instance.takeChannel(), undefined)
  first.stream.close(http2.NGHTTP2_CANCEL)
  first.release()
  assert.equal(instance.outstanding, 1)
  assert.equal(instance.available, 1)
})

test('a channel re-opened with the same id replaces the parked one, which is reset without a goaway', async (t) => {
  const h2 = await startH2Pair(t)
  const subject = makeInstance()
  subject.instance.transition(['initial'], 'starting')
  const stale = await h2.open()
  subject.instance.addChannel(channelOn(stale, 'C1'))
  const fresh = await h2.open()
  subject.instance.addChannel(channelOn(fresh, 'C1'))
  assert.equal(subject.instance.parkedCount, 1)
  const closed = await stale.clientClosed
  assert.equal(closed.rstCode, http2.NGHTTP2_CANCEL)
  assert.deepEqual(stale.received, [])
  assert.ok(subject.instance.takeChannel()?.stream === fresh.server)
})

test('an instance has room for its own channel ids and re-POSTs of them, never for a new id beyond its count', async (t) => {
  const h2 = await startH2Pair(t)
  const { instance } = makeInstance({ maxChannels: 2 })
  instance.transition(['initial'], 'starting')
  assert.equal(instance.hasRoomForChannel('C1'), true)
  instance.addChannel(channelOn(await h2.open(), 'C1'))
  instance.addChannel(channelOn(await h2.open(), 'C2'))
  assert.equal(instance.hasRoomForChannel('C3'), false, 'a third id is beyond NumberOfChannels')
  assert.equal(instance.hasRoomForChannel('C1'), true, 'a re-POST of a known id counts as that channel')
  instance.addChannel(channelOn(await h2.open(), 'C1'))
  assert.equal(instance.hasRoomForChannel('C3'), false)
  // A channel that was used and closed frees its place for any id.
  const used = instance.takeChannel()
  assert.ok(used)
  used.release()
  assert.equal(instance.hasRoomForChannel('C3'), true)
})

test('retiring an instance sends goaway to its parked channels only, and busy ones finish', async (t) => {
  const h2 = await startH2Pair(t)
  const { instance } = makeInstance()
  instance.transition(['initial'], 'starting')
  const parked = await h2.open()
  const busy = await h2.open()
  instance.addChannel(channelOn(busy, 'C1'))
  const claimed = instance.takeChannel()
  instance.addChannel(channelOn(parked, 'C2'))
  instance.transition(['open'], 'closing')
  assert.equal(instance.parkedCount, 0)
  assert.equal(instance.outstanding, 1)
  parked.client.end()
  await parked.clientClosed
  assert.match(Buffer.concat(parked.received).toString('latin1'), /^GET \/_lambda_dispatch\/goaway HTTP\/1\.1\r\n/)
  assert.deepEqual(busy.received, [])
  claimed?.release()
  assert.equal(instance.outstanding, 0)
})

test('a parked channel whose stream closes is forgotten and frees nothing to dispatch', async (t) => {
  const h2 = await startH2Pair(t)
  const subject = makeInstance()
  subject.instance.transition(['initial'], 'starting')
  const pair = await h2.open()
  const channel = channelOn(pair, 'C1')
  subject.instance.addChannel(channel)
  pair.client.close(http2.NGHTTP2_CANCEL)
  await pair.clientClosed
  await new Promise<void>((resolve) =>
    channel.state === 'closed' ? resolve() : pair.server.once('close', () => resolve()),
  )
  assert.equal(channel.state, 'closed')
  assert.equal(subject.instance.parkedCount, 0)
  assert.equal(subject.instance.takeChannel(), undefined)
})

test('WebSockets take capable channels apart from MaxConcurrentCount, up to their own limit, and leave with the instance', async (t) => {
  const h2 = await startH2Pair(t)
  const { instance } = makeInstance({ maxConcurrentCount: 1, maxChannels: 8, maxWebSocketsPerInstance: 2 })
  instance.transition(['initial'], 'starting')
  instance.addChannel(channelOn(await h2.open(), 'plain'))
  assert.equal(instance.advertisesWebSocket, false)
  assert.equal(instance.canTakeWebSocket, false, 'a channel without the capability never carries one')
  assert.equal(instance.takeWebSocketChannel(), undefined)
  for (const id of ['w1', 'w2', 'w3']) instance.addChannel(channelOn(await h2.open(), id, true))
  assert.equal(instance.advertisesWebSocket, true)
  const first = instance.takeWebSocketChannel()
  const second = instance.takeWebSocketChannel()
  assert.ok(first !== undefined && second !== undefined)
  assert.equal(instance.webSocketCount, 2)
  assert.equal(instance.canTakeWebSocket, false, 'MaxWebSocketsPerInstance reached with a capable channel parked')
  assert.equal(instance.takeWebSocketChannel(), undefined)
  assert.equal(instance.outstanding, 0, 'WebSockets are not requests in flight')
  assert.equal(instance.available, 1, 'the request slot is still free')
  const left: string[] = []
  first.whenLeaving(() => left.push(first.channelId))
  second.whenLeaving(() => left.push(second.channelId))
  assert.equal(instance.webSocketLoad, 1, 'each open WebSocket weighs its weight for the scaler')
  second.release()
  assert.equal(instance.webSocketCount, 1)
  assert.equal(instance.transition(['open'], 'draining'), true)
  assert.deepEqual(left, [first.channelId], 'only the WebSocket still open is told to leave')
})

test('once a channel is refused (REFUSED_STREAM), no channel parked before it is given a request until the instance parks a new one', async (t) => {
  const h2 = await startH2Pair(t)
  const subject = makeInstance({ maxConcurrentCount: 4 })
  subject.instance.transition(['initial'], 'starting')
  const pairs = [await h2.open(), await h2.open(), await h2.open()]
  const [busyPair, parkedPair, refusedParkedPair] = pairs as [StreamPair, StreamPair, StreamPair]
  subject.instance.addChannel(channelOn(busyPair, 'C1'))
  subject.instance.addChannel(channelOn(parkedPair, 'C2'))
  subject.instance.addChannel(channelOn(refusedParkedPair, 'C3'))
  const busy = subject.instance.takeChannel()
  assert.equal(busy?.channelId, 'C1')

  // A leaving extension refuses the channel it was just given: the exchange releases it once the reset arrives.
  busyPair.client.close(http2.NGHTTP2_REFUSED_STREAM)
  await new Promise<void>((resolve) => busyPair.server.once('close', () => resolve()))
  busy?.release()
  assert.equal(subject.instance.parkedCount, 2, 'C2 and C3 are still parked')
  assert.equal(subject.instance.available, 0)
  assert.equal(subject.instance.takeChannel(), undefined, 'the refused request is not sent into C2 or C3')

  // A refusal of a parked channel marks the instance the same way.
  const fresh = await h2.open()
  subject.instance.addChannel(channelOn(fresh, 'C4'))
  assert.equal(subject.instance.available, 3, 'a channel parked after the refusal: the instance serves again')
  refusedParkedPair.client.close(http2.NGHTTP2_REFUSED_STREAM)
  await new Promise<void>((resolve) => refusedParkedPair.server.once('close', () => resolve()))
  assert.equal(subject.instance.available, 0)

  // Another reset code says nothing about the instance leaving.
  const next = await h2.open()
  subject.instance.addChannel(channelOn(next, 'C5'))
  parkedPair.client.close(http2.NGHTTP2_CANCEL)
  await new Promise<void>((resolve) => parkedPair.server.once('close', () => resolve()))
  assert.equal(subject.instance.available, 2, 'C4 and C5 serve; C2 is gone')
  assert.equal(subject.instance.takeChannel()?.channelId, 'C4')
})

test('after a refusal a WebSocket handshake is not given an older capable channel, but still counts the room and waits', async (t) => {
  const h2 = await startH2Pair(t)
  const subject = makeInstance({ maxWebSocketsPerInstance: 4 })
  subject.instance.transition(['initial'], 'starting')
  const refused = await h2.open()
  const older = await h2.open()
  subject.instance.addChannel(channelOn(refused, 'W1', true))
  subject.instance.addChannel(channelOn(older, 'W2', true))
  refused.client.close(http2.NGHTTP2_REFUSED_STREAM)
  await new Promise<void>((resolve) => refused.server.once('close', () => resolve()))
  assert.equal(subject.instance.hasWebSocketRoom, true, 'the handshake waits rather than being refused')
  assert.equal(subject.instance.canTakeWebSocket, false, 'W2 was parked before the refusal')
  subject.instance.addChannel(channelOn(await h2.open(), 'W3', true))
  assert.equal(subject.instance.canTakeWebSocket, true)
})
