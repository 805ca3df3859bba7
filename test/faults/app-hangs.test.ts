// Issue 6 item 3, fault matrix: the app takes requests and never answers them (the demo app's /hang). With
// ResponseHeadTimeout 1 s each client gets 504 within that bound, the router resets the channel stream so the
// extension aborts the app request, and the same instance (same invoke, no new Lambda) keeps serving.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  assertPoolAtRest,
  closeAndAssertNoOrphans,
  type FaultStack,
  ONE_INSTANCE,
  onlyInstance,
  startFaultStack,
} from '../helpers/fault-stack.js'

const HEAD_TIMEOUT_MS = 1000

describe('the app hangs', () => {
  let fault: FaultStack
  before(async () => {
    fault = await startFaultStack({
      faultApp: true,
      routerSettings: {
        ...ONE_INSTANCE,
        LAMBDA_DISPATCH_ResponseHeadTimeout: `${HEAD_TIMEOUT_MS}ms`,
      },
    })
  })
  after(() => fault.close())

  test('three hung requests each get 504 within the head timeout, the app sees each aborted, and the instance keeps serving', async () => {
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    const lambdaId = onlyInstance(fault)
    const invokesBefore = fault.stack.lambda.stats(fault.stack.functionName).invokes.RequestResponse
    const from = fault.app.mark()
    const aborted = Promise.all(
      [1, 2, 3].map((index) =>
        fault.app.next((report) => report.event === 'aborted' && report.target === `/hang?i=${index}`, from),
      ),
    )

    const startedMs = performance.now()
    const answers = await Promise.all(
      [1, 2, 3].map(async (index) => {
        const answer = await fault.fetchText(`/hang?i=${index}`)
        return { ...answer, elapsedMs: performance.now() - startedMs }
      }),
    )
    for (const answer of answers) {
      assert.equal(answer.status, 504)
      assert.equal(answer.body, 'the app did not start its response in time (LD_HEAD_TIMEOUT)\n')
      // The head timer is what answered (LD_HEAD_TIMEOUT, counted as head_timeout below), and not before it was due;
      // how long after is the machine's scheduling, not the router's.
      assert.ok(answer.elapsedMs >= HEAD_TIMEOUT_MS, `not before the timeout (${answer.elapsedMs} ms)`)
    }
    await aborted

    for (let index = 0; index < 5; index++) assert.equal((await fault.fetchText('/ping')).body, 'pong')
    assert.equal(onlyInstance(fault), lambdaId, 'the same instance serves')
    assert.equal(
      fault.stack.lambda.stats(fault.stack.functionName).invokes.RequestResponse,
      invokesBefore,
      'no new invoke was needed',
    )
    await assertPoolAtRest(fault)
    const metrics = await fault.stack.router.registry.getSingleMetricAsString('lambda_dispatch_router_requests_total')
    assert.match(metrics, /outcome="head_timeout"} 3$/m)
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})
