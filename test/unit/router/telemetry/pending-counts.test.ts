// Pending counts (issue 16): counter bumps held as plain numbers reach the registry whenever it is read, each exactly
// once, and a family with none pending reads as before.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Counter, Registry } from 'prom-client'
import { PendingCounts } from '../../../../src/router/telemetry/pending-counts.js'
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
