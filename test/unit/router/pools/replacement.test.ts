// Table test of the replacement wait of a Lambda-initiated close (original LambdaInstance.Close).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { replacementWaitMs } from '../../../../src/router/pools/replacement.js'

const cases: ReadonlyArray<{ ageMs: number; replacing: boolean; waitMs: number }> = [
  { ageMs: 60_000, replacing: false, waitMs: 0 },
  { ageMs: 5_000, replacing: true, waitMs: 0 },
  { ageMs: 10_000, replacing: true, waitMs: 0 },
  { ageMs: 10_010, replacing: true, waitMs: 1_001 },
  { ageMs: 30_000, replacing: true, waitMs: 3_000 },
  { ageMs: 50_000, replacing: true, waitMs: 5_000 },
  { ageMs: 900_000, replacing: true, waitMs: 5_000 },
]

for (const row of cases) {
  test(`an instance aged ${row.ageMs} ms ${row.replacing ? 'being' : 'not being'} replaced waits ${row.waitMs} ms`, () => {
    assert.equal(replacementWaitMs(row.ageMs, row.replacing), row.waitMs)
  })
}
