// TurnCork: the writes of one loop turn reach the stream's sink together; flush() releases at once and leaves no
// timer; a destroyed stream is left alone.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { TurnCork } from '../../../src/common/index.js'

// A sink that records each batch it is handed: one entry per _write or _writev call.
function recordingSink(): { stream: Writable; batches: string[][] } {
  const batches: string[][] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      batches.push([chunk.toString()])
      callback()
    },
    writev(chunks, callback) {
      batches.push(chunks.map((entry) => (entry.chunk as Buffer).toString()))
      callback()
    },
  })
  return { stream, batches }
}

test('writes made during one turn reach the sink in one batch at the check phase', async () => {
  const { stream, batches } = recordingSink()
  const cork = new TurnCork(stream)
  for (const text of ['a', 'b', 'c']) {
    cork.hold()
    stream.write(text)
  }
  assert.deepEqual(batches, [])
  await nextTurn()
  assert.deepEqual(batches, [['a', 'b', 'c']])
  cork.hold()
  stream.write('d')
  await nextTurn()
  assert.deepEqual(batches, [['a', 'b', 'c'], ['d']])
})

test('flush() releases at once, and a later turn corks again', async () => {
  const { stream, batches } = recordingSink()
  const cork = new TurnCork(stream)
  cork.hold()
  stream.write('a')
  stream.write('b')
  cork.flush()
  assert.deepEqual(batches, [['a', 'b']])
  cork.flush()
  stream.write('c')
  assert.deepEqual(batches, [['a', 'b'], ['c']])
  cork.hold()
  stream.end('d')
  assert.deepEqual(batches, [['a', 'b'], ['c'], ['d']])
  cork.flush()
})

test('a stream destroyed while held is neither corked again nor uncorked', async () => {
  const { stream } = recordingSink()
  const cork = new TurnCork(stream)
  cork.hold()
  stream.destroy()
  await nextTurn()
  assert.equal(stream.writableCorked, 1)
  cork.hold()
  assert.equal(stream.writableCorked, 1)
})
