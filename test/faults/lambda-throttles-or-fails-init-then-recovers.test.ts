// Issue 12 item 1, the two other ways a function can be unavailable for a while: Lambda throttles every invoke (429
// TooManyRequestsException), or the function fails at init (its app exits at start). Clients are answered at once
// instead of waiting out the queue timeout (503 + Retry-After for throttles; 502 LD_APP_START_FAILED for an app that
// cannot start, issue 14), and once the cause is gone the pool serves again within 30 s
// without a request waiting to prompt it. Throttles back off without opening the breaker (the function works); the
// backoff is capped at the breaker's cool-down so recovery is as quick as after failures.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { assertPoolAtRest, startFaultStack } from '../helpers/fault-stack.js'
import {
  assertRefusedWithRetryAfter,
  assertServesAgain,
  RECOVERY_BOUND_MS,
  startFaultStackBehindSwitch,
} from '../helpers/outage-recovery.js'
import { teardown } from '../helpers/teardown.js'

test('a throttling endpoint gets clients 503 with Retry-After, and once it accepts again the pool serves within 30 s', async (t) => {
  const { fault, endpoint } = await startFaultStackBehindSwitch(t, 'throttle')

  await assertRefusedWithRetryAfter(fault)
  assert.equal(fault.pool().breakerState, 'closed', 'throttles back off; they do not open the breaker')
  assert.equal(fault.pool().noCapacity?.why, 'invokes keep failing or being throttled; backing off')
  assert.ok(endpoint.calls.throttle > 0)

  const from = fault.events.instanceStateChanged.mark()
  const backAtMs = Date.now()
  endpoint.set('up')
  const recoveredMs = await assertServesAgain(fault, from, backAtMs)
  t.diagnostic(`an instance opened ${recoveredMs} ms after the throttling stopped (bound ${RECOVERY_BOUND_MS} ms)`)
  assert.equal(fault.pool().noCapacity, undefined)
  await assertPoolAtRest(fault)
})

test('a function failing at init gets clients 502 LD_APP_START_FAILED at once, and once it is fixed the pool serves within 30 s', async (t) => {
  const defer = teardown(t)
  const dir = mkdtempSync(join(tmpdir(), 'ld-init-fails-'))
  defer(() => rmSync(dir, { recursive: true, force: true }))
  const broken = join(dir, 'broken')
  writeFileSync(broken, '')
  const fault = await startFaultStack({ faultApp: true, functionEnv: { FAULT_APP_FAIL_AT_START_IF: broken } })
  defer(() => fault.close())

  // Issue 14: an app that cannot start is the user's to fix, so the client is told so (502), not asked to retry (503).
  const refused = await fault.fetchText('/ping')
  assert.equal(refused.status, 502, `a request while the app cannot start, got ${refused.status} ${refused.body}`)
  assert.match(refused.body, /\(LD_APP_START_FAILED\)\n$/)
  const failed = fault.events.invokeReturned.records.filter((event) => event.result === 'function_error')
  assert.ok(failed.length > 0, 'the invokes ended in function errors (init failures)')

  const from = fault.events.instanceStateChanged.mark()
  const backAtMs = Date.now()
  rmSync(broken)
  const recoveredMs = await assertServesAgain(fault, from, backAtMs)
  t.diagnostic(`an instance opened ${recoveredMs} ms after the function was fixed (bound ${RECOVERY_BOUND_MS} ms)`)
  assert.equal(fault.pool().breakerState, 'closed')
  await assertPoolAtRest(fault)
})
