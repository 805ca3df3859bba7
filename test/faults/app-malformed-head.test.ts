// Issue 6 item 3, fault matrix: the app answers bytes that are not an HTTP/1.1 response head (the fault app's
// /fault/garbage-head: a status line without a code, a header line without a colon). The extension's HTTP parser
// refuses them and the extension answers 502 itself; the client gets that 502, and the same instance keeps serving.
// (A malformed head written by the extension itself is the router's BadUpstreamHeadError, covered by
// test/integration/router-upstream-failures.test.ts and the bad-input matrix.)
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

describe('the app sends a malformed response head', () => {
  let fault: FaultStack
  before(async () => {
    fault = await startFaultStack({
      faultApp: true,
      routerSettings: ONE_INSTANCE,
    })
  })
  after(() => fault.close())

  test('the client gets 502 from the extension, and the same instance serves the next requests', async () => {
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    const lambdaId = onlyInstance(fault)
    const invokesBefore = fault.stack.lambda.stats(fault.stack.functionName).invokes.RequestResponse

    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await fault.fetchText('/fault/garbage-head')
      assert.equal(answer.status, 502)
      assert.match(answer.body, /^lambda-dispatch extension: the app request failed/)
      assert.equal(answer.headers['x-lambda-id'], undefined, 'internal headers do not reach the client')
      assert.equal((await fault.fetchText('/ping')).body, 'pong')
    }

    assert.equal(onlyInstance(fault), lambdaId, 'the same instance serves')
    assert.equal(fault.stack.lambda.stats(fault.stack.functionName).invokes.RequestResponse, invokesBefore)
    await assertPoolAtRest(fault)
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})
