// Issue 6 item 3, fault matrix: the router resets a busy channel stream on its own (BodyIdleTimeout: the app's
// response stalls after its first bytes; the same reset follows a response-head timeout or a client abort, see
// app-hangs and client-aborts). The client's response is cut off, the extension aborts the app request, re-opens
// that very channel and the invoke carries on: the same instance serves, no new Lambda is invoked, nothing leaks.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { request } from 'undici'
import {
  assertPoolAtRest,
  closeAndAssertNoOrphans,
  type FaultStack,
  ONE_INSTANCE,
  onlyInstance,
  startFaultStack,
} from '../helpers/fault-stack.js'

const BODY_IDLE_TIMEOUT_MS = 500

describe('the router resets a channel stream', () => {
  let fault: FaultStack
  before(async () => {
    fault = await startFaultStack({
      faultApp: true,
      routerSettings: {
        ...ONE_INSTANCE,
        LAMBDA_DISPATCH_MaxConcurrentCount: '4',
        LAMBDA_DISPATCH_ChannelCount: '4',
        LAMBDA_DISPATCH_BodyIdleTimeout: `${BODY_IDLE_TIMEOUT_MS}ms`,
      },
    })
  })
  after(() => fault.close())

  test('a response that stalls past BodyIdleTimeout is cut off, the app request is aborted, and the extension re-opens the channel and serves on', async () => {
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    const lambdaId = onlyInstance(fault)
    const invokesBefore = fault.stack.lambda.stats(fault.stack.functionName).invokes.RequestResponse
    const dispatchedFrom = fault.events.requestDispatched.mark()
    const endedFrom = fault.events.requestEnded.mark()
    // How many channels had opened when the request ended, counted at that moment: the reset one opens after.
    const openedBeforeEnd = new Promise<number>((resolve) => {
      const unsubscribe = fault.stack.router.events.requestEnded.subscribe((event) => {
        if (event.requestId !== 'stalled-sse') return
        unsubscribe()
        resolve(fault.events.channelOpened.mark())
      })
    })
    const target = '/sse?n=3&interval=5000'
    const appAborted = fault.app.next(
      (report) => report.event === 'aborted' && report.target === target,
      fault.app.mark(),
    )

    const response = await request(`${fault.url}${target}`, {
      dispatcher: fault.agent,
      headers: { 'x-request-id': 'stalled-sse' },
    })
    assert.equal(response.statusCode, 200)
    let received = ''
    await assert.rejects(async () => {
      for await (const chunk of response.body) received += String(chunk)
    }, 'the stalled body is aborted, never completed')
    assert.equal(received, 'data: 0\n\n')
    await appAborted

    const dispatched = await fault.events.requestDispatched.next(
      (event) => event.requestId === 'stalled-sse',
      dispatchedFrom,
    )
    assert.equal(dispatched.lambdaId, lambdaId)
    const ended = await fault.events.requestEnded.next((event) => event.requestId === 'stalled-sse', endedFrom)
    assert.ok(ended.kind === 'timed-out' && ended.phase === 'body-idle', `the request ended ${ended.kind}`)
    // The reset channel comes back: the extension POSTs the same channel id again on the same invoke.
    await fault.events.channelOpened.next(
      (event) => event.lambdaId === lambdaId && event.channelId === dispatched.channelId,
      await openedBeforeEnd,
    )

    const concurrent = await Promise.all([1, 2, 3, 4].map(() => fault.fetchText('/delay?ms=100')))
    assert.deepEqual(
      concurrent.map((answer) => answer.status),
      [200, 200, 200, 200],
    )
    assert.equal(onlyInstance(fault), lambdaId, 'the same instance serves')
    assert.equal(fault.stack.lambda.stats(fault.stack.functionName).invokes.RequestResponse, invokesBefore)
    await assertPoolAtRest(fault)
    const metrics = await fault.stack.router.registry.getSingleMetricAsString('lambda_dispatch_router_requests_total')
    assert.match(metrics, /outcome="body_idle_timeout"} 1$/m)
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})
