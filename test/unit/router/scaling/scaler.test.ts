import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { ScaleSnapshot } from '../../../../src/router/scaling/decide.js'
import { addArrival, addCompletion, advanceEwma, initialEwmaState } from '../../../../src/router/scaling/ewma.js'
import { DEFAULT_SCALING_POLICY, type ScalingPolicy } from '../../../../src/router/scaling/policy.js'
import { Scaler, type ScalerHooks } from '../../../../src/router/scaling/scaler.js'

// A pool stand-in at the scaler's boundary: it keeps counts, records every hook call in order, and lets a test wait
// for a condition instead of for time.
class FakePool implements ScalerHooks {
  counts: ScaleSnapshot = {
    pendingRequests: 0,
    runningRequests: 0,
    startingInstances: 0,
    openInstances: 0,
    stoppingInstances: 0,
  }
  readonly calls: string[] = []
  snapshots = 0
  throwOnNextStart = false
  #waiters: Array<{ ready: () => boolean; resolve: () => void }> = []

  snapshot(): ScaleSnapshot {
    this.snapshots++
    this.#wake()
    return { ...this.counts }
  }

  startInstances(count: number): void {
    if (this.throwOnNextStart) {
      this.throwOnNextStart = false
      this.calls.push(`start ${count} threw`)
      this.#wake()
      throw new Error('pool is busy')
    }
    this.calls.push(`start ${count}`)
    this.counts = { ...this.counts, startingInstances: this.counts.startingInstances + count }
    this.#wake()
  }

  stopInstances(count: number): void {
    this.calls.push(`stop ${count}`)
    this.counts = { ...this.counts, openInstances: this.counts.openInstances - count }
    this.#wake()
  }

  set(changes: Partial<ScaleSnapshot>): void {
    this.counts = { ...this.counts, ...changes }
  }

  /** Resolves once `ready()` holds after some hook call (checked right away too). */
  until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ ready, resolve }))
  }

  #wake(): void {
    queueMicrotask(() => {
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.ready()) return true
        waiter.resolve()
        return false
      })
    })
  }
}

const fastPolicy: ScalingPolicy = {
  ...DEFAULT_SCALING_POLICY,
  scaleInDelayMs: 20,
  minScaleIntervalMs: 30,
  reevaluateIntervalMs: 10,
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function countTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout' || kind === 'Immediate').length
}

test('a new scaler brings the pool up to minInstances on its first turn', async (t) => {
  const pool = new FakePool()
  const scaler = new Scaler({ ...fastPolicy, minInstances: 2 }, pool)
  t.after(() => scaler.close())
  await pool.until(() => pool.calls.length === 1)
  assert.deepEqual(pool.calls, ['start 2'])
  assert.equal(scaler.desiredInstances, 2)
})

test('many notifications in one turn make one decision', async (t) => {
  const pool = new FakePool()
  const scaler = new Scaler(fastPolicy, pool)
  t.after(() => scaler.close())
  for (let i = 0; i < 5; i++) scaler.notify()
  await nextTurn()
  await nextTurn()
  assert.equal(pool.snapshots, 1)
})

test('a request starts an instance and idleness stops it after the scale-in delay', async (t) => {
  const pool = new FakePool()
  const scaler = new Scaler(fastPolicy, pool)
  t.after(() => scaler.close())
  pool.set({ pendingRequests: 1 })
  scaler.recordArrival()
  await pool.until(() => pool.calls.includes('start 1'))
  pool.set({ pendingRequests: 0, runningRequests: 1, startingInstances: 0, openInstances: 1 })
  scaler.notify()
  await nextTurn()
  pool.set({ runningRequests: 0 })
  scaler.recordCompletion(5)
  await pool.until(() => pool.calls.includes('stop 1'))
  assert.deepEqual(pool.calls, ['start 1', 'stop 1'])
  assert.equal(scaler.desiredInstances, 0)
})

test('demand during the scale-in delay cancels the scale-in', async (t) => {
  const pool = new FakePool()
  // The demand below must arrive within the delay; a second leaves room for a loaded host's scheduling.
  const scaler = new Scaler({ ...fastPolicy, scaleInDelayMs: 1000 }, pool)
  t.after(() => scaler.close())
  pool.set({ runningRequests: 1, openInstances: 0 })
  scaler.notify()
  await pool.until(() => pool.calls.includes('start 1'))
  pool.set({ runningRequests: 0, startingInstances: 0, openInstances: 1 })
  scaler.notify()
  await nextTurn()
  assert.equal(scaler.view.pendingScaleInTarget, 0)
  const beforeCancel = pool.snapshots
  pool.set({ runningRequests: 1 })
  scaler.notify()
  await nextTurn()
  assert.equal(scaler.view.pendingScaleInTarget, undefined)
  // The deadline timer set for the cancelled scale-in still fires once and must change nothing: counted from before
  // the cancel (its own decision, then the timer's), since the timer may fire before this line is reached.
  await pool.until(() => pool.snapshots >= beforeCancel + 2)
  assert.deepEqual(pool.calls, ['start 1'])
  assert.equal(scaler.desiredInstances, 1)
})

test('a scale-out held by the minimum interval wakes itself when the interval ends', async (t) => {
  const pool = new FakePool()
  const scaler = new Scaler(fastPolicy, pool)
  t.after(() => scaler.close())
  pool.set({ pendingRequests: 1 })
  scaler.notify()
  await pool.until(() => pool.calls.length === 1)
  pool.set({ pendingRequests: 0, runningRequests: 50, startingInstances: 0, openInstances: 1 })
  scaler.notify()
  await pool.until(() => pool.calls.length === 2)
  // ceil(50 / 5 × 1.2) = 12, one step from 1 is at most 1 + 5.
  assert.deepEqual(pool.calls, ['start 1', 'start 5'])
  assert.equal(scaler.desiredInstances, 6)
})

test('a hook that throws is logged and the missing instances are asked for again', async (t) => {
  const pool = new FakePool()
  const scaler = new Scaler(fastPolicy, pool)
  t.after(() => scaler.close())
  pool.throwOnNextStart = true
  pool.set({ pendingRequests: 1 })
  scaler.notify()
  await pool.until(() => pool.calls.length === 2)
  assert.deepEqual(pool.calls, ['start 1 threw', 'start 1'])
})

test('close clears every timer, and no hook runs afterwards', async () => {
  const baseline = countTimers()
  const pool = new FakePool()
  const scaler = new Scaler({ ...fastPolicy, scaleInDelayMs: 60_000 }, pool)
  pool.set({ runningRequests: 1 })
  scaler.notify()
  await pool.until(() => pool.calls.length === 1)
  // Zero demand arms the long scale-in deadline; a notification leaves a turn pending too.
  pool.set({ runningRequests: 0, startingInstances: 0, openInstances: 1 })
  scaler.notify()
  await nextTurn()
  scaler.notify()
  assert.ok(countTimers() > baseline)
  scaler.close()
  assert.equal(countTimers(), baseline)
  const snapshots = pool.snapshots
  scaler.notify()
  scaler.recordArrival()
  await nextTurn()
  assert.equal(pool.snapshots, snapshots)
  assert.deepEqual(pool.calls, ['start 1'])
})

test('the view reports desired, the averages and a waiting scale-in', async (t) => {
  const pool = new FakePool()
  let nowMs = 0
  const scaler = new Scaler(fastPolicy, pool, { now: () => nowMs })
  t.after(() => scaler.close())
  for (let i = 0; i < 10; i++) scaler.recordArrival()
  scaler.recordCompletion(30)
  nowMs = 100
  const view = scaler.view
  assert.ok(view.requestsPerSecond > 0)
  assert.equal(view.requestDurationMs, 30)
  assert.equal(view.pendingScaleInTarget, undefined)
})

test('the averages the scaler reports are those of the EWMA reducer fed the same events one at a time', async () => {
  const event = fc.record({
    gapMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 250, noNaN: true })),
    kind: fc.constantFrom('arrival', 'completion', 'turn', 'view'),
    durationMs: fc.double({ min: -5, max: 5000, noNaN: true }),
  })
  await fc.assert(
    fc.asyncProperty(fc.array(event, { maxLength: 80 }), async (events) => {
      let nowMs = 1000
      const scaler = new Scaler(fastPolicy, new FakePool(), { now: () => nowMs })
      let reference = initialEwmaState(nowMs)
      const check = (): void => {
        const expected = advanceEwma(reference, nowMs, fastPolicy)
        const { requestsPerSecond, requestDurationMs } = scaler.view
        assert.equal(requestsPerSecond, expected.requestsPerSecond)
        assert.equal(requestDurationMs, expected.durationMs)
      }
      try {
        for (const { gapMs, kind, durationMs } of events) {
          nowMs += gapMs
          if (kind === 'arrival') {
            scaler.recordArrival()
            reference = addArrival(reference, nowMs, fastPolicy)
          } else if (kind === 'completion') {
            scaler.recordCompletion(durationMs)
            reference = addCompletion(reference, durationMs, nowMs, fastPolicy)
          } else if (kind === 'turn') await nextTurn()
          else check()
        }
        nowMs += 100
        check()
      } finally {
        scaler.close()
      }
    }),
    { numRuns: 60 },
  )
})
