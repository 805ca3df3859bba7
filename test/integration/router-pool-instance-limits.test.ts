// Issue 3: PoolInstanceLimits gives a pool its own MinInstances and MaxInstances. The real router built from the
// configuration, with scripted extensions as its Lambdas: one pool on its own limits and one on the global ones get
// the same burst, and each starts exactly the instances its limits allow.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkHandler } from '../helpers/checked-handler.js'
import { deferred } from '../helpers/deferred.js'
import { testRequest } from '../helpers/router-harness.js'
import { startRouter } from '../helpers/start-router.js'

/** Resolves `reached` once `hit()` was called `count` times. */
function countdown(count: number): { hit(): void; reached: Promise<void> } {
  let left = count
  const { promise: reached, resolve } = deferred()
  return {
    hit() {
      if (--left === 0) resolve()
    },
    reached,
  }
}

const BURST = 8

test('a pool with its own limits keeps its minimum up and never passes its maximum, beside a pool on the global ones', async (t) => {
  const { promise: released, resolve: release } = deferred()
  // MaxConcurrentCount is 4: the default pool's two instances run all 8 requests, the reports pool's one runs 4.
  const arrivals = countdown(2 * 4 + 4)
  const { router, invoker, close } = await startRouter({
    env: {
      LAMBDA_DISPATCH_MaxInstances: '2',
      LAMBDA_DISPATCH_AllowedLambdaNames: 'reports-fn',
      LAMBDA_DISPATCH_PoolInstanceLimits: 'reports-fn=1:1',
    },
    app: async (_head, channel) => {
      arrivals.hit()
      await released
      await channel.requestBody
      channel.respond(200, [], 'ok')
    },
  })
  t.after(close)
  const defaultPool = router.pools.get('default')
  const reportsPool = router.pools.get('reports-fn')
  assert.ok(defaultPool && reportsPool)
  assert.deepEqual(
    [defaultPool.context.scaling.minInstances, defaultPool.context.scaling.maxInstances],
    [0, 2],
    'the default pool takes MinInstances/MaxInstances',
  )

  // MinInstances 1 for the reports pool alone: it invokes before any request, the default pool does not.
  await invoker.invoked(1)
  assert.equal(invoker.payloads[0]?.poolId, 'reports-fn')
  assert.equal(defaultPool.snapshot().instances.length, 0)

  // The same burst reaches both pools in one turn, so both scalers decide on the same load: 8 queued requests want
  // two instances.
  const handlers = []
  for (const pool of [defaultPool, reportsPool]) {
    for (let index = 0; index < BURST; index++) {
      const handler = checkHandler(t)
      handlers.push(handler)
      assert.equal(pool.dispatcher.dispatch(testRequest().request, handler).kind, 'queued')
    }
  }
  await arrivals.reached
  assert.equal(reportsPool.snapshot().instances.length, 1)
  assert.equal(reportsPool.snapshot().queueLength, BURST - 4, 'the rest wait rather than start a second instance')
  release()
  for (const handler of handlers) assert.equal(await handler.settled, 'end')
  for (const handler of handlers) assert.deepEqual(handler.violations, [])

  const invokesBy = (poolId: string): number => invoker.payloads.filter((payload) => payload.poolId === poolId).length
  assert.equal(invokesBy('default'), 2, 'the default pool grew to its maximum of 2')
  assert.equal(invokesBy('reports-fn'), 1, 'the reports pool never started a second instance')
})
