// RouterTelemetry (issue 15 item 1), every subscriber made together: the pools it reads while they serve (opened to
// closed), the rolling windows fed by request ends and invoke starts, the recent errors, and EMF, whose distributions
// come from events and whose minute document is written on close. A fresh prom-client Registry, an injected clock.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { createSilentLogger } from '../../../../src/common/index.js'
import { HeadTimeoutError } from '../../../../src/router/errors.js'
import { RouterEvents } from '../../../../src/router/events.js'
import { totalsOf } from '../../../../src/router/metrics-window.js'
import type { PoolSnapshot } from '../../../../src/router/pools/pool-snapshot.js'
import { RouterTelemetry } from '../../../../src/router/telemetry/router-telemetry.js'
import { parsePrometheusText } from '../../../helpers/prometheus-text.js'

const P = 'lambda_dispatch_router_'
// Mid-minute (30 s in), so everything recorded falls in one EMF minute.
const NOW_MS = 1_700_000_010_000

function snapshotOf(poolId: string, queueLength: number): PoolSnapshot {
  return {
    poolId,
    functionName: `fn-${poolId}`,
    closing: false,
    queueLength,
    runningRequests: 0,
    desiredInstances: 1,
    breakerState: 'closed',
    noCapacity: undefined,
    instances: [],
  }
}

function telemetry(options: { emf?: boolean } = {}) {
  const events = new RouterEvents()
  const registry = new Registry()
  const emfLines: string[] = []
  const subject = new RouterTelemetry({
    events,
    registry,
    logger: createSilentLogger(),
    now: () => NOW_MS,
    ...(options.emf ? { emf: { write: (line: string) => emfLines.push(line) } } : {}),
  })
  return {
    events,
    subject,
    emfLines,
    scrape: async () => parsePrometheusText(await registry.metrics()),
  }
}

test('a pool is read by the gauges from poolOpened until poolClosed', async (t) => {
  const { events, subject, scrape } = telemetry()
  t.after(() => subject.close())
  events.poolOpened.publish({ poolId: 'a', snapshot: () => snapshotOf('a', 7) })
  assert.equal((await scrape()).value(`${P}pool_queue_length`, { pool: 'a' }), 7)
  events.poolClosed.publish({ poolId: 'a' })
  assert.deepEqual((await scrape()).all(`${P}pool_queue_length`), [])
})

test("request ends and invoke starts feed the pool's rolling window, gateway failures and app 5xx counted as errors", (t) => {
  const { events, subject } = telemetry()
  t.after(() => subject.close())
  events.requestEnded.publish({ poolId: 'a', requestId: 'r1', kind: 'completed', status: 200, durationMs: 20 })
  events.requestEnded.publish({ poolId: 'a', requestId: 'r2', kind: 'completed', status: 503, durationMs: 40 })
  events.requestEnded.publish({
    poolId: 'a',
    requestId: 'r3',
    kind: 'timed-out',
    phase: 'head',
    error: new HeadTimeoutError('L', 'C', 1),
  })
  events.requestEnded.publish({ poolId: 'a', requestId: 'r4', kind: 'aborted', phase: 'running' })
  events.invokeStarted.publish({ poolId: 'a', lambdaId: 'L1', kind: 'instance' })
  events.invokeStarted.publish({ poolId: 'a', lambdaId: 'L1-initonly', kind: 'pre_warm' })
  events.requestEnded.publish({ poolId: 'b', requestId: 'r5', kind: 'completed', status: 200, durationMs: 1 })
  const second = Math.floor(NOW_MS / 1000)
  const a = totalsOf([subject.windowFor('a')], second, second)
  assert.deepEqual([a.requests, a.errors, a.invokes, a.minMs, a.maxMs], [4, 2, 2, 20, 40])
  const b = totalsOf([subject.windowFor('b')], second, second)
  assert.deepEqual([b.requests, b.errors, b.invokes], [1, 0, 0])
})

test('recent errors come from the events, and subscribeErrors follows them live', (t) => {
  const { events, subject } = telemetry()
  t.after(() => subject.close())
  const heard: string[] = []
  const unsubscribe = subject.subscribeErrors((entry) => heard.push(entry.code))
  events.requestEnded.publish({ poolId: 'a', requestId: 'r1', kind: 'rejected', reason: 'queue-full' })
  unsubscribe()
  events.instanceStartTimedOut.publish({ poolId: 'a', lambdaId: 'L', waitedMs: 1 })
  assert.deepEqual(heard, ['LD_QUEUE_FULL'])
  assert.deepEqual(
    subject.recentErrors().map(({ code, timeMs }) => [code, timeMs]),
    [
      ['LD_QUEUE_FULL', NOW_MS],
      ['instance_start_timeout', NOW_MS],
    ],
  )
})

test("with EMF on, close() writes the minute's document: the pool's counts and the distributions from events", () => {
  const { events, subject, emfLines } = telemetry({ emf: true })
  events.poolOpened.publish({ poolId: 'a', snapshot: () => snapshotOf('a', 3) })
  events.requestDispatched.publish({ poolId: 'a', requestId: 'r1', lambdaId: 'L', channelId: 'C', queuedMs: 12 })
  events.requestDispatched.publish({ poolId: 'a', requestId: 'r2', lambdaId: 'L', channelId: 'C', queuedMs: undefined })
  events.requestEnded.publish({ poolId: 'a', requestId: 'r1', kind: 'completed', status: 200, durationMs: 34 })
  events.requestEnded.publish({ poolId: 'a', requestId: 'r2', kind: 'rejected', reason: 'queue-full' })
  events.instanceStateChanged.publish({ poolId: 'a', lambdaId: 'L', from: 'starting', to: 'open', ageMs: 56 })
  events.instanceStateChanged.publish({ poolId: 'a', lambdaId: 'L', from: 'open', to: 'draining', ageMs: 78 })
  events.invokeStarted.publish({ poolId: 'a', lambdaId: 'L', kind: 'instance' })
  assert.equal(emfLines.length, 0, 'nothing is written before the minute ends or the router closes')
  subject.close()
  subject.close()
  assert.equal(emfLines.length, 1, 'close() writes once')
  const document = JSON.parse(emfLines[0] as string) as Record<string, unknown>
  assert.deepEqual(
    {
      Pool: document.Pool,
      FunctionName: document.FunctionName,
      RequestCount: document.RequestCount,
      RequestErrorCount: document.RequestErrorCount,
      LambdaInvokeCount: document.LambdaInvokeCount,
      PendingRequestCount: document.PendingRequestCount,
      DispatchDelay: document.DispatchDelay,
      RequestDuration: document.RequestDuration,
      LambdaOpenDelay: document.LambdaOpenDelay,
    },
    {
      Pool: 'a',
      FunctionName: 'fn-a',
      RequestCount: 2,
      RequestErrorCount: 1,
      LambdaInvokeCount: 1,
      PendingRequestCount: 3,
      DispatchDelay: [12],
      RequestDuration: [34],
      LambdaOpenDelay: [56],
    },
  )
})

test('without EMF, close() writes nothing and events still reach the other subscribers', async () => {
  const { events, subject, emfLines, scrape } = telemetry()
  subject.close()
  events.connectionDropped.publish({ reason: 'max-connections' })
  assert.equal(emfLines.length, 0)
  assert.equal((await scrape()).value(`${P}connections_dropped_total`, { reason: 'max-connections' }), 1)
})
