// The dashboard's recent errors (issue 15 item 1), a subscriber of the router's events: which events make an entry
// and what it says (table), then the list's bound (oldest dropped first) and its live listeners.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  AppStartFailedError,
  HeadTimeoutError,
  InvokeThrottledError,
  RouterClosingError,
  TunnelOrderingError,
  UpstreamClosedError,
} from '../../../../src/router/errors.js'
import { RouterEvents } from '../../../../src/router/events.js'
import { type RecentError, RecentErrors } from '../../../../src/router/telemetry/recent-errors.js'

const NOW_MS = 1_700_000_000_000

function recorded(options: { limit?: number } = {}) {
  const events = new RouterEvents()
  const clock = { nowMs: NOW_MS }
  const recent = new RecentErrors(events, { now: () => clock.nowMs, ...options })
  return { events, clock, recent }
}

const throttled = new InvokeThrottledError('fn', 'TooManyRequestsException', 429)
const headTimeout = new HeadTimeoutError('L', 'C', 120_000)
const upstreamClosed = new UpstreamClosedError('L', 'C', true)
const appStart = new AppStartFailedError('p', 'fn', 'Runtime.ExitError', 'exit status 1')
const ordering = new TunnelOrderingError('L', 'C')

const cases: ReadonlyArray<{
  readonly name: string
  readonly publish: (events: RouterEvents) => void
  readonly entries: ReadonlyArray<Omit<RecentError, 'timeMs'>>
}> = [
  {
    name: 'a request refused for a full queue or no capacity is an entry; one refused while closing or aborted is not',
    publish: (events) => {
      events.requestEnded.publish({ poolId: 'p', requestId: 'r1', kind: 'rejected', reason: 'queue-full' })
      events.requestEnded.publish({ poolId: 'p', requestId: 'r2', kind: 'rejected', reason: 'no-capacity' })
      events.requestEnded.publish({ poolId: 'p', requestId: 'r3', kind: 'rejected', reason: 'closing' })
      events.requestEnded.publish({ poolId: 'p', requestId: 'r4', kind: 'rejected', reason: 'aborted' })
    },
    entries: [
      { code: 'LD_QUEUE_FULL', poolId: 'p', message: 'the request queue is full', requestId: 'r1' },
      { code: 'LD_NO_CAPACITY', poolId: 'p', message: 'the pool cannot start instances now', requestId: 'r2' },
    ],
  },
  {
    name: 'a timed-out, failed or dropped request is an entry with its error; a drop for closing is not',
    publish: (events) => {
      events.requestEnded.publish({
        poolId: 'p',
        requestId: 'r1',
        kind: 'timed-out',
        phase: 'head',
        error: headTimeout,
      })
      events.requestEnded.publish({
        poolId: 'p',
        requestId: 'r2',
        kind: 'failed',
        failure: 'upstream_closed',
        error: upstreamClosed,
      })
      events.requestEnded.publish({
        poolId: 'p',
        requestId: 'r3',
        kind: 'dropped',
        reason: 'app-start-failed',
        error: appStart,
      })
      events.requestEnded.publish({
        poolId: 'p',
        requestId: 'r4',
        kind: 'dropped',
        reason: 'closing',
        error: new RouterClosingError(),
      })
    },
    entries: [
      { code: 'LD_HEAD_TIMEOUT', poolId: 'p', message: headTimeout.message, requestId: 'r1' },
      { code: 'LD_UPSTREAM_CLOSED', poolId: 'p', message: upstreamClosed.message, requestId: 'r2' },
      { code: 'LD_APP_START_FAILED', poolId: 'p', message: appStart.message, requestId: 'r3' },
    ],
  },
  {
    name: 'completed and client-aborted requests are no errors',
    publish: (events) => {
      events.requestEnded.publish({ poolId: 'p', requestId: 'r1', kind: 'completed', status: 503, durationMs: 1 })
      events.requestEnded.publish({ poolId: 'p', requestId: 'r2', kind: 'aborted', phase: 'queued' })
    },
    entries: [],
  },
  {
    name: 'an ordering violation is an entry naming the instance',
    publish: (events) => events.tunnelOrderingViolated.publish({ poolId: 'p', error: ordering }),
    entries: [{ code: 'LD_TUNNEL_ORDERING', poolId: 'p', message: ordering.message, lambdaId: 'L' }],
  },
  {
    name: 'control-channel HTTP/2 trouble is a router-wide entry, worded by its error or else by its kind',
    publish: (events) => {
      events.http2Error.publish({ kind: 'frame_error', detail: { err: new Error('bad frame size') } })
      events.http2Error.publish({ kind: 'bad_preface', detail: {} })
    },
    entries: [
      { code: 'http2_frame_error', poolId: undefined, message: 'bad frame size' },
      { code: 'http2_bad_preface', poolId: undefined, message: 'control channel: bad preface' },
    ],
  },
  {
    name: 'a refused control request is an entry the first time for its instance only',
    publish: (events) => {
      events.controlAuthRefused.publish({ poolId: 'p', lambdaId: 'L', route: 'ping', reason: 'wrong', first: true })
      events.controlAuthRefused.publish({ poolId: 'p', lambdaId: 'L', route: 'close', reason: 'missing', first: false })
    },
    entries: [
      {
        code: 'control_auth_refused',
        poolId: 'p',
        message: 'a ping control request had a wrong channel token',
        lambdaId: 'L',
      },
    ],
  },
  {
    name: 'a start timeout is an entry with the time waited',
    publish: (events) => events.instanceStartTimedOut.publish({ poolId: 'p', lambdaId: 'L', waitedMs: 30_000 }),
    entries: [
      {
        code: 'instance_start_timeout',
        poolId: 'p',
        message: 'instance did not connect back within 30000 ms',
        lambdaId: 'L',
      },
    ],
  },
  {
    name: 'a failed invoke is an entry by its LD_ code, else by its result; completed and aborted ones are not',
    publish: (events) => {
      events.invokeReturned.publish({ poolId: 'p', lambdaId: 'L1', result: 'completed', durationMs: 1 })
      events.invokeReturned.publish({
        poolId: 'p',
        lambdaId: 'L2',
        result: 'aborted',
        durationMs: 1,
        err: new Error('x'),
      })
      events.invokeReturned.publish({ poolId: 'p', lambdaId: 'L3', result: 'throttled', durationMs: 1, err: throttled })
      events.invokeReturned.publish({
        poolId: 'p',
        lambdaId: 'L4',
        result: 'failed',
        durationMs: 1,
        err: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      })
      events.invokeReturned.publish({
        poolId: 'p',
        lambdaId: 'L5',
        result: 'function_error',
        durationMs: 1,
        functionError: 'Unhandled',
      })
      events.invokeReturned.publish({ poolId: 'p', lambdaId: 'L6', result: 'failed', durationMs: 1 })
    },
    entries: [
      { code: 'LD_INVOKE_THROTTLED', poolId: 'p', message: throttled.message, lambdaId: 'L3' },
      { code: 'invoke_failed', poolId: 'p', message: 'socket hang up', lambdaId: 'L4' },
      { code: 'invoke_function_error', poolId: 'p', message: 'Unhandled', lambdaId: 'L5' },
      { code: 'invoke_failed', poolId: 'p', message: 'invoke failed', lambdaId: 'L6' },
    ],
  },
]

for (const row of cases) {
  test(row.name, () => {
    const subject = recorded()
    row.publish(subject.events)
    assert.deepEqual(
      subject.recent.list(),
      row.entries.map((entry) => ({ timeMs: NOW_MS, ...entry })),
    )
  })
}

test('each entry is stamped with the wall clock when it was recorded', () => {
  const subject = recorded()
  for (const [offsetMs, lambdaId] of [
    [0, 'L1'],
    [1_500, 'L2'],
  ] as const) {
    subject.clock.nowMs = NOW_MS + offsetMs
    subject.events.instanceStartTimedOut.publish({ poolId: 'p', lambdaId, waitedMs: 1 })
  }
  assert.deepEqual(
    subject.recent.list().map(({ timeMs, lambdaId }) => [timeMs, lambdaId]),
    [
      [NOW_MS, 'L1'],
      [NOW_MS + 1_500, 'L2'],
    ],
  )
})

test('the list keeps the newest entries up to its limit, oldest first, dropping the oldest', () => {
  const subject = recorded({ limit: 3 })
  for (const lambdaId of ['L1', 'L2', 'L3', 'L4', 'L5']) {
    subject.events.instanceStartTimedOut.publish({ poolId: 'p', lambdaId, waitedMs: 1 })
  }
  assert.deepEqual(
    subject.recent.list().map(({ lambdaId }) => lambdaId),
    ['L3', 'L4', 'L5'],
  )
})

test('the list is a copy: changing it changes nothing recorded', () => {
  const subject = recorded()
  subject.events.instanceStartTimedOut.publish({ poolId: 'p', lambdaId: 'L', waitedMs: 1 })
  const list = subject.recent.list() as RecentError[]
  list.pop()
  assert.equal(subject.recent.list().length, 1)
})

test('listeners hear each entry as it is recorded, until they unsubscribe', () => {
  const subject = recorded()
  const heard: string[] = []
  const unsubscribe = subject.recent.subscribe((entry) => heard.push(`${entry.code} ${entry.lambdaId}`))
  subject.events.instanceStartTimedOut.publish({ poolId: 'p', lambdaId: 'L1', waitedMs: 1 })
  subject.events.requestEnded.publish({ poolId: 'p', requestId: 'r', kind: 'aborted', phase: 'running' })
  subject.events.instanceStartTimedOut.publish({ poolId: 'p', lambdaId: 'L2', waitedMs: 1 })
  unsubscribe()
  subject.events.instanceStartTimedOut.publish({ poolId: 'p', lambdaId: 'L3', waitedMs: 1 })
  assert.deepEqual(heard, ['instance_start_timeout L1', 'instance_start_timeout L2'])
  assert.equal(subject.recent.list().length, 3)
})
