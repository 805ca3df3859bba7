// Issue 5: bodies of any size stream both ways through the whole stack (10 MB and 100 MB echoes checked by hash),
// and server-sent events arrive as they are sent, not batched.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
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

  test('a server-sent event reaches the client while the app still holds the stream open, not batched at the end', async (t) => {
    const stack = await startE2eStack(t)
    const agent = h1Client(t)
    await (await request(`${stack.addresses.frontDoorUrl}/ping`, { dispatcher: agent })).body.text()
    // The app waits a minute before its second event: the first one arriving now is streaming, whatever the machine's
    // speed. Comparing arrival times of events a few hundred ms apart would measure the scheduler instead.
    const response = await request(`${stack.addresses.frontDoorUrl}/sse?n=2&interval=60000`, { dispatcher: agent })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^text\/event-stream/)
    let buffered = ''
    for await (const piece of response.body) {
      buffered += (piece as Buffer).toString()
      if (buffered.includes('\n\n')) break
    }
    assert.equal(buffered, 'data: 0\n\n', 'the first event alone, before the app sent the second')
  })
})
