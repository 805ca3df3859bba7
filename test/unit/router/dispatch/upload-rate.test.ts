// Issue 12 item 4: the request body's minimum data rate, as a deadline that arriving bytes push forward. Table tests.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  firstRateDeadlineMs,
  nextRateDeadlineMs,
  RequestBodyClock,
  type RequestBodyLimits,
} from '../../../../src/router/dispatch/upload-rate.js'

const KESTREL: RequestBodyLimits = { timeoutMs: 0, minBytesPerSecond: 240, minRateGraceMs: 5000 }

test('the first deadline is one grace period after the upload starts', () => {
  assert.equal(firstRateDeadlineMs(1000, KESTREL), 6000)
})

const cases: { name: string; deadlineMs: number; nowMs: number; bytes: number; expected: number }[] = [
  { name: '240 bytes buy one second', deadlineMs: 5000, nowMs: 1000, bytes: 240, expected: 6000 },
  { name: 'one byte buys 1/240 s', deadlineMs: 5000, nowMs: 4000, bytes: 1, expected: 5000 + 1000 / 240 },
  { name: 'credit is capped one grace period ahead', deadlineMs: 5000, nowMs: 1000, bytes: 1_000_000, expected: 6000 },
  {
    name: 'a late byte counts from now, not the missed deadline',
    deadlineMs: 5000,
    nowMs: 5010,
    bytes: 24,
    expected: 5110,
  },
  { name: 'an empty chunk buys nothing', deadlineMs: 5000, nowMs: 1000, bytes: 0, expected: 5000 },
]

for (const row of cases) {
  test(`rate deadline: ${row.name}`, () => {
    assert.equal(nextRateDeadlineMs(row.deadlineMs, row.nowMs, row.bytes, KESTREL), row.expected)
  })
}

test('a trickle of one byte every 8 s falls behind at once; 1200-byte bursts every 4.9 s (just over 240 B/s) keep up', () => {
  let trickle = firstRateDeadlineMs(0, KESTREL)
  trickle = nextRateDeadlineMs(trickle, 4000, 1, KESTREL)
  assert.ok(trickle < 8000, 'the next byte at 8 s is too late')
  let bursts = firstRateDeadlineMs(0, KESTREL)
  for (let nowMs = 4900; nowMs < 60_000; nowMs += 4900) {
    assert.ok(nowMs < bursts, `burst at ${nowMs} ms is in time`)
    bursts = nextRateDeadlineMs(bursts, nowMs, 1200, KESTREL)
  }
})

test('a fast start does not pay for a trickle later', () => {
  let deadline = nextRateDeadlineMs(firstRateDeadlineMs(0, KESTREL), 100, 10_000_000, KESTREL)
  assert.equal(deadline, 5100)
  deadline = nextRateDeadlineMs(deadline, 5000, 1, KESTREL)
  assert.ok(deadline < 10_000)
})

test('the clock: the total deadline and the rate deadline each expire, and the rate stops while the router holds the body back', () => {
  const limits: RequestBodyLimits = { timeoutMs: 60_000, minBytesPerSecond: 240, minRateGraceMs: 5000 }
  const clock = new RequestBodyClock(limits, 0)
  assert.equal(clock.dueMs, 5000)
  assert.equal(clock.expired(4999), undefined)
  assert.equal(clock.expired(5000), 'too-slow')
  clock.onBytes(240, 1000)
  assert.equal(clock.dueMs, 6000)
  clock.pause(2000)
  assert.equal(clock.dueMs, 60_000, 'only the total deadline runs while paused')
  assert.equal(clock.expired(50_000), undefined)
  clock.resume(50_000)
  assert.equal(clock.dueMs, 54_000, 'the 48 s held back are added')
  assert.equal(clock.expired(60_000), 'timeout')
})

test('the clock: limits of 0 never expire', () => {
  const clock = new RequestBodyClock({ timeoutMs: 0, minBytesPerSecond: 0, minRateGraceMs: 5000 }, 0)
  assert.equal(clock.dueMs, Number.POSITIVE_INFINITY)
  clock.onBytes(1, 1)
  assert.equal(clock.expired(1e12), undefined)
})
