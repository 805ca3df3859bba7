// Issue 6 item 3, fault matrix: every Lambda takes its invoke but never connects back (the router advertises a
// callback address nobody listens on, 127.0.0.2, so each extension gives up with RouterUnreachable). The invoke gate
// backs off after each instance that never connected and its breaker opens after five: the invokes stay within the
// configured bound, the waiting clients get 503 + Retry-After (the breaker's cool-down) instead of waiting out their
// queue timeout, and new clients are refused without queueing. The router itself keeps answering.
// The queue timeout is set beyond the test's own limit: how long five failed starts take depends on how fast the
// machine starts processes, and a 504 (queue timeout) instead of the 503 is what would show the breaker did not act.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { DEFAULT_INVOKE_GATE_POLICY } from '../../src/router/invoke/invoke-gate.js'
import { closeAndAssertNoOrphans, type FaultStack, startFaultStack } from '../helpers/fault-stack.js'

const QUEUE_TIMEOUT_MS = 600_000
const MAX_INVOKES_PER_MINUTE = 60
const { breaker, burstInvokes } = DEFAULT_INVOKE_GATE_POLICY

/** `lambda_dispatch_router_requests_queued_total` of the default pool: requests that had to wait in its queue. */
async function queuedCount(fault: FaultStack): Promise<number> {
  const text = await fault.stack.router.registry.getSingleMetricAsString('lambda_dispatch_router_requests_queued_total')
  return Number(/pool="default"} (\d+)$/m.exec(text)?.[1] ?? 0)
}

describe('Lambdas never connect back', () => {
  let fault: FaultStack
  before(async () => {
    fault = await startFaultStack({
      routerSettings: {
        LAMBDA_DISPATCH_RouterCallbackHost: '127.0.0.2',
        LAMBDA_DISPATCH_InstanceStartTimeout: '3s',
        LAMBDA_DISPATCH_IncomingRequestTimeout: `${QUEUE_TIMEOUT_MS}ms`,
        LAMBDA_DISPATCH_MaxInvokesPerMinute: String(MAX_INVOKES_PER_MINUTE),
      },
    })
  })
  after(() => fault.close())

  test('invokes stay within the bound, waiting clients get 503 with the breaker cool-down as Retry-After, and new ones are refused at once', async () => {
    let lambdaInvokes = 0
    const countInvoke = (): void => {
      lambdaInvokes++
    }
    fault.stack.lambda.events.on('invoke-start', countInvoke)
    const startedMs = performance.now()
    const waiting = await Promise.all([1, 2, 3, 4].map(() => fault.fetchText('/ping')))
    for (const answer of waiting) {
      assert.equal(answer.status, 503, 'told by the open breaker, not by the queue timeout (504)')
      assert.equal(answer.body, 'no Lambda capacity is available right now; retry later (LD_NO_CAPACITY)\n')
      // The breaker has just opened: a client that waits Retry-After is not turned away by the same open breaker.
      const retryAfterS = Number(answer.headers['retry-after'])
      assert.ok(retryAfterS >= breaker.coolDownMs / 1000 - 1, `Retry-After ${retryAfterS} s covers the cool-down`)
    }

    const queuedBefore = await queuedCount(fault)
    const later = await fault.fetchText('/ping')
    assert.equal(later.status, 503)
    assert.equal(await queuedCount(fault), queuedBefore, 'a new client is refused at once, never queued')
    assert.equal(fault.pool().noCapacity?.why, 'the invoke circuit breaker is open')
    assert.equal((await fault.fetchText('/health')).status, 200, 'the router itself keeps answering')

    const windowMs = performance.now() - startedMs
    fault.stack.lambda.events.off('invoke-start', countInvoke)
    const starts = fault.events.instanceStateChanged.records.filter((event) => event.to === 'starting')
    assert.equal(starts.length, breaker.failureThreshold, 'the breaker opened after its threshold of failed starts')
    assert.ok(
      starts.length <= burstInvokes + Math.ceil((windowMs * MAX_INVOKES_PER_MINUTE) / 60_000),
      'within the configured invoke bound',
    )
    assert.equal(lambdaInvokes, starts.length, 'Lambda saw exactly the invokes the router made')
    const metrics = await fault.stack.router.registry.getSingleMetricAsString('lambda_dispatch_router_invokes_total')
    assert.doesNotMatch(metrics, /result="throttled"/)
    assert.deepEqual(fault.pool().instances, [], 'no instance is left starting')
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})
