// Issue 12 item 2: an instance that reaches the end of its invoke while requests keep arriving must not fail one of
// them. Continuous h2c load (20 streams in flight) runs through the real local stack while instances leave at their
// deadline; every answer must be 200, and the recycle must really have happened (an invoke ended SelfDeadline and its
// replacement served). The load is bounded by events and counts, not by time.
import assert from 'node:assert/strict'
import type http2 from 'node:http2'
import { test } from 'node:test'
import { busyChannelsAndQueue, eventCount, h2cSession, h2Request, startE2eStack } from '../helpers/e2e-stack.js'
import { parsePrometheusText } from '../helpers/prometheus-text.js'

const STREAMS = 20
// Requests answered after the second instance opened: proof that the replacement took over the load.
const SERVED_BY_REPLACEMENT = 400

/**
 * Runs STREAMS closed-loop h2c clients of GET /ping until `done(ok)` says so after an answer (`ok`: it was 200 pong);
 * returns every answer that was not.
 */
async function loadUntil(
  session: http2.ClientHttp2Session,
  done: (ok: boolean) => boolean,
): Promise<{ failures: string[]; completed: number }> {
  let loading = true
  const failures: string[] = []
  let completed = 0
  await Promise.all(
    Array.from({ length: STREAMS }, async () => {
      while (loading) {
        let ok = false
        try {
          const response = await h2Request(session, { ':method': 'GET', ':path': '/ping' })
          const body = response.body.toString()
          ok = response.status === 200 && body.trim() === 'pong'
          if (!ok) failures.push(`${response.status} ${body.slice(0, 100)}`)
        } catch (error) {
          failures.push(String(error))
        }
        completed++
        if (done(ok)) loading = false
      }
    }),
  )
  return { failures, completed }
}

test('an instance whose deadline comes while the router still holds its close (replacement slow to start) fails no request of a continuous h2c load', async (t) => {
  // 12 s invokes asking to close 1.5 s before their deadline: the instance is over 10 s old, so the router keeps it
  // serving up to 1.05 s while its replacement cold-starts (2 s), longer than the 0.75 s left before the extension
  // must reset its streams to return in time. One instance at a time, as `lambda-dispatch local` runs on 2 cores.
  const stack = await startE2eStack(t, {
    functionTimeoutMs: 12_000,
    coldStartDelayMs: 2_000,
    functionEnv: { LAMBDA_DISPATCH_DEADLINE_MARGIN_MS: '1500' },
    routerSettings: {
      LAMBDA_DISPATCH_MinInstances: '1',
      LAMBDA_DISPATCH_MaxInstances: '1',
      LAMBDA_DISPATCH_MaxConcurrentCount: '10',
    },
  })
  const session = h2cSession(t, stack.addresses.frontDoorUrl)
  // Why a replacement failed to start, if one did: its function error, for the failure message.
  const startFailures: string[] = []
  const unsubscribe = stack.router.events.appStartFailed.subscribe((event) => startFailures.push(event.error.message))
  t.after(unsubscribe)
  // With one instance at a time, every request answered after the first invoke ended was served by a replacement.
  let recycled = false
  void eventCount(stack, 'invoke-end', 1).then(() => {
    recycled = true
  })
  let servedAfterRecycle = 0
  const { failures, completed } = await loadUntil(session, (ok) => {
    if (recycled && ok) servedAfterRecycle++
    return servedAfterRecycle >= SERVED_BY_REPLACEMENT
  })

  assert.deepEqual(
    failures,
    [],
    `${failures.length} of ${completed} requests failed; start failures: ${startFailures.join(' | ') || 'none'}`,
  )
  const metrics = parsePrometheusText(await stack.router.registry.metrics())
  const exits = metrics.all('lambda_dispatch_router_invoke_exit_reasons_total')
  assert.deepEqual(
    exits.map((sample) => sample.labels.reason),
    ['SelfDeadline'],
    'instances left at their deadline, and for no other reason',
  )
  assert.ok((exits[0]?.value ?? 0) >= 1, 'the first instance left at its deadline')
  t.diagnostic(
    `requests retried after a refusal: ${metrics.value('lambda_dispatch_router_requests_retried_total', { pool: 'default' })}`,
  )
  assert.equal(stack.lambda.stats(stack.functionName).timeouts, 0, 'no invoke was killed at its deadline')
  for (const pool of stack.router.pools.values()) await pool.dispatcher.whenIdle()
  assert.deepEqual(busyChannelsAndQueue(stack), { busyChannels: 0, queued: 0 })
})
