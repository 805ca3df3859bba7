// The deadline timers of one invoke (issue 15 item 5), on a scripted clock: which handler fires when, a shutdown
// moving the hard stop earlier (never later), the drain timeout, and nothing at all after close().
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  type DeadlineTimers,
  type InvokeDeadlineHandlers,
  InvokeDeadlines,
} from '../../../src/extension/invoke-deadlines.js'
import { deadlineSchedule } from '../../../src/extension/lifetime.js'

/** A clock that moves only when the test says so; due timers fire in time order as it passes them. */
class ScriptedTimers implements DeadlineTimers {
  nowMs: number
  readonly #pending: Array<{ atMs: number; order: number; fire: () => void }> = []
  #order = 0

  constructor(nowMs: number) {
    this.nowMs = nowMs
  }

  now(): number {
    return this.nowMs
  }

  setTimer(fire: () => void, delayMs: number): () => void {
    const timer = { atMs: this.nowMs + delayMs, order: this.#order++, fire }
    this.#pending.push(timer)
    return () => {
      const index = this.#pending.indexOf(timer)
      if (index !== -1) this.#pending.splice(index, 1)
    }
  }

  get pendingCount(): number {
    return this.#pending.length
  }

  /** Moves the clock to `toMs`, firing every timer due by then, earliest first. */
  advanceTo(toMs: number): void {
    for (;;) {
      const due = this.#pending
        .filter((timer) => timer.atMs <= toMs)
        .sort((a, b) => a.atMs - b.atMs || a.order - b.order)[0]
      if (due === undefined) break
      this.#pending.splice(this.#pending.indexOf(due), 1)
      this.nowMs = due.atMs
      due.fire()
    }
    this.nowMs = toMs
  }
}

const START_MS = 1_700_000_000_000
// A 10 s function: close margin 2.5 s, refuse 1.75 s before the deadline, hard stop 1 s before.
const DEADLINE_MS = START_MS + 10_000
const MARGIN_MS = 2_500

function setUp(): { timers: ScriptedTimers; deadlines: InvokeDeadlines; fired: Array<{ what: string; atMs: number }> } {
  const timers = new ScriptedTimers(START_MS)
  const fired: Array<{ what: string; atMs: number }> = []
  const record = (what: string) => () => fired.push({ what, atMs: timers.nowMs - START_MS })
  const handlers: InvokeDeadlineHandlers = {
    onCloseDue: record('close'),
    onRefuseDue: record('refuse'),
    onHardStop: record('hard-stop'),
    onDrainTimeout: record('drain-timeout'),
  }
  return { timers, deadlines: new InvokeDeadlines(deadlineSchedule(DEADLINE_MS, MARGIN_MS), handlers, timers), fired }
}

test('nothing fires before arm()', () => {
  const { timers, deadlines, fired } = setUp()
  timers.advanceTo(DEADLINE_MS + 60_000)
  assert.deepEqual(fired, [])
  assert.equal(deadlines.state, 'pending')
})

test('armed deadlines fire close, then refuse, then the hard stop, at the scheduled times', () => {
  const { timers, deadlines, fired } = setUp()
  deadlines.arm()
  assert.equal(deadlines.state, 'armed')
  timers.advanceTo(DEADLINE_MS)
  assert.deepEqual(fired, [
    { what: 'close', atMs: 7_500 },
    { what: 'refuse', atMs: 8_250 },
    { what: 'hard-stop', atMs: 9_000 },
  ])
})

test('a deadline already past when armed fires at once, in schedule order', () => {
  const { timers, deadlines, fired } = setUp()
  timers.advanceTo(DEADLINE_MS + 5_000)
  deadlines.arm()
  timers.advanceTo(timers.nowMs)
  assert.deepEqual(
    fired.map((event) => event.what),
    ['close', 'refuse', 'hard-stop'],
  )
})

test('a shutdown moves the hard stop earlier, before or after arm(), and a later one never moves it back', () => {
  const { timers, deadlines, fired } = setUp()
  deadlines.moveHardStop(START_MS + 3_000)
  deadlines.arm()
  assert.equal(deadlines.hardStopAtMs, START_MS + 3_000, 'arm() keeps the earlier shutdown hard stop')
  deadlines.moveHardStop(START_MS + 4_000)
  deadlines.moveHardStop(START_MS + 2_000)
  timers.advanceTo(DEADLINE_MS)
  assert.deepEqual(
    fired.filter((event) => event.what === 'hard-stop'),
    [{ what: 'hard-stop', atMs: 2_000 }],
  )
})

test('the drain timeout fires once after its delay, and a cancelled one never fires', () => {
  const drained = setUp()
  drained.timers.advanceTo(START_MS + 1_000)
  drained.deadlines.startDrain(500)
  drained.deadlines.startDrain(100)
  drained.timers.advanceTo(START_MS + 5_000)
  assert.deepEqual(drained.fired, [{ what: 'drain-timeout', atMs: 1_500 }])

  const cancelled = setUp()
  cancelled.deadlines.startDrain(500)
  cancelled.deadlines.cancelDrain()
  cancelled.deadlines.startDrain(500)
  cancelled.timers.advanceTo(START_MS + 5_000)
  assert.deepEqual(cancelled.fired, [])
})

test('close() clears every timer: nothing fires after it, and nothing can be armed again', () => {
  const { timers, deadlines, fired } = setUp()
  deadlines.arm()
  deadlines.startDrain(1_000)
  deadlines.close()
  assert.equal(timers.pendingCount, 0)
  deadlines.arm()
  deadlines.moveHardStop(START_MS + 100)
  deadlines.startDrain(100)
  assert.equal(timers.pendingCount, 0)
  timers.advanceTo(DEADLINE_MS + 60_000)
  assert.deepEqual(fired, [])
  assert.equal(deadlines.state, 'closed')
})
