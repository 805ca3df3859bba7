// Issue 3 item 11 (the pool's part): pool.close() refuses new work, lets in-flight and queued requests finish within
// the grace, then sends goaway to every channel and waits for the invokes; past the grace, what is left fails with
// RouterClosingError and its channel is reset.
import assert from 'node:assert/strict'
import { constants as http2 } from 'node:http2'
import { test } from 'node:test'
import { RouterClosingError } from '../../src/router/errors.js'
import { checkHandler } from '../helpers/checked-handler.js'
import { deferred } from '../helpers/deferred.js'
import { startRouterHarness, testRequest } from '../helpers/router-harness.js'
import { connectBack } from '../helpers/router-scripted-invoker.js'
import type { ScriptedChannel, ServeResult } from '../helpers/scripted-extension.js'

test('closing a pool finishes in-flight and queued requests, refuses new ones, then sends goaway to every channel', async (t) => {
  const { promise: released, resolve: release } = deferred()
  const { promise: arrived, resolve: firstArrived } = deferred()
  const { promise: done, resolve: served } = deferred<ServeResult>()
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', maxConcurrentCount: 1, channelCount: 2, scaling: { maxInstances: 1 } }],
    behaviour: connectBack(
      async (head, channel) => {
        firstArrived()
        await released
        await channel.requestBody
        channel.respond(200, [], `done ${head.target}`)
      },
      { onServed: (_payload, result) => served(result) },
    ),
  })
  const inFlight = checkHandler(t)
  const queued = checkHandler(t)
  router.pool.dispatcher.dispatch(testRequest({ target: '/one' }).request, inFlight)
  await arrived
  assert.equal(router.pool.dispatcher.dispatch(testRequest({ target: '/two' }).request, queued).kind, 'queued')

  const closed = router.pool.close({ graceMs: 5_000 })
  const late = checkHandler(t)
  assert.deepEqual(router.pool.dispatcher.dispatch(testRequest().request, late), {
    kind: 'rejected',
    reason: 'closing',
  })
  const lateEvent = late.events[0]
  assert.ok(lateEvent?.kind === 'error' && lateEvent.error instanceof RouterClosingError)

  release()
  await closed
  assert.equal(inFlight.terminal, 'end')
  assert.equal(inFlight.body.toString(), 'done /one')
  assert.equal(queued.terminal, 'end')
  assert.equal(queued.body.toString(), 'done /two')
  const result = await done
  assert.equal(result.requestCount, 2)
  assert.ok(result.goaways >= 1, 'the parked channel was sent a goaway')
  assert.deepEqual(router.pool.snapshot().instances, [])
  assert.equal(await router.metric('lambda_dispatch_router_requests_total', { pool: 'default', outcome: '2xx' }), 2)
})

test('past the close grace, a request still running fails with RouterClosingError and its channel is reset', async (t) => {
  const { promise: stuck, resolve: captured } = deferred<ScriptedChannel>()
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', channelCount: 1, scaling: { maxInstances: 1 } }],
    behaviour: connectBack(async (_head, channel) => {
      captured(channel)
      await channel.closed
    }),
  })
  const handler = checkHandler(t)
  router.pool.dispatcher.dispatch(testRequest().request, handler)
  const channel = await stuck
  await router.pool.close({ graceMs: 30 })
  assert.equal(handler.terminal, 'error')
  const event = handler.events[0]
  assert.ok(event?.kind === 'error' && event.error instanceof RouterClosingError)
  assert.deepEqual(await channel.closed, { rstCode: http2.NGHTTP2_CANCEL })
  assert.deepEqual(router.pool.snapshot().instances, [])
})
