// Issue 3 (observability of invokes): an invoke that Lambda reports as a function error (X-Amz-Function-Error, the
// handler threw or the extension crashed) is counted as invokes_total{result="function_error"}, not as completed, and
// logged as a warning that carries Lambda's error kind.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { captureLogs } from '../helpers/log-capture.js'
import { startRouterHarness } from '../helpers/router-harness.js'
import { manualBehaviour } from '../helpers/router-scripted-invoker.js'

test('an invoke that returns a function error counts as function_error and logs a warning with the error kind', async (t) => {
  const logs = captureLogs('info')
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', scaling: { minInstances: 1, maxInstances: 1 } }],
    behaviour: manual.behaviour,
    logger: logs.logger,
  })
  const invocation = await manual.next()
  invocation.complete({ kind: 'completed', response: undefined, functionError: 'Unhandled', durationMs: 12 })
  await router.invoker.returned(1)

  const invokes = (result: string): Promise<number> =>
    router.metric('lambda_dispatch_router_invokes_total', { pool: 'default', result })
  assert.equal(await invokes('function_error'), 1)
  assert.equal(await invokes('completed'), 0)
  const line = await logs.waitFor((candidate) => candidate.msg === 'invoke returned')
  assert.equal(line.level, 'warn')
  assert.equal(line.poolId, 'default')
  assert.equal(line.lambdaId, invocation.payload.id.slice(0, 8), 'info lines carry the id prefix (issue 13)')
  assert.equal(line.result, 'function_error')
  assert.equal(line.functionError, 'Unhandled')
})
