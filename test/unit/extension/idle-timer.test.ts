// The idle close of one invoke (original-protocol.md §5, issue 15 item 5): a request in flight when the grace passes
// keeps the instance, the grace after the last activity calls onIdle once, and nothing runs after close().
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { IdleTimer } from '../../../src/extension/idle-timer.js'
import { deferred } from '../../helpers/deferred.js'

test('a request in flight when the grace passes keeps the instance; the grace after its end calls onIdle once', async () => {
  let inFlight = 1
  let checks = 0
  let idleCalls = 0
  const firstCheck = deferred()
  const idle = deferred()
  const timer = new IdleTimer({
    graceMs: 5,
    inFlight: () => {
      checks++
      if (checks === 1) firstCheck.resolve()
      return inFlight
    },
    onIdle: () => {
      idleCalls++
      idle.resolve()
    },
  })
  timer.touch()
  await firstCheck.promise
  assert.equal(idleCalls, 0, 'busy: the instance stays')
  // The request ends: that is activity, and the grace starts again.
  inFlight = 0
  timer.touch()
  await idle.promise
  assert.equal(idleCalls, 1)
  // Decided twice for the close: once when the timer fired and once after the event loop read its sockets.
  assert.equal(checks, 3)
  timer.close()
})

test('after close() a touch arms nothing: no decision and no idle close follow', () => {
  const timer = new IdleTimer({
    graceMs: 0,
    inFlight: () => assert.fail('nothing to decide after close()'),
    onIdle: () => assert.fail('no idle close after close()'),
  })
  timer.close()
  timer.touch()
})
