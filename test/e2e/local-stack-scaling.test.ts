// Issue 5: 100 concurrent clients arrive at a cold stack capped at 2 instances and all get served; instances are
// recycled by a short function timeout under load without a single failed request.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { request } from 'undici'
import type { LocalStack } from '../../src/cli/local-stack.js'
import { busyChannelsAndQueue, eventCount, h1Client, startE2eStack } from '../helpers/e2e-stack.js'

/** Instances invoked and not yet retired (starting, open or draining), across pools. */
function liveInstances(stack: LocalStack): number {
  let live = 0
  for (const pool of stack.router.pools.values()) {
    for (const instance of pool.snapshot().instances)
      if (instance.state !== 'closing' && instance.state !== 'closed') live++
  }
  return live
}

describe('scaling and recycling across cold starts', () => {
  test('100 concurrent clients arriving while 2 instances cold-start all get 200', async (t) => {
    // MinInstances starts both instances with the router, so every client arrives during their cold start. The
    // extensions stay however slowly the responses trickle out: with the default 250 ms idle grace a busy machine
    // lets one leave mid-test, and its replacement starting beside the draining one would count as a third.
    const stack = await startE2eStack(t, {
      coldStartDelayMs: 1000,
      functionEnv: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '600000' },
      routerSettings: {
        LAMBDA_DISPATCH_MinInstances: '2',
        LAMBDA_DISPATCH_MaxInstances: '2',
        LAMBDA_DISPATCH_MaxConcurrentCount: '10',
      },
    })
    const agent = h1Client(t, 100)
    let mostLiveInstances = 0
    const statuses = await Promise.all(
      Array.from({ length: 100 }, async (_, index) => {
        const response = await request(`${stack.addresses.frontDoorUrl}/delay?ms=20&i=${index}`, { dispatcher: agent })
        const body = await response.body.text()
        mostLiveInstances = Math.max(mostLiveInstances, liveInstances(stack))
        return `${response.statusCode} ${body.trim().slice(0, 80)}`
      }),
    )
    assert.deepEqual(
      [...new Set(statuses.filter((status) => !status.startsWith('200 ')))],
      [],
      `every client served; local Lambda counters: ${JSON.stringify(stack.lambda.stats(stack.functionName))}`,
    )
    assert.ok(mostLiveInstances <= 2, `${mostLiveInstances} instances were live at once; the cap is 2`)
    const stats = stack.lambda.stats(stack.functionName)
    assert.ok(stats.coldStarts >= 2, 'both instances cold-started')
    assert.equal(stats.throttles, 0)
    for (const pool of stack.router.pools.values()) await pool.dispatcher.whenIdle()
    assert.deepEqual(busyChannelsAndQueue(stack), { busyChannels: 0, queued: 0 })
  })

  test('instances recycled by a 4 s function timeout under steady load fail no request', async (t) => {
    const stack = await startE2eStack(t, {
      functionTimeoutMs: 4000,
      routerSettings: { LAMBDA_DISPATCH_MaxConcurrentCount: '10' },
    })
    const agent = h1Client(t, 10)
    // The load runs until two instances have been recycled (their invokes ended) and a third was invoked, however
    // long that takes on this machine: every request in flight across both recycles is checked.
    const twoRecycled = eventCount(stack, 'invoke-end', 2)
    const thirdInvoked = eventCount(stack, 'invoke-start', 3)
    let loading = true
    void Promise.all([twoRecycled, thirdInvoked]).then(() => {
      loading = false
    })
    const failures: string[] = []
    let completed = 0
    // Ten closed-loop clients: every Lambda lives 4 s, so the run spans at least three generations.
    await Promise.all(
      Array.from({ length: 10 }, async (_, client) => {
        while (loading) {
          try {
            const response = await request(`${stack.addresses.frontDoorUrl}/delay?ms=5&c=${client}`, {
              dispatcher: agent,
            })
            const body = await response.body.text()
            if (response.statusCode !== 200 || body !== 'delayed 5 ms')
              failures.push(`${response.statusCode} ${body.slice(0, 80)}`)
            completed++
          } catch (error) {
            failures.push(String(error))
          }
        }
      }),
    )
    assert.deepEqual(failures, [])
    assert.ok(completed > 0, 'requests were served')
    const stats = stack.lambda.stats(stack.functionName)
    assert.ok(
      stats.invokes.RequestResponse >= 3,
      `expected the 4 s instances to be replaced at least twice, saw ${stats.invokes.RequestResponse} invokes`,
    )
    assert.equal(stats.timeouts, 0, 'instances close before their deadline rather than being timed out')
  })
})
