// Back-pressure on the request body: the tunnel stream is paused while the app does not read, resumed when it does,
// and drained (not delivered) once the app answered early.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { ClientHttp2Stream } from 'node:http2'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { BODY_HIGH_WATER_MARK_BYTES, TunnelRequestBody } from '../../../src/extension/tunnel-body.js'

const CHUNK = Buffer.alloc(64 * 1024, 7)

function source(): PassThrough {
  const stream = new PassThrough({ highWaterMark: 16 * 1024 })
  stream.pause()
  return stream
}

test('the tunnel stream pauses while nobody reads the body, and resumes when the app reads', async () => {
  const tunnel = source()
  const body = new TunnelRequestBody(tunnel as unknown as ClientHttp2Stream, Buffer.from('first'))
  for (let index = 0; index < (2 * BODY_HIGH_WATER_MARK_BYTES) / CHUNK.length; index++) tunnel.write(CHUNK)
  // Start the flow once, then stop reading: the body's buffer fills and the tunnel is paused.
  body.read(0)
  await once(tunnel, 'pause')
  assert.equal(tunnel.isPaused(), true)
  assert.ok(body.readableLength <= BODY_HIGH_WATER_MARK_BYTES + CHUNK.length, `buffered ${body.readableLength}`)
  // Reading everything pulls the rest through, in order.
  tunnel.end()
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(chunk as Buffer)
  const all = Buffer.concat(chunks)
  assert.equal(all.length, 5 + 2 * BODY_HIGH_WATER_MARK_BYTES)
  assert.equal(all.subarray(0, 5).toString(), 'first')
})

test('discard() stops delivering and drains the tunnel to its end', async () => {
  const tunnel = source()
  const body = new TunnelRequestBody(tunnel as unknown as ClientHttp2Stream, Buffer.alloc(0))
  const delivered: Buffer[] = []
  body.on('data', (chunk: Buffer) => delivered.push(chunk))
  tunnel.write(Buffer.from('read'))
  await once(body, 'data')
  body.discard()
  tunnel.end(CHUNK)
  await once(tunnel, 'end')
  assert.deepEqual(Buffer.concat(delivered).toString(), 'read')
})
