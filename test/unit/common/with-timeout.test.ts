// withTimeout: a promise raced against a real timeout; whichever side wins, the timer is gone afterwards (issue 15).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { withTimeout } from '../../../src/common/index.js'

// Timers the process holds right now; a race that ended must leave this count where it found it.
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
}

test('a promise that fulfils before the deadline resolves done and leaves no timer behind', async () => {
  const before = activeTimers()
  assert.equal(await withTimeout(Promise.resolve('value'), 60_000), 'done')
  assert.equal(activeTimers(), before)
})

test('a promise still pending at the deadline resolves timeout and leaves no timer behind', async () => {
  const before = activeTimers()
  assert.equal(await withTimeout(new Promise(() => {}), 1), 'timeout')
  assert.equal(activeTimers(), before)
})

test('a promise that rejects before the deadline rejects with its reason and leaves no timer behind', async () => {
  const before = activeTimers()
  const reason = new Error('the awaited work failed')
  await assert.rejects(withTimeout(Promise.reject(reason), 60_000), (error) => error === reason)
  assert.equal(activeTimers(), before)
})

test('a promise that fulfils after the deadline leaves the timeout result standing', async () => {
  let fulfil: (() => void) | undefined
  const late = new Promise<void>((resolve) => {
    fulfil = resolve
  })
  assert.equal(await withTimeout(late, 1), 'timeout')
  fulfil?.()
  await late
})
