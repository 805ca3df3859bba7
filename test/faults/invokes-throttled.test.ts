// Issue 6 item 3, fault matrix: Lambda throttles (the local Lambda allows one concurrent execution, 429
// TooManyRequestsException beyond it) while the router wants more instances for a steady load. Clients are served
// by the instance it has, or refused at once with 503 + Retry-After when the queue is full, never left hanging; and
// the invoke gate's backoff holds the invoke rate: every instance start after a throttle waits the backoff for the
// throttles seen so far, the total stays within the configured MaxInvokesPerMinute bound, and Lambda sees at most
// the one SDK retry per invoke on top.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { DEFAULT_INVOKE_GATE_POLICY } from '../../src/router/invoke/invoke-gate.js'
import {
  assertPoolAtRest,
  closeAndAssertNoOrphans,
  type EventLog,
  type FaultStack,
  onlyInstance,
  startFaultStack,
} from '../helpers/fault-stack.js'

const MAX_INVOKES_PER_MINUTE = 60
const QUEUE_LIMIT = 6
const REQUESTS = 12
const { backoff, burstInvokes } = DEFAULT_INVOKE_GATE_POLICY
// Arrival times are taken by a subscriber, after the gate's own clock read: a little slack for that.
const CLOCK_TOLERANCE_MS = 5

function startingIds(fault: FaultStack): string[] {
  return fault
    .pool()
    .instances.filter((instance) => instance.state === 'starting')
    .map((instance) => instance.lambdaId)
}

/** When each record of `log` from `from` on that `keep` accepts arrived. */
function arrivals<T>(log: EventLog<T>, from: number, keep: (record: T) => boolean): number[] {
  return log.records.flatMap((record, index) =>
    index >= from && keep(record) ? [log.arrivedAtMs[index] as number] : [],
  )
}

describe('Lambda throttles the invokes', () => {
  let fault: FaultStack
  before(async () => {
    fault = await startFaultStack({
      concurrencyLimit: 1,
      routerSettings: {
        LAMBDA_DISPATCH_MinInstances: '1',
        LAMBDA_DISPATCH_MaxConcurrentCount: '2',
        LAMBDA_DISPATCH_ChannelCount: '2',
        LAMBDA_DISPATCH_QueueLimit: String(QUEUE_LIMIT),
        LAMBDA_DISPATCH_MaxInvokesPerMinute: String(MAX_INVOKES_PER_MINUTE),
      },
    })
  })
  after(() => fault.close())

  test('clients get 200 or an immediate 503 with Retry-After, and backoff holds the invoke rate within the bound', async () => {
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    const lambdaId = onlyInstance(fault)
    let lambdaCalls = 0
    let throttles = 0
    const countCall = (): void => {
      lambdaCalls++
    }
    const countThrottle = (): void => {
      lambdaCalls++
      throttles++
    }
    fault.stack.lambda.events.on('invoke-start', countCall)
    fault.stack.lambda.events.on('throttle', countThrottle)
    const states = fault.events.instanceStateChanged
    const invokeEvents = fault.events.invokeReturned
    const statesFrom = states.mark()
    const invokesFrom = invokeEvents.mark()
    // Invokes already on their way when counting began also reach Lambda inside the window.
    const startingAtMark = fault.pool().instances.filter((instance) => instance.state === 'starting').length
    const startedMs = Date.now()

    const answers = await Promise.all(Array.from({ length: REQUESTS }, () => fault.fetchText('/delay?ms=1000')))
    const windowMs = Date.now() - startedMs
    fault.stack.lambda.events.off('invoke-start', countCall)
    fault.stack.lambda.events.off('throttle', countThrottle)

    const served = answers.filter((answer) => answer.status === 200)
    const refused = answers.filter((answer) => answer.status === 503)
    assert.equal(served.length + refused.length, REQUESTS, 'every client got 200 or 503')
    assert.ok(served.length >= 2 + QUEUE_LIMIT, 'the running and the queued requests were served')
    for (const answer of refused) {
      assert.equal(answer.headers['retry-after'], '1')
      assert.equal(answer.body, 'the request queue is full; retry later (LD_QUEUE_FULL)\n')
    }
    assert.ok(throttles > 0, 'Lambda throttled some invokes')

    // The router's view: instance starts, throttled invoke results, and instances that connected (which end a backoff).
    const starts = arrivals(states, statesFrom, (event) => event.to === 'starting')
    const throttled = arrivals(invokeEvents, invokesFrom, (event) => event.result === 'throttled')
    const opened = arrivals(states, statesFrom, (event) => event.to === 'open')
    assert.ok(throttled.length > 0)
    const boundInvokes = burstInvokes + Math.ceil((windowMs * MAX_INVOKES_PER_MINUTE) / 60_000)
    assert.ok(starts.length <= boundInvokes, `${starts.length} invokes ≤ the gate's bound ${boundInvokes}`)
    const invokes = starts.length + startingAtMark
    assert.ok(lambdaCalls <= 2 * invokes, `Lambda saw ${lambdaCalls} calls for ${invokes} invokes`)

    // Every start waits at least half the backoff step (equal jitter) after the latest throttle, the step doubling
    // with each throttle since the last instance connected.
    for (const startMs of starts) {
      const lastSuccessMs = Math.max(-1, ...opened.filter((time) => time <= startMs))
      const since = throttled.filter((time) => time > lastSuccessMs && time <= startMs)
      if (since.length === 0) continue
      const stepMs = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (since.length - 1))
      const waitedMs = startMs - (since.at(-1) as number)
      assert.ok(
        waitedMs >= stepMs / 2 - CLOCK_TOLERANCE_MS,
        `a start ${waitedMs} ms after throttle #${since.length} waited at least ${stepMs / 2} ms`,
      )
    }

    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    // Starts the gate admitted late in the load, or after it while the scaler's request rate decays, are still waiting
    // for Lambda's answer when the last client is served: not stuck, since with the one execution Lambda allows taken
    // that answer is a throttle and the instance leaves. Wait for those answers until no start is in flight.
    for (let late = startingIds(fault); late.length > 0; late = startingIds(fault)) {
      const results = await Promise.all(
        late.map((id) => invokeEvents.next((event) => event.lambdaId === id, invokesFrom)),
      )
      assert.deepEqual(
        results.map((event) => event.result),
        late.map(() => 'throttled'),
        'every start in flight after the load was throttled',
      )
    }
    assert.equal(onlyInstance(fault), lambdaId, 'the one instance Lambda allowed served throughout')
    await assertPoolAtRest(fault)
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})
