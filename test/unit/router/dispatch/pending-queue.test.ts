// The bounded FIFO: order, limit, and O(1) removal from the head, middle and tail.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PendingQueue, type QueueLinks } from '../../../../src/router/dispatch/pending-queue.js'

class Entry implements QueueLinks<Entry> {
  prev: Entry | undefined
  next: Entry | undefined
  queued = false
  constructor(readonly name: string) {}
}

function drain(queue: PendingQueue<Entry>): string[] {
  const names: string[] = []
  for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) names.push(entry.name)
  return names
}

test('entries leave in arrival order', () => {
  const queue = new PendingQueue<Entry>(5)
  for (const name of ['a', 'b', 'c']) assert.equal(queue.push(new Entry(name)), true)
  assert.equal(queue.length, 3)
  assert.equal(queue.peek()?.name, 'a')
  assert.deepEqual(drain(queue), ['a', 'b', 'c'])
  assert.equal(queue.length, 0)
})

test('an unshifted entry leaves first, even beyond the limit, and only once', () => {
  const queue = new PendingQueue<Entry>(2)
  const first = new Entry('first')
  queue.push(new Entry('a'))
  queue.push(new Entry('b'))
  assert.equal(queue.unshift(first), true)
  assert.equal(queue.unshift(first), false)
  assert.equal(queue.length, 3)
  assert.deepEqual(drain(queue), ['first', 'a', 'b'])
  const only = new Entry('only')
  assert.equal(queue.unshift(only), true)
  assert.equal(queue.push(new Entry('after')), true)
  assert.deepEqual(drain(queue), ['only', 'after'])
})

test('a push beyond the limit is refused and holds nothing', () => {
  const queue = new PendingQueue<Entry>(2)
  const c = new Entry('c')
  queue.push(new Entry('a'))
  queue.push(new Entry('b'))
  assert.equal(queue.full, true)
  assert.equal(queue.push(c), false)
  assert.equal(c.queued, false)
  assert.deepEqual(drain(queue), ['a', 'b'])
})

for (const [name, index] of [
  ['head', 0],
  ['middle', 1],
  ['tail', 2],
] as const) {
  test(`removing the ${name} keeps the others in order`, () => {
    const queue = new PendingQueue<Entry>(3)
    const entries = ['a', 'b', 'c'].map((entryName) => new Entry(entryName))
    for (const entry of entries) queue.push(entry)
    assert.equal(queue.remove(entries[index] as Entry), true)
    assert.equal(queue.remove(entries[index] as Entry), false)
    assert.deepEqual(
      drain(queue),
      ['a', 'b', 'c'].filter((_, i) => i !== index),
    )
  })
}

test('an entry cannot be queued twice, and a removed entry can be queued again', () => {
  const queue = new PendingQueue<Entry>(3)
  const a = new Entry('a')
  assert.equal(queue.push(a), true)
  assert.equal(queue.push(a), false)
  queue.remove(a)
  assert.equal(queue.push(a), true)
  assert.deepEqual(drain(queue), ['a'])
})

test('a negative or fractional limit is a programmer error', () => {
  assert.throws(() => new PendingQueue<Entry>(-1), RangeError)
  assert.throws(() => new PendingQueue<Entry>(1.5), RangeError)
})
