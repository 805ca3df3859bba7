// The ordering invariant's guard on real HTTP/2 streams (DESIGN.md §2.5): a Channel needs HEADERS sent before it
// exists, and the TunnelWriter refuses, counts and throws on any write that would put DATA before HEADERS.
import assert from 'node:assert/strict'
import { constants as http2 } from 'node:http2'
import { test } from 'node:test'
import { TunnelOrderingError } from '../../../../src/router/errors.js'
import { Channel } from '../../../../src/router/instances/channel.js'
import { TunnelWriter } from '../../../../src/router/instances/tunnel-writer.js'
import { startH2Pair } from '../../../helpers/router-h2-pair.js'

const ids = { poolId: 'p', lambdaId: 'L', channelId: 'C' }

test('a Channel cannot be built on a stream whose response HEADERS were not sent', async (t) => {
  const pair = await (await startH2Pair(t)).open()
  assert.throws(() => new Channel(pair.server, { ...ids, onOrderingViolation: () => {} }), /respond\(\) first/)
  pair.server.close(http2.NGHTTP2_CANCEL)
  await pair.clientClosed
})

test('a write before HEADERS throws TunnelOrderingError, is reported once, and no DATA frame leaves', async (t) => {
  const pair = await (await startH2Pair(t)).open()
  const violations: TunnelOrderingError[] = []
  const writer = new TunnelWriter(pair.server, ids, (error) => violations.push(error))
  assert.throws(() => writer.write(Buffer.from('GET / HTTP/1.1\r\n\r\n')), TunnelOrderingError)
  assert.throws(() => writer.end(), TunnelOrderingError)
  assert.equal(violations.length, 2)
  assert.equal(violations[0]?.lambdaId, 'L')
  assert.equal(pair.server.headersSent, false)
  pair.server.close(http2.NGHTTP2_CANCEL)
  const closed = await pair.clientClosed
  assert.equal(closed.gotResponse, false)
  assert.equal(closed.rstCode, http2.NGHTTP2_CANCEL)
  assert.deepEqual(pair.received, [])
})

test('the constructor seam builds a channel on an unanswered stream, and its goaway is refused and reset', async (t) => {
  const pair = await (await startH2Pair(t)).open()
  const violations: TunnelOrderingError[] = []
  const channel = new Channel(pair.server, {
    ...ids,
    onOrderingViolation: (error) => violations.push(error),
    skipHeadersCheck: true,
  })
  channel.goaway()
  assert.equal(channel.state, 'closed')
  assert.equal(violations.length, 1)
  const closed = await pair.clientClosed
  assert.equal(closed.gotResponse, false)
  assert.deepEqual(pair.received, [])
})

test('after respond() the writer writes, and a goaway carries the exact pseudo-request then END_STREAM', async (t) => {
  const pair = await (await startH2Pair(t)).open()
  pair.server.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
  const channel = new Channel(pair.server, { ...ids, onOrderingViolation: () => assert.fail('no violation expected') })
  assert.equal(channel.state, 'parked')
  channel.goaway()
  pair.client.end()
  const closed = await pair.clientClosed
  assert.equal(closed.gotResponse, true)
  assert.equal(closed.rstCode, 0)
  assert.equal(
    Buffer.concat(pair.received).toString('latin1'),
    'GET /_lambda_dispatch/goaway HTTP/1.1\r\nX-Lambda-Id: L\r\nX-Channel-Id: C\r\n\r\n',
  )
})
