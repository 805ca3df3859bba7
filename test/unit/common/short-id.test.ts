// Issue 13 item 4: ids outside debug logs show their first 8 characters.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shortId } from '../../../src/common/index.js'

test('an id is cut to its first 8 characters; a shorter one and undefined stay as they are', () => {
  assert.equal(shortId('0f8e8b8a-3c1e-4a77-9d0e-5c3f0d6e9b21'), '0f8e8b8a')
  assert.equal(shortId('abc'), 'abc')
  assert.equal(shortId(undefined), undefined)
})
