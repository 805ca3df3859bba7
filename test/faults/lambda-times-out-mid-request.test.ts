// Issue 6 item 3, fault matrix: a request outlives the Lambda invoke that carries it (short function timeout, a
// /delay far longer). Two ways it ends, both 502 and never a hang:
// - the extension knows the deadline (the normal case): it resets its streams shortly before it and returns in time
//   (SelfDeadline), so the client gets 502 LD_UPSTREAM_CLOSED before Lambda's timeout, and the environment is kept;
// - the extension misjudges it (LAMBDA_DISPATCH_FORCE_DEADLINE beyond the function timeout): Lambda's timeout
//   destroys the environment mid-request (Sandbox.Timedout), the client gets 502, every process of that environment
//   is gone and a new environment serves.
// 502 rather than 504: the router's own timeouts did not fire; its upstream went away under the request.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  anotherInstanceOpened,
  assertPoolAtRest,
  closeAndAssertNoOrphans,
  type FaultStack,
  instanceEntered,
  ONE_INSTANCE,
  onlyInstance,
  startFaultStack,
} from '../helpers/fault-stack.js'
import { isGone, nextEvent } from '../helpers/local-lambda.js'

const FUNCTION_TIMEOUT_MS = 3000
// The case where the extension returns in time uses a function long enough for the full 1 s hard-stop margin
// (lifetime.ts): with 3 s, the margin is 375 ms, and on a loaded 2-core host the extension's last steps after its
// hard stop (posting the response, /next) can take longer than that, so Lambda times out an invoke that had answered.
const KEPT_FUNCTION_TIMEOUT_MS = 8000
const SETTINGS = { ...ONE_INSTANCE, LAMBDA_DISPATCH_ResponseHeadTimeout: '60s' }

describe('a request outlives the invoke, and the extension knows the deadline', () => {
  let fault: FaultStack
  before(async () => {
    fault = await startFaultStack({ functionTimeoutMs: KEPT_FUNCTION_TIMEOUT_MS, routerSettings: SETTINGS })
  })
  after(() => fault.close())

  test('the client gets 502 before the function timeout, the invoke returns SelfDeadline and its environment is kept', async () => {
    const opened = await anotherInstanceOpened(fault, [])
    const lambdaId = onlyInstance(fault)
    assert.equal(opened.lambdaId, lambdaId)
    const [environment] = fault.stack.lambda.environments(fault.stack.functionName)
    assert.ok(environment)
    const from = fault.events.instanceStateChanged.mark()
    const invokesFrom = fault.events.invokeReturned.mark()
    const answer = await fault.fetchText('/delay?ms=60000')
    assert.equal(answer.status, 502)
    assert.equal(answer.body, 'the app closed the exchange before responding (LD_UPSTREAM_CLOSED)\n')
    // Ordering, not milliseconds: when the client has its answer, Lambda has not timed the invoke out.
    assert.equal(
      fault.stack.lambda.stats(fault.stack.functionName).timeouts,
      0,
      'the client was answered before the function timeout',
    )

    const returned = await fault.events.invokeReturned.next((event) => event.lambdaId === lambdaId, invokesFrom)
    assert.equal(returned.result, 'completed')
    assert.equal(returned.exitReason, 'SelfDeadline')
    await anotherInstanceOpened(fault, [lambdaId], from)
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    await assertPoolAtRest(fault, [lambdaId])
    const stats = fault.stack.lambda.stats(fault.stack.functionName)
    assert.equal(stats.timeouts, 0, 'Lambda never had to time the invoke out')
    assert.equal(stats.functionErrors, 0)
    const shutDown = fault.log.records.filter(
      (record) => record.environmentId === environment.id && /environment/.test(record.msg),
    )
    assert.ok(
      fault.stack.lambda.environments(fault.stack.functionName).some((kept) => kept.id === environment.id),
      `the environment is kept for later invokes; its log: ${JSON.stringify(shutDown)}`,
    )
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})

describe('a request outlives the invoke, and Lambda times the invoke out', () => {
  let fault: FaultStack
  before(async () => {
    fault = await startFaultStack({
      functionTimeoutMs: FUNCTION_TIMEOUT_MS,
      // The extension believes it has 10 minutes, so Lambda's 3 s timeout is what ends the invoke.
      functionEnv: { LAMBDA_DISPATCH_FORCE_DEADLINE: '600' },
      routerSettings: SETTINGS,
    })
  })
  after(() => fault.close())

  test('the client gets 502, the environment is destroyed with every process, and a new one serves', async () => {
    const opened = await anotherInstanceOpened(fault, [])
    const lambdaId = onlyInstance(fault)
    assert.equal(opened.lambdaId, lambdaId)
    const from = fault.events.instanceStateChanged.mark()
    const timedOut = nextEvent(fault.stack.lambda, 'invoke-end')
    const shutdown = nextEvent(fault.stack.lambda, 'environment-shutdown')

    const answer = await fault.fetchText('/delay?ms=60000')
    assert.equal(answer.status, 502)
    // Lambda stops the app first (SIGTERM): the extension answers 502 for the request the app dropped, or the router
    // does when the extension's streams go first.
    assert.match(answer.body, /the app request failed|LD_UPSTREAM_CLOSED/)

    const ended = await timedOut
    assert.equal(ended.result, 'timeout')
    assert.equal(ended.errorType, 'Sandbox.Timedout')
    const { reason, processes } = await shutdown
    assert.equal(reason, 'timeout')
    assert.equal(processes.length, 2)
    for (const process of processes) assert.ok(isGone(process.pid as number), `${process.name} is gone`)
    await instanceEntered(fault, lambdaId, 'closed', from)
    await anotherInstanceOpened(fault, [lambdaId], from)

    // The new instance has a fresh 3 s invoke: plenty for a few quick requests.
    for (let index = 0; index < 5; index++) assert.equal((await fault.fetchText('/ping')).body, 'pong')
    await assertPoolAtRest(fault, [lambdaId])
    const stats = fault.stack.lambda.stats(fault.stack.functionName)
    assert.equal(stats.timeouts, 1)
    assert.equal(stats.coldStarts, 2)
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})
