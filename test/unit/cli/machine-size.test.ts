// Issue 12 item 2: `lambda-dispatch local` sizes its default MaxInstances to the machine: one instance (two
// processes) per two CPUs, at least one, never above the router's own default of 20.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { localMaxInstances } from '../../../src/cli/machine-size.js'

const CASES = [
  { cpus: 1, maxInstances: 1 },
  { cpus: 2, maxInstances: 1 },
  { cpus: 3, maxInstances: 1 },
  { cpus: 4, maxInstances: 2 },
  { cpus: 8, maxInstances: 4 },
  { cpus: 64, maxInstances: 20 },
]

for (const row of CASES) {
  test(`${row.cpus} CPUs give at most ${row.maxInstances} instances per pool`, () => {
    assert.equal(localMaxInstances(row.cpus), row.maxInstances)
  })
}
