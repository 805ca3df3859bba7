// A control session the router itself destroys (its keep-alive PING went unanswered, or a close ran out of grace) cuts
// off every response in flight on it: the router must fail those exchanges, never complete them short. Node ends the
// readable side of each stream of a destroyed session with no error code, just as an END_STREAM would: the soak saw a
// 3.6 MB echo reach an HTTP/1.1 client as a complete 3.3 MB body when the keep-alive destroyed its session (issue 6).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TunnelExchange } from '../../src/router/dispatch/tunnel-exchange.js'
import { UpstreamClosedError } from '../../src/router/errors.js'
import { RouterEvents } from '../../src/router/events.js'
import { Channel } from '../../src/router/instances/channel.js'
import { checkHandler } from '../helpers/checked-handler.js'
import { deferred } from '../helpers/deferred.js'
import { startH2Pair } from '../helpers/router-h2-pair.js'
import { testExchangeSettings, testRequest } from '../helpers/router-harness.js'

test('a response cut off by the router destroying its session fails the exchange instead of ending it', async (t) => {
  const pairs = await startH2Pair(t)
  const pair = await pairs.open()
  pair.server.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
  const channel = new Channel(pair.server, {
    poolId: 'default',
    lambdaId: 'L',
    channelId: 'C',
    onOrderingViolation: () => {},
  })
  channel.claim()
  const events = new RouterEvents()
  const { promise: firstData, resolve: onFirstData } = deferred()
  const handler = checkHandler(t, {
    onResponseStart: () => {},
    onResponseData: () => onFirstData(),
    onResponseEnd: () => {},
    onResponseError: () => {},
  })
  const exchange = new TunnelExchange(
    channel,
    testRequest({ target: '/bytes?n=3635828' }).request,
    handler,
    testExchangeSettings(events),
    () => {},
  )
  exchange.start()
  // The extension answers with a head and the first part of the body, then nothing more arrives.
  pair.client.write(Buffer.from(`HTTP/1.1 200 OK\r\nX-Lambda-Id: L\r\nX-Channel-Id: C\r\n\r\n${'x'.repeat(1000)}`))
  await firstData
  pair.server.session?.destroy()
  assert.equal(await handler.settled, 'error')
  const last = handler.events.at(-1)
  assert.ok(last?.kind === 'error' && last.error instanceof UpstreamClosedError)
  assert.deepEqual(handler.violations, [])
})
