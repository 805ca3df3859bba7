// The Dispatcher on its own (issue 15 item 2): one LambdaInstance with channels on real loopback HTTP/2 streams,
// events on a RouterEvents with no metrics registry, no pool and no control server. Freed capacity comes back by one
// route, the finished exchange, after its client's handler had its final call.
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { Dispatcher } from '../../../../src/router/dispatch/dispatcher.js'
import type { ExchangeHandler } from '../../../../src/router/dispatch/exchange.js'
import { RouterEvents } from '../../../../src/router/events.js'
import { Channel } from '../../../../src/router/instances/channel.js'
import { LambdaInstance } from '../../../../src/router/instances/instance.js'
import { InstanceRegistry } from '../../../../src/router/instances/registry.js'
import { checkHandler } from '../../../helpers/checked-handler.js'
import { type StreamPair, startH2Pair } from '../../../helpers/router-h2-pair.js'
import { testExchangeSettings, testRequest } from '../../../helpers/router-harness.js'

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'

// An open instance that serves one request at a time on `channels` parked channels, and its dispatcher.
async function dispatcherWith(
  t: Parameters<typeof startH2Pair>[0],
  options: { channels: number; queueLimit?: number },
) {
  const pairs = await startH2Pair(t)
  const events = new RouterEvents()
  const registry = new InstanceRegistry()
  const dispatcher: Dispatcher = new Dispatcher({
    poolId: 'p',
    queueLimit: options.queueLimit ?? 10,
    queueTimeoutMs: 60_000,
    exchange: testExchangeSettings(events),
    registry,
    events,
    hooks: { onArrival: () => {}, onLoadChanged: () => {}, onCompleted: () => {} },
  })
  const instance = new LambdaInstance({
    poolId: 'p',
    lambdaId: 'L',
    maxConcurrentCount: 1,
    maxChannels: options.channels,
    channelToken: 'T'.repeat(43),
    instanceStartTimeoutMs: 0,
    now: () => performance.now(),
    events,
    hooks: { onStateChanged: () => {}, onChannelParked: () => dispatcher.drain(), onStartTimeout: () => {} },
  })
  registry.add(instance)
  instance.transition(['initial'], 'starting')
  const peers = new Map<string, StreamPair>()
  for (let index = 0; index < options.channels; index++) {
    const channelId = `C${index}`
    const pair = await pairs.open(`/api/chunked/request/L/${channelId}`)
    pair.server.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
    peers.set(channelId, pair)
    instance.addChannel(
      new Channel(pair.server, { poolId: 'p', lambdaId: 'L', channelId, onOrderingViolation: () => {} }),
    )
  }
  return { dispatcher, events, instance, peers }
}

// A checked handler that writes its terminal call into `steps`.
function handlerInto(t: TestContext, steps: string[], name: string) {
  const inner: ExchangeHandler = {
    onResponseStart: () => {},
    onResponseData: () => {},
    onResponseEnd: () => steps.push(`${name} end`),
    onResponseError: (error) => steps.push(`${name} error ${error.code}`),
  }
  return checkHandler(t, inner)
}

test('a finished exchange frees its capacity only after its client heard the end: the queued request starts then', async (t) => {
  const { dispatcher, events, peers } = await dispatcherWith(t, { channels: 2 })
  const steps: string[] = []
  const names = new Map<string, string>()
  events.requestDispatched.subscribe(({ requestId, channelId }) => {
    steps.push(`${names.get(requestId)} dispatched`)
    // The extension answers each request as soon as it is bound to its channel.
    peers.get(channelId)?.client.end(Buffer.from(OK))
  })
  const first = testRequest()
  const second = testRequest()
  names.set(first.request.requestId, 'first')
  names.set(second.request.requestId, 'second')
  const firstHandler = handlerInto(t, steps, 'first')
  const secondHandler = handlerInto(t, steps, 'second')
  assert.equal(dispatcher.dispatch(first.request, firstHandler).kind, 'dispatched')
  assert.deepEqual(dispatcher.dispatch(second.request, secondHandler), { kind: 'queued', queueLength: 1 })
  assert.equal(await secondHandler.settled, 'end')
  assert.deepEqual(steps, ['first dispatched', 'first end', 'second dispatched', 'second end'])
  assert.deepEqual([firstHandler.violations, secondHandler.violations], [[], []])
  await dispatcher.whenIdle()
})

test('a failed exchange frees its capacity by the same route, after its client heard the error', async (t) => {
  const { dispatcher, events, peers } = await dispatcherWith(t, { channels: 2 })
  const steps: string[] = []
  const names = new Map<string, string>()
  events.requestDispatched.subscribe(({ requestId, channelId }) => {
    const name = names.get(requestId)
    steps.push(`${name} dispatched`)
    // The first peer ends its stream without a response head; the second answers.
    peers.get(channelId)?.client.end(name === 'first' ? undefined : Buffer.from(OK))
  })
  const first = testRequest()
  const second = testRequest()
  names.set(first.request.requestId, 'first')
  names.set(second.request.requestId, 'second')
  const secondHandler = handlerInto(t, steps, 'second')
  dispatcher.dispatch(first.request, handlerInto(t, steps, 'first'))
  dispatcher.dispatch(second.request, secondHandler)
  assert.equal(await secondHandler.settled, 'end')
  assert.deepEqual(steps, ['first dispatched', 'first error LD_UPSTREAM_CLOSED', 'second dispatched', 'second end'])
})

test('a request beyond the queue limit is refused to its handler and published as a rejected end', async (t) => {
  const { dispatcher, events } = await dispatcherWith(t, { channels: 1, queueLimit: 1 })
  const ends: string[] = []
  events.requestEnded.subscribe((end) => ends.push(end.kind === 'rejected' ? `rejected ${end.reason}` : end.kind))
  const running = testRequest()
  const waiting = testRequest()
  dispatcher.dispatch(running.request, checkHandler(t))
  dispatcher.dispatch(waiting.request, checkHandler(t))
  const refused = checkHandler(t)
  assert.deepEqual(dispatcher.dispatch(testRequest().request, refused), { kind: 'rejected', reason: 'queue-full' })
  assert.equal(await refused.settled, 'error')
  assert.deepEqual(ends, ['rejected queue-full'])
  running.abort()
  waiting.abort()
  await dispatcher.whenIdle()
})
