// Issue 3 item 7 (the pool's wiring of the invoke gate): a function whose Lambdas never connect back. Invokes stay
// within the gate's bound (burst + rate), the breaker opens, and the waiting clients are told at once with
// NoCapacityError (503 + Retry-After) instead of waiting out the queue, or get QueueTimeoutError (504) at the latest.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NoCapacityError, QueueTimeoutError } from '../../src/router/errors.js'
import { checkHandler } from '../helpers/checked-handler.js'
import { startRouterHarness, testRequest } from '../helpers/router-harness.js'
import { neverConnects } from '../helpers/router-scripted-invoker.js'

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
          backoff: { baseMs: 10, maxMs: 20, jitter: 'equal' },
          breaker: {
            failureThreshold: 2,
            failureRatio: 1,
            ratioWindowSize: 10,
            minSamplesForRatio: 10,
            coolDownMs: 60_000,
            maxCoolDownMs: 60_000,
          },
        },
      },
    ],
    behaviour: neverConnects(),
  })
  const handlers = Array.from({ length: 4 }, () => checkHandler())
  for (const handler of handlers) assert.equal(router.pool.dispatch(testRequest().request, handler).kind, 'queued')
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
  const later = checkHandler()
  assert.deepEqual(router.pool.dispatch(testRequest().request, later), { kind: 'rejected', reason: 'no-capacity' })
  assert.equal(router.pool.snapshot().noCapacity?.why, 'the invoke circuit breaker is open')
  assert.equal(await router.metric('lambda_dispatch_router_instance_start_timeouts_total', { pool: 'default' }), 2)
})
