// Issue 3 items 3 and 5 over real HTTP/2: at most MaxConcurrentCount in flight per instance with spare channels
// hidden, least-outstanding choice, the queue limit, the start timeout, goaway of idle channels at scale-in, and a
// Lambda-initiated close that keeps serving until its replacement opens (original-router.md §2.4, §2.5, §6.2).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QueueFullError } from '../../src/router/errors.js'
import { checkHandler } from '../helpers/checked-handler.js'
import { deferred } from '../helpers/deferred.js'
import { startRouterHarness, testRequest } from '../helpers/router-harness.js'
import { connectBack, manualBehaviour, neverConnects } from '../helpers/router-scripted-invoker.js'
import { type ScriptedChannel, ScriptedExtension, type ServeResult } from '../helpers/scripted-extension.js'
import { teardown } from '../helpers/teardown.js'

async function openParked(
  extension: ScriptedExtension,
  lambdaId: string,
  ids: readonly string[],
): Promise<ScriptedChannel[]> {
  const channels = ids.map((id) => extension.openChannel(lambdaId, id))
  for (const channel of channels) assert.equal((await channel.response)?.status, 200)
  return channels
}

test('an instance runs at most MaxConcurrentCount requests; its spare channels stay hidden and the rest wait', async (t) => {
  const defer = teardown(t)
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: [
      { poolId: 'default', maxConcurrentCount: 2, channelCount: 4, scaling: { minInstances: 1, maxInstances: 1 } },
    ],
    behaviour: manual.behaviour,
  })
  const invocation = await manual.next()
  const extension = await ScriptedExtension.connect(router.url)
  defer(() => extension.destroy())
  const channels = await openParked(extension, invocation.payload.id, ['c1', 'c2', 'c3', 'c4'])
  const handlers = [checkHandler(t), checkHandler(t), checkHandler(t)]
  const decisions = handlers.map((handler) => router.pool.dispatcher.dispatch(testRequest().request, handler).kind)
  assert.deepEqual(decisions, ['dispatched', 'dispatched', 'queued'])
  const instance = router.pool.snapshot().instances[0]
  assert.equal(instance?.busyChannels, 2)
  assert.equal(instance?.parkedChannels, 2, 'two spare channels are parked but hidden')
  assert.equal(router.pool.snapshot().queueLength, 1)
  const used = [channels[0], channels[1]] as ScriptedChannel[]
  for (const channel of used) assert.equal((await channel.requestHead)?.target, '/ping')
  ;(used[0] as ScriptedChannel).respond(200, [], 'a')
  assert.equal(await handlers[0]?.settled, 'end')
  // The freed slot unhides a spare: the waiting request goes to a parked channel at once.
  const third = channels[2] as ScriptedChannel
  assert.equal((await third.requestHead)?.target, '/ping')
  third.respond(200, [], 'c')
  ;(used[1] as ScriptedChannel).respond(200, [], 'b')
  assert.equal(await handlers[2]?.settled, 'end')
  assert.equal(await handlers[1]?.settled, 'end')
  assert.equal(router.pool.snapshot().queueLength, 0)
})

test('requests go to the instance with the fewest in flight', async (t) => {
  const defer = teardown(t)
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: [
      { poolId: 'default', maxConcurrentCount: 4, channelCount: 4, scaling: { minInstances: 2, maxInstances: 2 } },
    ],
    behaviour: manual.behaviour,
  })
  const first = await manual.next()
  const second = await manual.next()
  const extension = await ScriptedExtension.connect(router.url)
  defer(() => extension.destroy())
  await openParked(extension, first.payload.id, ['a1', 'a2', 'a3', 'a4'])
  await openParked(extension, second.payload.id, ['b1', 'b2', 'b3', 'b4'])
  const chosen: string[] = []
  for (let index = 0; index < 4; index++) {
    const decision = router.pool.dispatcher.dispatch(testRequest().request, checkHandler(t))
    assert.equal(decision.kind, 'dispatched')
    if (decision.kind === 'dispatched') chosen.push(decision.lambdaId === first.payload.id ? 'A' : 'B')
  }
  assert.deepEqual(chosen, ['A', 'B', 'A', 'B'])
})

test('beyond the queue limit a request is refused at once with QueueFullError', async (t) => {
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', queueLimit: 1, scaling: { maxInstances: 1 } }],
    behaviour: manualBehaviour().behaviour,
  })
  const waiting = checkHandler(t)
  const refused = checkHandler(t)
  assert.equal(router.pool.dispatcher.dispatch(testRequest().request, waiting).kind, 'queued')
  assert.deepEqual(router.pool.dispatcher.dispatch(testRequest().request, refused), {
    kind: 'rejected',
    reason: 'queue-full',
  })
  const event = refused.events[0]
  assert.ok(event?.kind === 'error' && event.error instanceof QueueFullError)
  assert.equal(event.error.queueLimit, 1)
  assert.equal(waiting.terminal, undefined)
  assert.equal(
    await router.metric('lambda_dispatch_router_requests_total', { pool: 'default', outcome: 'queue_full' }),
    1,
  )
})

test('an instance that never connects back is failed at the start timeout, its invoke aborted and counted', async (t) => {
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', instanceStartTimeoutMs: 30, scaling: { minInstances: 1, maxInstances: 1 } }],
    behaviour: neverConnects(),
  })
  await router.invoker.returned(1)
  const failedId = router.invoker.payloads[0]?.id
  assert.equal(await router.metric('lambda_dispatch_router_instance_start_timeouts_total', { pool: 'default' }), 1)
  assert.equal(await router.metric('lambda_dispatch_router_invokes_total', { pool: 'default', result: 'aborted' }), 1)
  assert.equal(
    await router.metric('lambda_dispatch_router_instance_transitions_total', { pool: 'default', to: 'closed' }),
    1,
  )
  assert.equal(
    router.pool.snapshot().instances.some((instance) => instance.lambdaId === failedId),
    false,
    'the failed instance is forgotten',
  )
})

test('when load ends the pool scales in: idle channels get goaway and the invoke returns', async (t) => {
  const { promise: done, resolve: served } = deferred<ServeResult>()
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', maxConcurrentCount: 2, channelCount: 3, scaling: { maxInstances: 1 } }],
    behaviour: connectBack(undefined, { onServed: (_payload, result) => served(result) }),
  })
  const handler = checkHandler(t)
  router.pool.dispatcher.dispatch(testRequest().request, handler)
  assert.equal(await handler.settled, 'end')
  const result = await done
  assert.equal(result.requestCount, 1)
  assert.equal(result.goaways, 3, 'every parked channel was sent a goaway')
  assert.equal(result.refusals, 0)
  await router.invoker.returned(1)
  assert.equal(
    await router.metric('lambda_dispatch_router_channels_closed_total', { pool: 'default', reason: 'goaway' }),
    3,
  )
  assert.deepEqual(router.pool.snapshot().instances, [], 'the instance closed when its invoke returned')
  assert.equal(await router.metric('lambda_dispatch_router_invokes_total', { pool: 'default', result: 'completed' }), 1)
  assert.equal(
    await router.metric('lambda_dispatch_router_invoke_exit_reasons_total', {
      pool: 'default',
      reason: 'RouterGoAway',
    }),
    1,
  )
})

test('a Lambda-initiated close of an old instance keeps it serving until its replacement opens', async (t) => {
  const defer = teardown(t)
  let offsetMs = 0
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: [
      { poolId: 'default', maxConcurrentCount: 2, channelCount: 2, scaling: { minInstances: 1, maxInstances: 2 } },
    ],
    behaviour: manual.behaviour,
    now: () => performance.now() + offsetMs,
  })
  const old = await manual.next()
  const extension = await ScriptedExtension.connect(router.url)
  defer(() => extension.destroy())
  const [parked] = await openParked(extension, old.payload.id, ['o1', 'o2'])
  offsetMs = 60_000 // the instance is now a minute old: it is closing for its deadline, not for idleness
  let closeAnswered = false
  const close = extension.close(old.payload.id).then((answer) => {
    closeAnswered = true
    return answer
  })
  const replacement = await manual.next()
  assert.equal(router.pool.snapshot().instances.find((i) => i.lambdaId === old.payload.id)?.state, 'draining')
  // While draining it still takes requests.
  const handler = checkHandler(t)
  const decision = router.pool.dispatcher.dispatch(
    testRequest({ receivedAtMs: performance.now() + offsetMs }).request,
    handler,
  )
  assert.ok(decision.kind === 'dispatched' && decision.lambdaId === old.payload.id)
  const busy = parked as ScriptedChannel
  assert.equal((await busy.requestHead)?.target, '/ping')
  busy.respond(200, [], 'served while draining')
  assert.equal(await handler.settled, 'end')
  assert.equal(closeAnswered, false)
  // The replacement connects: the old instance retires and its close is answered.
  await openParked(extension, replacement.payload.id, ['n1'])
  assert.equal((await close).status, 200)
  assert.equal(router.pool.snapshot().instances.find((i) => i.lambdaId === old.payload.id)?.state, 'closing')
  const goaway = (extension.channels.find((c) => c.channelId === 'o2') as ScriptedChannel).requestHead
  assert.equal((await goaway)?.target, '/_lambda_dispatch/goaway')
})

test('with pre-warm on, each start also sends the original init-only buddy invoke', async (t) => {
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: [
      { poolId: 'default', preWarmInvokes: true, channelCount: 3, scaling: { minInstances: 1, maxInstances: 1 } },
    ],
    behaviour: manual.behaviour,
  })
  const main = await manual.next()
  const buddy = await manual.next()
  assert.equal(main.payload.initOnly, false)
  assert.equal(main.payload.numberOfChannels, 3)
  // The buddy carries a channel token of its own: the instance's secret travels only in the instance's invoke.
  assert.notEqual(buddy.payload.channelToken, main.payload.channelToken)
  assert.deepEqual(buddy.payload, {
    ...main.payload,
    id: `${main.payload.id}-initonly`,
    numberOfChannels: 0,
    initOnly: true,
    channelToken: buddy.payload.channelToken,
  })
  buddy.complete()
  await router.invoker.returned(1)
  assert.equal(router.pool.snapshot().instances.length, 1, 'the buddy is not an instance')
})
