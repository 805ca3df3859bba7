// Issue 3 item 1, the ordering invariant (DESIGN.md §2.5, http2-protocol-error-notes.md): with the constructor seam
// that publishes a channel before its HEADERS (the original's bug), the TunnelWriter refuses the write, counts and
// logs it, the request fails with TunnelOrderingError, and the extension sees no HEADERS and no DATA, only a reset.
import assert from 'node:assert/strict'
import { constants as http2 } from 'node:http2'
import { test } from 'node:test'
import { TunnelOrderingError } from '../../src/router/errors.js'
import { checkHandler } from '../helpers/checked-handler.js'
import { captureLogs } from '../helpers/log-capture.js'
import { startRouterHarness, testRequest } from '../helpers/router-harness.js'
import { manualBehaviour } from '../helpers/router-scripted-invoker.js'
import { ScriptedExtension } from '../helpers/scripted-extension.js'
import { teardown } from '../helpers/teardown.js'

test('a channel published before its HEADERS is refused by the guard, counted and logged, and no DATA frame leaves', async (t) => {
  const defer = teardown(t)
  const logs = captureLogs('info')
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', scaling: { minInstances: 1, maxInstances: 1 } }],
    behaviour: manual.behaviour,
    control: { breakOrderingInvariant: true },
    logger: logs.logger,
  })
  const invocation = await manual.next()
  const handler = checkHandler(t)
  assert.equal(router.pool.dispatcher.dispatch(testRequest().request, handler).kind, 'queued')
  const extension = await ScriptedExtension.connect(router.url)
  defer(() => extension.destroy())
  const channel = extension.openChannel(invocation.payload.id, 'c1')

  assert.equal(await handler.settled, 'error')
  const event = handler.events[0]
  assert.ok(event?.kind === 'error' && event.error instanceof TunnelOrderingError)
  assert.equal(event.error.lambdaId, invocation.payload.id)
  assert.equal(event.error.channelId, 'c1')
  assert.equal(await channel.response, undefined, 'no HEADERS reached the extension')
  assert.deepEqual(await channel.closed, { rstCode: http2.NGHTTP2_CANCEL })
  assert.equal(channel.dataEvents, 0, 'no DATA reached the extension')
  assert.equal(await router.metric('lambda_dispatch_router_tunnel_ordering_violations_total', { pool: 'default' }), 1)
  assert.equal(
    await router.metric('lambda_dispatch_router_requests_total', { pool: 'default', outcome: 'tunnel_ordering' }),
    1,
  )
  assert.equal(router.pool.snapshot().instances[0]?.busyChannels, 0)
  assert.deepEqual(handler.violations, [])
  // The guard logs the refused write once, at error level, through the router's logger.
  const refusals = logs.lines.filter((line) => line.msg === 'tunnel ordering')
  assert.equal(refusals.length, 1)
  const [line] = refusals
  assert.equal(line?.level, 'error')
  assert.equal(line?.poolId, 'default')
  assert.equal(line?.lambdaId, invocation.payload.id.slice(0, 8), 'info lines carry the id prefix (issue 13)')
  assert.equal(line?.channelId, 'c1')
  assert.equal((line?.err as { code?: unknown } | undefined)?.code, 'LD_TUNNEL_ORDERING')
})

test('with the invariant intact the same sequence serves the request and counts no violation', async (t) => {
  const defer = teardown(t)
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', scaling: { minInstances: 1, maxInstances: 1 } }],
    behaviour: manual.behaviour,
  })
  const invocation = await manual.next()
  const handler = checkHandler(t)
  router.pool.dispatcher.dispatch(testRequest().request, handler)
  const extension = await ScriptedExtension.connect(router.url)
  defer(() => extension.destroy())
  const channel = extension.openChannel(invocation.payload.id, 'c1')
  assert.equal((await channel.response)?.status, 200)
  assert.equal((await channel.requestHead)?.target, '/ping')
  channel.respond(200, [], 'pong')
  assert.equal(await handler.settled, 'end')
  assert.equal(handler.body.toString(), 'pong')
  assert.equal(await router.metric('lambda_dispatch_router_tunnel_ordering_violations_total', { pool: 'default' }), 0)
})
