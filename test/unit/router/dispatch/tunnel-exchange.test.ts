// TunnelExchange on its own (issue 15 item 2): a real loopback HTTP/2 stream behind the ExchangeChannel interface,
// events on a RouterEvents with no metrics registry. Each test asserts the order in which the channel is released,
// the end is published, the handler hears its final call and the dispatcher is told the exchange is done.
import assert from 'node:assert/strict'
import { constants as http2 } from 'node:http2'
import { test } from 'node:test'
import { refuseStream } from '../../../../src/extension/router-session.js'
import type { ExchangeHandler } from '../../../../src/router/dispatch/exchange.js'
import type { ExchangeChannel } from '../../../../src/router/dispatch/exchange-channel.js'
import { TunnelExchange } from '../../../../src/router/dispatch/tunnel-exchange.js'
import { UpstreamClosedError } from '../../../../src/router/errors.js'
import { RouterEvents } from '../../../../src/router/events.js'
import { TunnelWriter } from '../../../../src/router/instances/tunnel-writer.js'
import { checkHandler } from '../../../helpers/checked-handler.js'
import { deferred } from '../../../helpers/deferred.js'
import { type StreamPair, startH2Pair } from '../../../helpers/router-h2-pair.js'
import { testExchangeSettings, testRequest } from '../../../helpers/router-harness.js'

// One exchange on a fresh stream pair, with every step it takes written to `steps` in order.
async function exchangeOn(t: Parameters<typeof startH2Pair>[0], options: { retry?: boolean } = {}) {
  const firstData = deferred()
  const pair = await (await startH2Pair(t)).open()
  pair.server.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
  const steps: string[] = []
  const ids = { poolId: 'p', lambdaId: 'L', channelId: 'C' }
  const channel: ExchangeChannel = {
    ...ids,
    stream: pair.server,
    writer: new TunnelWriter(pair.server, ids, () => steps.push('ordering violation')),
    release: () => steps.push('release'),
  }
  const events = new RouterEvents()
  events.requestEnded.subscribe((end) => steps.push(`ended ${end.kind}`))
  const inner: ExchangeHandler = {
    onResponseStart: (status) => steps.push(`handler start ${status}`),
    onResponseData: () => firstData.resolve(),
    onResponseEnd: () => steps.push('handler end'),
    onResponseError: (error) => steps.push(`handler error ${error.code}`),
  }
  const handler = checkHandler(t, inner)
  const { request } = testRequest({ target: '/ping' })
  const retried = deferred()
  const exchange = new TunnelExchange(
    channel,
    request,
    handler,
    testExchangeSettings(events),
    () => steps.push('done'),
    options.retry
      ? () => {
          steps.push('retry')
          retried.resolve()
        }
      : undefined,
  )
  exchange.start()
  return { pair, steps, handler, exchange, retriedOnce: retried.promise, firstData: firstData.promise }
}

function answer(pair: StreamPair, response: string): void {
  pair.client.end(Buffer.from(response))
}

test('a relayed response releases its channel, publishes its end, then ends the handler, and only then is done', async (t) => {
  const { pair, steps, handler } = await exchangeOn(t)
  answer(pair, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  assert.equal(await handler.settled, 'end')
  assert.equal(handler.body.toString(), 'ok')
  assert.deepEqual(steps, ['handler start 200', 'release', 'ended completed', 'handler end', 'done'])
  assert.deepEqual(handler.violations, [])
})

test('a stream the peer resets before the response head fails the handler once, before the exchange is done', async (t) => {
  const { pair, steps, handler } = await exchangeOn(t)
  pair.client.close(http2.NGHTTP2_INTERNAL_ERROR)
  assert.equal(await handler.settled, 'error')
  const last = handler.events.at(-1)
  assert.ok(last?.kind === 'error' && last.error instanceof UpstreamClosedError)
  assert.deepEqual(steps, ['release', 'ended failed', `handler error ${last.error.code}`, 'done'])
  assert.deepEqual(handler.violations, [])
})

test('a stream reset after its whole Content-Length arrived completes the exchange: the client holds the response', async (t) => {
  const { pair, steps, handler, firstData } = await exchangeOn(t)
  pair.client.write(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))
  await firstData
  // RST_STREAM(INTERNAL_ERROR) with no END_STREAM before it (close() would send an empty END_STREAM first).
  pair.client.destroy(new Error('the extension gave up on the stream'))
  assert.equal(await handler.settled, 'end')
  assert.equal(handler.body.toString(), 'ok')
  assert.deepEqual(steps, ['handler start 200', 'release', 'ended completed', 'handler end', 'done'])
})

test('a stream reset before its whole Content-Length arrived fails the exchange', async (t) => {
  const { pair, steps, handler, firstData } = await exchangeOn(t)
  pair.client.write(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok'))
  await firstData
  pair.client.destroy(new Error('the extension gave up on the stream'))
  assert.equal(await handler.settled, 'error')
  assert.deepEqual(steps.slice(0, 3), ['handler start 200', 'release', 'ended failed'])
})

test('REFUSED_STREAM before any byte hands the request to the retry, and neither the handler nor an end hears of it', async (t) => {
  const { pair, steps, handler, retriedOnce } = await exchangeOn(t, { retry: true })
  // As our extension refuses: RST_STREAM(REFUSED_STREAM) alone, with no END_STREAM before it.
  refuseStream(pair.client)
  await retriedOnce
  assert.deepEqual(steps, ['release', 'retry'])
  assert.equal(handler.terminal, undefined)
  assert.deepEqual(handler.events, [])
})

test('a response head that breaks its framing fails with a published failed end and no byte reaches the handler', async (t) => {
  const { pair, steps, handler } = await exchangeOn(t)
  answer(pair, 'HTTP/1.1 204 No Content\r\n\r\nsurprise')
  assert.equal(await handler.settled, 'error')
  assert.deepEqual(handler.chunks, [])
  assert.deepEqual(steps.slice(0, 2), ['release', 'ended failed'])
  assert.equal(steps.at(-1), 'done')
  assert.deepEqual(handler.violations, [])
})

test('the exchange tells its handler the response is complete only once every byte its Content-Length promised arrived', async (t) => {
  const { pair, exchange, handler, firstData } = await exchangeOn(t)
  assert.equal(exchange.isResponseComplete(), false, 'no response head yet')
  pair.client.write(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nok'))
  await firstData
  assert.equal(exchange.isResponseComplete(), false, '2 of 4 body bytes')
  pair.client.end(Buffer.from('!!'))
  assert.equal(await handler.settled, 'end')
  assert.equal(exchange.isResponseComplete(), true)
  assert.deepEqual(handler.violations, [])
})
