// Issue 12 item 1: the Lambda API endpoint goes away (every connection reset, running invokes included) and comes
// back. While it is down the breaker opens and clients get 503 + Retry-After at once; once it is back, the breaker's
// half-open probe goes out on its own when the cool-down ends (no request waits: refused requests counted as demand)
// and the pool serves again within 30 s, with MinInstances 0 (the default) and with MinInstances 2. Before the fix,
// with MinInstances 0 the pool stayed at 503 for good: refused requests never reached the scaler, so no probe went out.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { anotherInstanceOpened, assertPoolAtRest, instanceEntered } from '../helpers/fault-stack.js'
import {
  assertRefusedWithRetryAfter,
  assertServesAgain,
  RECOVERY_BOUND_MS,
  startFaultStackBehindSwitch,
} from '../helpers/outage-recovery.js'

test('with MinInstances 0, an endpoint that was down from the start serves again within 30 s of coming back', async (t) => {
  const { fault, endpoint } = await startFaultStackBehindSwitch(t, 'down')

  await assertRefusedWithRetryAfter(fault)
  assert.equal(fault.pool().breakerState, 'open')
  // Refused at once, before it queues: the case the scaler used to miss.
  await assertRefusedWithRetryAfter(fault)
  assert.ok(endpoint.calls.down > 0)

  const from = fault.events.instanceStateChanged.mark()
  const backAtMs = Date.now()
  endpoint.set('up')
  const recoveredMs = await assertServesAgain(fault, from, backAtMs)
  t.diagnostic(`an instance opened ${recoveredMs} ms after the endpoint came back (bound ${RECOVERY_BOUND_MS} ms)`)
  assert.equal(fault.pool().breakerState, 'closed')
  assert.equal(fault.pool().noCapacity, undefined)
  await assertPoolAtRest(fault)
})

test('with MinInstances 2, instances lost with the endpoint come back within 30 s of it returning', async (t) => {
  const { fault, endpoint } = await startFaultStackBehindSwitch(t, 'up', { LAMBDA_DISPATCH_MinInstances: '2' })
  const first = await anotherInstanceOpened(fault, [])
  const second = await anotherInstanceOpened(fault, [first.lambdaId])
  assert.equal((await fault.fetchText('/ping')).status, 200)

  endpoint.set('down')
  // Their invokes were reset with the endpoint: both instances end (their extensions are sent away).
  await Promise.all([first, second].map((open) => instanceEntered(fault, open.lambdaId, 'closed')))
  await assertRefusedWithRetryAfter(fault)
  assert.equal(fault.pool().breakerState, 'open')
  assert.deepEqual(
    fault.pool().instances.filter((instance) => instance.state === 'open'),
    [],
    'no instance outlived the outage',
  )

  const from = fault.events.instanceStateChanged.mark()
  const backAtMs = Date.now()
  endpoint.set('up')
  const recoveredMs = await assertServesAgain(fault, from, backAtMs)
  t.diagnostic(`an instance opened ${recoveredMs} ms after the endpoint came back (bound ${RECOVERY_BOUND_MS} ms)`)
  const reopened = await anotherInstanceOpened(fault, [], from)
  await anotherInstanceOpened(fault, [reopened.lambdaId], from)
  assert.equal(fault.pool().breakerState, 'closed')
  await assertPoolAtRest(fault)
})
