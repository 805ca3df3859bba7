// Pending counts (issue 16): counter bumps and histogram observations held as plain numbers reach the registry whenever
// it is read, each exactly once, and a family with none pending reads as before; a histogram reads exactly as it would
// have had each value been observed through prom-client.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { Counter, Histogram, Registry } from 'prom-client'
import {
  OBSERVATIONS_PER_FOLD,
  PendingCounts,
  type PendingObservations,
} from '../../../../src/router/telemetry/pending-counts.js'
import { parsePrometheusText } from '../../../helpers/prometheus-text.js'

function pendingCounter() {
  const registry = new Registry()
  const pending = new PendingCounts()
  const family = new Counter({
    name: 'pending_test_total',
    help: 'a counter fed through pending counts',
    labelNames: ['pool'],
    registers: [registry],
    collect: () => pending.fold(),
  })
  const read = async (pool: string): Promise<number> =>
    parsePrometheusText(await registry.metrics()).value('pending_test_total', { pool })
  return { pending, family, read }
}

test('bumps between two reads are added once, and a read with none pending changes nothing', async () => {
  const { pending, family, read } = pendingCounter()
  const a = pending.of(family.labels({ pool: 'a' }))
  const b = pending.of(family.labels({ pool: 'b' }))
  a.inc()
  a.inc(4)
  b.inc(2)
  assert.equal(await read('a'), 5)
  assert.equal(await read('b'), 2)
  assert.equal(await read('a'), 5, 'a second read adds nothing')
  a.inc()
  assert.equal(await read('a'), 6)
  assert.equal(await read('b'), 2)
})

test('a count read through the family itself (get) is folded in too', async () => {
  const { pending, family } = pendingCounter()
  pending.of(family.labels({ pool: 'a' })).inc(3)
  const { values } = await family.get()
  assert.deepEqual(
    values.map(({ labels, value }) => [labels.pool, value]),
    [['a', 3]],
  )
})

// Two registries fed the same observations, one through prom-client's label children and one through pending
// observations, read at the same points: the expositions must be the same text.
function twinHistograms() {
  const config = {
    name: 'twin_seconds',
    help: 'h',
    labelNames: ['pool'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }
  const direct = new Registry()
  const directFamily = new Histogram({ ...config, registers: [direct] })
  const folded = new Registry()
  const pending = new PendingCounts()
  const foldedFamily = new Histogram({ ...config, registers: [folded], collect: () => pending.fold() })
  const directChildren = new Map<string, Histogram.Internal<'pool'>>()
  const foldedChildren = new Map<string, PendingObservations>()
  return {
    observe(pool: string, value: number): void {
      let directChild = directChildren.get(pool)
      let foldedChild = foldedChildren.get(pool)
      if (directChild === undefined || foldedChild === undefined) {
        directChild = directFamily.labels({ pool })
        foldedChild = pending.observations(foldedFamily, { pool })
        directChildren.set(pool, directChild)
        foldedChildren.set(pool, foldedChild)
      }
      directChild.observe(value)
      foldedChild.observe(value)
    },
    read: async (): Promise<[string, string]> => [await direct.metrics(), await folded.metrics()],
  }
}

test('histogram observations read exactly as observed one by one, bucket edges, +Inf and long runs without a read included', async () => {
  const value = fc.oneof(
    fc.constantFrom(0, 0.001, 0.005, 0.01, 0.05, 30, 30.000001, 1e9, -1),
    fc.double({ min: -1, max: 100, noNaN: true }),
  )
  const step = fc.oneof(
    { weight: 20, arbitrary: fc.record({ pool: fc.constantFrom('a', 'b', 'c'), value }) },
    { weight: 1, arbitrary: fc.constant('read' as const) },
  )
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 2 * OBSERVATIONS_PER_FOLD + 40 }), async (steps) => {
      const twins = twinHistograms()
      for (const s of steps) {
        if (s === 'read') {
          const [direct, folded] = await twins.read()
          assert.equal(folded, direct)
        } else twins.observe(s.pool, s.value)
      }
      const [direct, folded] = await twins.read()
      assert.equal(folded, direct)
    }),
    { numRuns: 60 },
  )
})

test('more observations than the buffer holds, with no read between, all reach the histogram', async () => {
  const twins = twinHistograms()
  for (let i = 0; i < 5 * OBSERVATIONS_PER_FOLD + 3; i++) twins.observe(i % 2 === 0 ? 'a' : 'b', (i % 37) / 100)
  const [direct, folded] = await twins.read()
  assert.equal(folded, direct)
  assert.match(folded, new RegExp(`twin_seconds_count\\{pool="a"\\} ${Math.ceil((5 * OBSERVATIONS_PER_FOLD + 3) / 2)}`))
})

test('a value that is not a finite number is refused with a TypeError, first or later, as observe() refuses it', () => {
  const registry = new Registry()
  const pending = new PendingCounts()
  const family = new Histogram({ name: 'refuse_seconds', help: 'h', labelNames: ['pool'], registers: [registry] })
  const observations = pending.observations(family, { pool: 'p' })
  assert.throws(() => observations.observe(Number.NaN), TypeError)
  observations.observe(1)
  assert.throws(() => observations.observe(Number.POSITIVE_INFINITY), TypeError)
})
