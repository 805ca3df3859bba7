// Issue 3 item 7 (the pool's wiring of the invoke gate): a function whose Lambdas never connect back. Invokes stay
// within the gate's bound (burst + rate), the breaker opens, and the waiting clients are told at once with
// NoCapacityError (503 + Retry-After) instead of waiting out the queue, or get QueueTimeoutError (504) at the latest.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NoCapacityError, QueueTimeoutError } from '../../src/router/errors.js'
import type { BreakerPolicy } from '../../src/router/invoke/circuit-breaker.js'
import { checkHandler } from '../helpers/checked-handler.js'
import { startRouterHarness, testRequest } from '../helpers/router-harness.js'
import { connectBack, type InvokeBehaviour, neverConnects } from '../helpers/router-scripted-invoker.js'

const QUICK_BACKOFF = { baseMs: 10, maxMs: 20, jitter: 'equal' } as const

// Opens after two failures in a row, for `coolDownMs` each time.
function twoFailureBreaker(coolDownMs: number): BreakerPolicy {
  return {
    failureThreshold: 2,
    failureRatio: 1,
    ratioWindowSize: 10,
    minSamplesForRatio: 10,
    coolDownMs,
    maxCoolDownMs: coolDownMs,
  }
}

test('Lambdas that never connect back cost a bounded number of invokes and waiting clients get 503 or 504', async (t) => {
  const router = await startRouterHarness(t, {
    pools: [
      {
        poolId: 'default',
        instanceStartTimeoutMs: 20,
        queueTimeoutMs: 2_000,
        invokeGate: {
          maxInvokesPerMinute: 60,
          burstInvokes: 2,
          backoff: QUICK_BACKOFF,
          breaker: twoFailureBreaker(60_000),
        },
      },
    ],
    behaviour: neverConnects(),
  })
  const handlers = Array.from({ length: 4 }, () => checkHandler(t))
  for (const handler of handlers)
    assert.equal(router.pool.dispatcher.dispatch(testRequest().request, handler).kind, 'queued')
  const outcomes = await Promise.all(handlers.map((handler) => handler.settled))
  assert.deepEqual(outcomes, ['error', 'error', 'error', 'error'])
  for (const handler of handlers) {
    const event = handler.events[0]
    assert.ok(event?.kind === 'error')
    assert.ok(event.error instanceof NoCapacityError || event.error instanceof QueueTimeoutError, event.error.code)
  }
  const first = handlers[0]?.events[0]
  assert.ok(
    first?.kind === 'error' && first.error instanceof NoCapacityError,
    'the breaker opened before the queue timeout',
  )
  assert.ok(first.error.retryAfterMs >= 1000)
  // Burst 2 at 1 per second: the breaker opened after the second never-connected instance.
  assert.equal(router.invoker.payloads.length, 2)
  const later = checkHandler(t)
  assert.deepEqual(router.pool.dispatcher.dispatch(testRequest().request, later), {
    kind: 'rejected',
    reason: 'no-capacity',
  })
  assert.equal(router.pool.snapshot().noCapacity?.why, 'the invoke circuit breaker is open')
  assert.equal(await router.metric('lambda_dispatch_router_instance_start_timeouts_total', { pool: 'default' }), 2)
})

// Issue 12 item 1: with MinInstances 0 and every client refused while the breaker is open, nothing waits in the queue,
// and the scaler used to see no demand: no start was asked for, the probe never went out, and the pool refused
// clients for good after the outage ended. The refused requests now count as demand and the probe goes out on its own.
test('with MinInstances 0 and every client refused, the probe goes out on its own when the cool-down ends', async (t) => {
  let endpointUp = false
  const failing: InvokeBehaviour = async () => ({
    kind: 'failed',
    error: new Error('the Lambda endpoint is down'),
    retryable: true,
    durationMs: 0,
  })
  const serving = connectBack()
  const router = await startRouterHarness(t, {
    pools: [
      {
        poolId: 'default',
        queueTimeoutMs: 10_000,
        invokeGate: {
          maxInvokesPerMinute: 600,
          burstInvokes: 10,
          backoff: QUICK_BACKOFF,
          breaker: twoFailureBreaker(300),
        },
      },
    ],
    behaviour: (payload, signal) => (endpointUp ? serving(payload, signal) : failing(payload, signal)),
  })
  const waiting = checkHandler(t)
  assert.equal(router.pool.dispatcher.dispatch(testRequest().request, waiting).kind, 'queued')
  assert.equal(await waiting.settled, 'error')
  assert.ok(waiting.events[0]?.kind === 'error' && waiting.events[0].error instanceof NoCapacityError)
  assert.equal(router.pool.snapshot().breakerState, 'open')
  const refused = checkHandler(t)
  assert.deepEqual(router.pool.dispatcher.dispatch(testRequest().request, refused), {
    kind: 'rejected',
    reason: 'no-capacity',
  })
  const failedInvokes = router.invoker.payloads.length

  endpointUp = true
  assert.equal(router.pool.snapshot().queueLength, 0, 'nothing waits to prompt a start')
  await router.invoker.invoked(failedInvokes + 1)
  const served = checkHandler(t)
  const decision = router.pool.dispatcher.dispatch(testRequest().request, served)
  assert.notEqual(decision.kind, 'rejected', 'a request arriving while the probe starts waits for it')
  assert.equal(await served.settled, 'end')
  assert.equal(router.pool.snapshot().breakerState, 'closed')
  assert.equal(router.pool.snapshot().noCapacity, undefined)
})

// Issue 12 item 2: on a busy host a connect-back can take longer than the start timeout. While another instance of
// the pool is connected, such instances back off but do not open the breaker the way a broken function does, and the
// connected instance keeps serving.
test('instances that do not connect back while another one is connected back off without opening the breaker', async (t) => {
  const serving = connectBack()
  const stuck = neverConnects()
  let invokes = 0
  const router = await startRouterHarness(t, {
    pools: [
      {
        poolId: 'default',
        // The three start at once; the two that never connect must not both fail before the first is connected,
        // or nothing would show that the function works: the breaker opens only at the third failure.
        instanceStartTimeoutMs: 200,
        scaling: { minInstances: 3, maxInstances: 3 },
        invokeGate: {
          maxInvokesPerMinute: 6000,
          burstInvokes: 100,
          backoff: QUICK_BACKOFF,
          breaker: { ...twoFailureBreaker(60_000), failureThreshold: 3 },
        },
      },
    ],
    behaviour: (payload, signal) => (++invokes === 1 ? serving(payload, signal) : stuck(payload, signal)),
  })
  const first = checkHandler(t)
  router.pool.dispatcher.dispatch(testRequest().request, first)
  assert.equal(await first.settled, 'end')
  const failedStarts = 2 * 3
  await router.invoker.invoked(1 + failedStarts + 1)
  assert.equal(router.pool.snapshot().breakerState, 'closed', 'slow starts did not open the breaker')
  assert.ok(router.pool.invokeGate.consecutiveFailures >= failedStarts, 'but they back off')
  const later = checkHandler(t)
  assert.equal(router.pool.dispatcher.dispatch(testRequest().request, later).kind, 'dispatched')
  assert.equal(await later.settled, 'end')
})
