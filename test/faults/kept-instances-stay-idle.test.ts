// Issue 12 item 3, idle cost: instances kept for MinInstances stay in their invoke while idle, up to their deadline,
// because the router sends them IdleGraceMs; the extension's own grace is the original's 250 ms here, as in
// production. Before, each kept instance left after 250 ms idle and was invoked again: 72 invokes in 20 idle seconds
// for MinInstances 1, and with MinInstances 3 the churn emptied the MaxInvokesPerMinute bucket before a real burst.
// The function timeout is 10 s (not the 60 s default) so one function timeout of idleness takes 10 s of test time;
// the property is the same: one invoke per function timeout per kept instance, replacements free of the bucket.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as wallTime } from 'node:timers/promises'
import { assertPoolAtRest, type FaultStack, type FaultStackOptions, startFaultStack } from '../helpers/fault-stack.js'
import { teardown } from '../helpers/teardown.js'

const FUNCTION_TIMEOUT_MS = 10_000
const BURST = 20

function keptStack(minInstances: number, routerSettings: Record<string, string> = {}): FaultStackOptions {
  return {
    functionTimeoutMs: FUNCTION_TIMEOUT_MS,
    functionEnv: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '250' },
    routerSettings: { LAMBDA_DISPATCH_MinInstances: String(minInstances), ...routerSettings },
  }
}

function starts(fault: FaultStack, from = 0): number {
  return fault.events.instanceStateChanged.records.slice(from).filter((event) => event.to === 'starting').length
}

function idleExits(fault: FaultStack): number {
  return fault.events.invokeReturned.records.filter((event) => event.exitReason === 'SelfLastActive').length
}

// Resolves once the pool has exactly `count` instances, all open: none starting, draining or closing.
async function whenOnlyOpen(fault: FaultStack, count: number): Promise<string[]> {
  for (;;) {
    const from = fault.events.instanceStateChanged.mark()
    const instances = fault.pool().instances
    if (instances.length === count && instances.every((instance) => instance.state === 'open')) {
      return instances.map((instance) => instance.lambdaId)
    }
    await fault.events.instanceStateChanged.next(() => true, from)
  }
}

test('with MinInstances 1, one function timeout of idleness costs at most 2 invokes and no idle exit', async (t) => {
  const defer = teardown(t)
  const fault = await startFaultStack(keptStack(1))
  defer(() => fault.close())
  await whenOnlyOpen(fault, 1)
  const from = fault.events.instanceStateChanged.mark()
  await wallTime(FUNCTION_TIMEOUT_MS)
  const invokes = starts(fault, from) + 1
  t.diagnostic(`${invokes} invokes in ${FUNCTION_TIMEOUT_MS} ms of idleness`)
  assert.ok(invokes <= 2, `at most 2 invokes, got ${invokes}`)
  assert.equal(idleExits(fault), 0, 'no kept instance left for idleness')
  assert.equal((await fault.fetchText('/ping')).body, 'pong')
  await assertPoolAtRest(fault)
})

test('with MinInstances 3, after idle deadlines a burst is served by the warm instances with no rate-limit refusal', async (t) => {
  const defer = teardown(t)
  // One token a minute: the 20-token burst bucket is all there is, so any invoke drawing on it would show.
  const fault = await startFaultStack(keptStack(3, { LAMBDA_DISPATCH_MaxInvokesPerMinute: '1' }))
  defer(() => fault.close())
  const pool = fault.stack.router.pools.get('default')
  assert.ok(pool)
  await whenOnlyOpen(fault, 3)
  const tokensAtStart = pool.invokeGate.tokens
  const idleFrom = fault.events.instanceStateChanged.mark()
  await wallTime(2 * FUNCTION_TIMEOUT_MS)
  const warm = await whenOnlyOpen(fault, 3)
  const replacements = starts(fault, idleFrom)
  t.diagnostic(`${replacements} kept instances replaced at their deadline in ${2 * FUNCTION_TIMEOUT_MS} ms`)
  assert.ok(replacements >= 3, 'each kept instance reached its deadline at least once')
  assert.equal(idleExits(fault), 0, 'no kept instance left for idleness')
  assert.equal(pool.invokeGate.tokens, tokensAtStart, 'replacing kept instances took no token from the bucket')

  // Two thirds of the warm capacity (3 × MaxConcurrentCount 10), so an instance reaching its deadline meanwhile
  // still leaves room: every request must be bound at arrival to an instance already connected, none waits for a start.
  const burstFrom = fault.events.requestDispatched.mark()
  const burst = await Promise.all(Array.from({ length: BURST }, () => fault.fetchText('/delay?ms=300')))
  assert.deepEqual(
    burst.map((answer) => answer.status),
    Array(BURST).fill(200),
  )
  const dispatched = fault.events.requestDispatched.records.slice(burstFrom)
  assert.equal(dispatched.length, BURST)
  assert.deepEqual(
    dispatched.filter((event) => event.queuedMs !== undefined),
    [],
    'no burst request waited in the queue',
  )
  const servedByWarm = dispatched.filter((event) => warm.includes(event.lambdaId)).length
  t.diagnostic(`${servedByWarm} of ${BURST} burst requests went to the 3 instances open before it`)
  const refusals = await fault.stack.router.registry.getSingleMetricAsString(
    'lambda_dispatch_router_invoke_refusals_total',
  )
  assert.doesNotMatch(refusals, /reason="rate-limit"/, 'no rate-limit refusal')
  assert.equal((await fault.fetchText('/ping')).body, 'pong')
})
