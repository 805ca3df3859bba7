// The front door's own request ids: version 4 UUIDs in the form crypto.randomUUID() gives, never repeated.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isValidRequestId } from '../../../../src/router/front-door/forwarded-headers.js'
import { newRequestId } from '../../../../src/router/front-door/request-id.js'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('every id is a lower-case version 4 UUID that the front door would keep if a client sent it', () => {
  // Three batches of random bytes and some: the refill is crossed twice.
  for (let index = 0; index < 300; index++) {
    const id = newRequestId()
    assert.match(id, UUID_V4)
    assert.ok(isValidRequestId(id))
  }
})

test('ids do not repeat, across batches of random bytes too', () => {
  const ids = new Set<string>()
  for (let index = 0; index < 1000; index++) ids.add(newRequestId())
  assert.equal(ids.size, 1000)
})

test('an id is a string of its own: the next id does not change it', () => {
  const first = newRequestId()
  const copy = `${first}`
  newRequestId()
  assert.equal(first, copy)
})
