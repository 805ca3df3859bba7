// Table tests for the invoke lifetime policy: deadline margin, hard stop, effective deadline, idle decisions,
// staleness, reconnect backoff and which ExitReason an invoke reports.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  closeMarginMs,
  connectAttemptTimeoutMs,
  deadlineMarginMs,
  deadlineSchedule,
  decideIdle,
  effectiveDeadlineMs,
  exitReasonForRouterStatus,
  functionTimeoutMs,
  hardStopMarginMs,
  isFailureExitReason,
  isStaleInvoke,
  mergeExitReason,
  reconnectDelayMs,
  refuseMarginMs,
  shutdownHardStopAtMs,
  timerDelayMs,
} from '../../../src/extension/lifetime.js'
import type { ExitReason } from '../../../src/protocol/index.js'

const SECOND = 1_000
const MINUTE = 60_000

const margins: Array<{ name: string; timeoutMs: number; marginMs: number }> = [
  { name: 'a 3 s function keeps three quarters of its time', timeoutMs: 3 * SECOND, marginMs: 750 },
  { name: 'a 10 s function closes 2.5 s early', timeoutMs: 10 * SECOND, marginMs: 2_500 },
  { name: 'from 20 s the short-function margin caps at 5 s', timeoutMs: 20 * SECOND, marginMs: 5 * SECOND },
  { name: 'just under a minute still 5 s', timeoutMs: MINUTE - 1, marginMs: 5 * SECOND },
  { name: 'one minute: 15 s, like the original', timeoutMs: MINUTE, marginMs: 15 * SECOND },
  { name: 'five minutes: 15 s', timeoutMs: 5 * MINUTE, marginMs: 15 * SECOND },
  { name: 'just over five minutes: 30 s', timeoutMs: 5 * MINUTE + 1, marginMs: 30 * SECOND },
  { name: 'ten minutes: 30 s', timeoutMs: 10 * MINUTE, marginMs: 30 * SECOND },
  { name: 'fifteen minutes: 60 s', timeoutMs: 15 * MINUTE, marginMs: 60 * SECOND },
  { name: 'an unknown (0) timeout closes at once', timeoutMs: 0, marginMs: 0 },
]
for (const row of margins) {
  test(`deadline margin: ${row.name}`, () => assert.equal(deadlineMarginMs(row.timeoutMs), row.marginMs))
}

test('the hard stop comes 1 s before the deadline, or half the margin when that is smaller', () => {
  assert.equal(hardStopMarginMs(15 * SECOND), SECOND)
  assert.equal(hardStopMarginMs(2 * SECOND), SECOND)
  assert.equal(hardStopMarginMs(1_500), 750)
  assert.equal(hardStopMarginMs(0), 0)
})

const refuseMargins: Array<{ name: string; closeMarginMs: number; refuseMs: number }> = [
  {
    name: 'a 60 s function (5 s margin) stops taking requests 3 s before, 2 s ahead of the hard stop',
    closeMarginMs: 5 * SECOND,
    refuseMs: 3 * SECOND,
  },
  {
    name: 'a 12 s function (3 s margin) stops taking requests 2 s before',
    closeMarginMs: 3 * SECOND,
    refuseMs: 2 * SECOND,
  },
  {
    name: 'a 4 s function (1 s margin) stops 750 ms before, 250 ms ahead of the hard stop',
    closeMarginMs: SECOND,
    refuseMs: 750,
  },
  { name: 'a 1.5 s margin stops 1125 ms before', closeMarginMs: 1_500, refuseMs: 1_125 },
  { name: 'no margin: no time to refuse ahead of the deadline', closeMarginMs: 0, refuseMs: 0 },
]

for (const { name, closeMarginMs, refuseMs } of refuseMargins) {
  test(`refuse margin: ${name}`, () => {
    assert.equal(refuseMarginMs(closeMarginMs), refuseMs)
    assert.ok(refuseMs <= closeMarginMs && refuseMs >= hardStopMarginMs(closeMarginMs), 'between close and hard stop')
  })
}

const DEADLINE = 1_700_000_000_000

const schedules: Array<{
  name: string
  closeMarginMs: number
  closeAtMs: number
  refuseAtMs: number
  hardStopAtMs: number
}> = [
  {
    name: 'a 10 s function (2.5 s margin): close 2.5 s, refuse 1.75 s, hard stop 1 s before the deadline',
    closeMarginMs: 2_500,
    closeAtMs: DEADLINE - 2_500,
    refuseAtMs: DEADLINE - 1_750,
    hardStopAtMs: DEADLINE - SECOND,
  },
  {
    name: 'a 15 min function (60 s margin): the hard stop stays 1 s before',
    closeMarginMs: 60 * SECOND,
    closeAtMs: DEADLINE - 60 * SECOND,
    refuseAtMs: DEADLINE - 30_500,
    hardStopAtMs: DEADLINE - SECOND,
  },
  {
    name: 'a 1 s margin: hard stop at half of it',
    closeMarginMs: SECOND,
    closeAtMs: DEADLINE - SECOND,
    refuseAtMs: DEADLINE - 750,
    hardStopAtMs: DEADLINE - 500,
  },
  {
    name: 'no margin: every timer at the deadline itself',
    closeMarginMs: 0,
    closeAtMs: DEADLINE,
    refuseAtMs: DEADLINE,
    hardStopAtMs: DEADLINE,
  },
]

for (const row of schedules) {
  test(`deadline schedule: ${row.name}`, () => {
    const schedule = deadlineSchedule(DEADLINE, row.closeMarginMs)
    assert.deepEqual(schedule, {
      closeAtMs: row.closeAtMs,
      refuseAtMs: row.refuseAtMs,
      hardStopAtMs: row.hardStopAtMs,
    })
    assert.ok(schedule.closeAtMs <= schedule.refuseAtMs && schedule.refuseAtMs <= schedule.hardStopAtMs, 'in order')
  })
}

const delays: Array<{ name: string; atMs: number; nowMs: number; delayMs: number }> = [
  { name: 'a time ahead is the difference', atMs: 1_500, nowMs: 1_000, delayMs: 500 },
  { name: 'now fires at once', atMs: 1_000, nowMs: 1_000, delayMs: 0 },
  { name: 'a time already past fires at once, never negative', atMs: 900, nowMs: 1_000, delayMs: 0 },
]

for (const row of delays) {
  test(`timer delay: ${row.name}`, () => assert.equal(timerDelayMs(row.atMs, row.nowMs), row.delayMs))
}

test('a shutdown hard stop leaves 300 ms before the shutdown deadline to post the result', () => {
  assert.equal(shutdownHardStopAtMs(DEADLINE), DEADLINE - 300)
})

test('a configured margin wins over the scaled one', () => {
  assert.equal(closeMarginMs({ configuredMarginMs: 1_234, functionTimeoutMs: 15 * MINUTE }), 1_234)
  assert.equal(closeMarginMs({ configuredMarginMs: undefined, functionTimeoutMs: 15 * MINUTE }), 60 * SECOND)
})

const deadlines: Array<{
  name: string
  input: Parameters<typeof effectiveDeadlineMs>[0]
  expectedMs: number
}> = [
  {
    name: "Lambda's deadline is used as it is",
    input: { lambdaDeadlineMs: 100_000 + 30 * SECOND, nowMs: 100_000, forceDeadlineMs: undefined },
    expectedMs: 130_000,
  },
  {
    name: 'a deadline more than 15 min away is trimmed to 60 s',
    input: { lambdaDeadlineMs: 100_000 + 16 * MINUTE, nowMs: 100_000, forceDeadlineMs: undefined },
    expectedMs: 160_000,
  },
  {
    name: 'exactly 15 min away is kept',
    input: { lambdaDeadlineMs: 100_000 + 15 * MINUTE, nowMs: 100_000, forceDeadlineMs: undefined },
    expectedMs: 100_000 + 15 * MINUTE,
  },
  {
    name: 'LAMBDA_DISPATCH_FORCE_DEADLINE overrides it',
    input: { lambdaDeadlineMs: 100_000 + 5 * MINUTE, nowMs: 100_000, forceDeadlineMs: 2 * SECOND },
    expectedMs: 102_000,
  },
  {
    name: 'a forced deadline of 0 means no override',
    input: { lambdaDeadlineMs: 130_000, nowMs: 100_000, forceDeadlineMs: 0 },
    expectedMs: 130_000,
  },
]
for (const row of deadlines) {
  test(`effective deadline: ${row.name}`, () => assert.equal(effectiveDeadlineMs(row.input), row.expectedMs))
}

test('the function timeout is the configured one, else the time left when the invoke arrived', () => {
  assert.equal(functionTimeoutMs({ configuredMs: 900_000, deadlineMs: 130_000, invokeStartMs: 100_000 }), 900_000)
  assert.equal(functionTimeoutMs({ configuredMs: undefined, deadlineMs: 130_000, invokeStartMs: 100_000 }), 30_000)
  assert.equal(functionTimeoutMs({ configuredMs: undefined, deadlineMs: 90_000, invokeStartMs: 100_000 }), 0)
})

test('an invoke is stale only in a local environment and only when sent more than 5 s ago', () => {
  assert.equal(isStaleInvoke({ localEnv: true, sentTimeMs: 0, nowMs: 5_001 }), true)
  assert.equal(isStaleInvoke({ localEnv: true, sentTimeMs: 0, nowMs: 5_000 }), false)
  assert.equal(isStaleInvoke({ localEnv: false, sentTimeMs: 0, nowMs: 60_000 }), false)
})

const idle: Array<{ name: string; input: Parameters<typeof decideIdle>[0]; expected: ReturnType<typeof decideIdle> }> =
  [
    {
      name: 'nothing opened yet: not started',
      input: { nowMs: 10_000, lastActiveAtMs: 0, inFlight: 0, graceMs: 250 },
      expected: { kind: 'not-started' },
    },
    {
      name: 'a request in flight: busy, however long ago the last activity',
      input: { nowMs: 10_000, lastActiveAtMs: 1, inFlight: 1, graceMs: 250 },
      expected: { kind: 'busy' },
    },
    {
      name: 'idle for less than the grace: wait the rest',
      input: { nowMs: 1_100, lastActiveAtMs: 1_000, inFlight: 0, graceMs: 250 },
      expected: { kind: 'wait', delayMs: 150 },
    },
    {
      name: 'idle for exactly the grace: close',
      input: { nowMs: 1_250, lastActiveAtMs: 1_000, inFlight: 0, graceMs: 250 },
      expected: { kind: 'close' },
    },
  ]
for (const row of idle) {
  test(`idle decision: ${row.name}`, () => assert.deepEqual(decideIdle(row.input), row.expected))
}

const merges: Array<{ name: string; current: ExitReason | undefined; next: ExitReason; expected: ExitReason }> = [
  { name: 'the first cause is taken', current: undefined, next: 'SelfLastActive', expected: 'SelfLastActive' },
  {
    name: "a deadline close stays SelfDeadline when the router's goaways follow",
    current: 'SelfDeadline',
    next: 'RouterGoAway',
    expected: 'SelfDeadline',
  },
  {
    name: 'an idle close stays SelfLastActive when the hard stop follows',
    current: 'SelfLastActive',
    next: 'SelfDeadline',
    expected: 'SelfLastActive',
  },
  {
    name: 'a failure after a normal close replaces it',
    current: 'SelfDeadline',
    next: 'RouterConnectionError',
    expected: 'RouterConnectionError',
  },
  {
    name: 'a worse failure replaces a lesser one',
    current: 'RouterStatus5xx',
    next: 'RouterUnreachable',
    expected: 'RouterUnreachable',
  },
  {
    name: 'a lesser failure does not replace a worse one',
    current: 'RouterUnreachable',
    next: 'AppConnectionError',
    expected: 'RouterUnreachable',
  },
  {
    name: 'a normal cause never replaces a failure',
    current: 'AppConnectionError',
    next: 'RouterGoAway',
    expected: 'AppConnectionError',
  },
]
for (const row of merges) {
  test(`exit reason: ${row.name}`, () => assert.equal(mergeExitReason(row.current, row.next), row.expected))
}

test('failures are the reasons worse than RouterGoAway', () => {
  assert.equal(isFailureExitReason('RouterStatusOther'), true)
  assert.equal(isFailureExitReason('RouterGoAway'), false)
  assert.equal(isFailureExitReason('SelfInitOnly'), false)
})

test('a router status maps to the 5xx, 4xx or other reason (the original mapped "other" to 4xx)', () => {
  assert.equal(exitReasonForRouterStatus(503), 'RouterStatus5xx')
  assert.equal(exitReasonForRouterStatus(404), 'RouterStatus4xx')
  assert.equal(exitReasonForRouterStatus(302), 'RouterStatusOther')
})

test('reconnect backoff doubles from 50 ms and caps at 1 s', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10].map(reconnectDelayMs), [0, 50, 100, 200, 400, 800, 1_000, 1_000])
})

const connectAttempts: Array<{ name: string; attempt: number; nowMs: number; expected: number | undefined }> = [
  { name: 'the first attempt gets the configured timeout', attempt: 1, nowMs: 0, expected: 1_000 },
  { name: 'the first attempt is made even with no time left', attempt: 1, nowMs: 20_000, expected: 1_000 },
  { name: 'the second attempt gets twice the time', attempt: 2, nowMs: 0, expected: 2_000 },
  { name: 'the third attempt gets four times the time', attempt: 3, nowMs: 0, expected: 4_000 },
  { name: 'a later attempt ends when the invoke stops taking requests', attempt: 3, nowMs: 8_500, expected: 1_500 },
  { name: 'no later attempt once the stop point passed', attempt: 2, nowMs: 10_000, expected: undefined },
  { name: 'no attempt beyond the configured count', attempt: 4, nowMs: 0, expected: undefined },
]

for (const { name, attempt, nowMs, expected } of connectAttempts) {
  test(`router connect attempt: ${name}`, () => {
    assert.equal(
      connectAttemptTimeoutMs({ attempt, attempts: 3, baseTimeoutMs: 1_000, nowMs, stopAtMs: 10_000 }),
      expected,
    )
  })
}
