// Issue 5: bodies of any size stream both ways through the whole stack (10 MB and 100 MB echoes checked by hash),
// and server-sent events arrive as they are sent, not batched.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import { describe, test } from 'node:test'
import { request } from 'undici'
import { h1Client, startE2eStack } from '../helpers/e2e-stack.js'

/** A deterministic body of `size` bytes, generated in 1 MiB chunks, and its SHA-256. */
function generatedBody(size: number, seed: number): { stream: Readable; hash: string } {
  const chunk = Buffer.alloc(1024 * 1024)
  for (let index = 0; index < chunk.length; index++) chunk[index] = (index * 31 + seed) & 0xff
  const hash = createHash('sha256')
  let left = size
  while (left > 0) {
    hash.update(chunk.subarray(0, Math.min(left, chunk.length)))
    left -= chunk.length
  }
  let sent = 0
  const stream = new Readable({
    read() {
      if (sent >= size) {
        this.push(null)
        return
      }
      const piece = chunk.subarray(0, Math.min(size - sent, chunk.length))
      sent += piece.length
      this.push(piece)
    },
  })
  return { stream, hash: hash.digest('hex') }
}

describe('bodies stream through the whole stack', () => {
  for (const megabytes of [10, 100]) {
    test(`a ${megabytes} MB POST /echo comes back byte for byte`, async (t) => {
      const stack = await startE2eStack(t)
      const size = megabytes * 1000 * 1000
      const { stream, hash } = generatedBody(size, megabytes)
      const response = await request(`${stack.addresses.frontDoorUrl}/echo`, {
        method: 'POST',
        body: stream,
        headers: { 'content-type': 'application/octet-stream' },
        dispatcher: h1Client(t),
      })
      assert.equal(response.statusCode, 200)
      const received = createHash('sha256')
      let receivedBytes = 0
      for await (const piece of response.body) {
        received.update(piece as Buffer)
        receivedBytes += (piece as Buffer).length
      }
      assert.equal(receivedBytes, size)
      assert.equal(received.digest('hex'), hash)
    })
  }

  test('server-sent events arrive one by one as the app sends them, not batched at the end', async (t) => {
    const stack = await startE2eStack(t)
    const agent = h1Client(t)
    // Warm an instance first so the timing below measures streaming, not a cold start.
    await (await request(`${stack.addresses.frontDoorUrl}/ping`, { dispatcher: agent })).body.text()
    const events = 5
    const intervalMs = 150
    const response = await request(`${stack.addresses.frontDoorUrl}/sse?n=${events}&interval=${intervalMs}`, {
      dispatcher: agent,
    })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^text\/event-stream/)
    const arrivals: { atMs: number; text: string }[] = []
    let buffered = ''
    for await (const piece of response.body) {
      buffered += (piece as Buffer).toString()
      let end = buffered.indexOf('\n\n')
      while (end !== -1) {
        arrivals.push({ atMs: performance.now(), text: buffered.slice(0, end) })
        buffered = buffered.slice(end + 2)
        end = buffered.indexOf('\n\n')
      }
    }
    assert.deepEqual(
      arrivals.map((arrival) => arrival.text),
      Array.from({ length: events }, (_, index) => `data: ${index}`),
    )
    // The app spaces the events (events-1)*interval apart; batching would deliver them all at once.
    const spreadMs = (arrivals.at(-1)?.atMs ?? 0) - (arrivals[0]?.atMs ?? 0)
    assert.ok(
      spreadMs >= ((events - 1) * intervalMs) / 2,
      `events arrived within ${spreadMs.toFixed(0)} ms of each other`,
    )
  })
})
