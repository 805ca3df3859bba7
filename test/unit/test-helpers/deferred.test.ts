// The deferred helper: a pending promise settled from outside, once.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deferred } from '../../helpers/deferred.js'

test('resolve settles the promise with the value, and a later reject changes nothing', async () => {
  const gate = deferred<number>()
  gate.resolve(7)
  gate.reject(new Error('too late'))
  assert.equal(await gate.promise, 7)
})

test('reject settles the promise with the reason', async () => {
  const gate = deferred()
  gate.reject(new Error('refused'))
  await assert.rejects(gate.promise, /refused/)
})

test('the promise stays pending until settled', async () => {
  const gate = deferred<string>()
  const outcome = await Promise.race([gate.promise, Promise.resolve('pending')])
  assert.equal(outcome, 'pending')
  gate.resolve('done')
  assert.equal(await gate.promise, 'done')
})
