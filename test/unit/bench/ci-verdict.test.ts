// The CI performance check compares ratios: it fails only below half the recorded dispatch/direct ratio.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ciVerdict, parseCiBaseline } from '../../../bench/lib/ci-verdict.js'

const BASELINE = { ratio: 0.2, recordedAt: '2026-01-01T00:00:00.000Z', note: 'test' }

test('the verdict passes at or above half the recorded ratio and fails below it', () => {
  const cases = [
    { measured: 0.3, pass: true },
    { measured: 0.2, pass: true },
    { measured: 0.1, pass: true },
    { measured: 0.0999, pass: false },
    { measured: 0, pass: false },
    { measured: Number.NaN, pass: false },
  ]
  for (const row of cases) {
    const verdict = ciVerdict(row.measured, BASELINE)
    assert.equal(verdict.pass, row.pass, String(row.measured))
    assert.equal(verdict.threshold, 0.1)
    assert.match(verdict.message, row.pass ? /^ok: / : /^REGRESSION: /)
  }
})

test('a baseline needs a positive ratio', () => {
  assert.deepEqual(parseCiBaseline(BASELINE), BASELINE)
  assert.equal(parseCiBaseline({ ratio: 0.5 }).recordedAt, 'unknown')
  for (const bad of [null, {}, { ratio: 0 }, { ratio: '0.2' }]) assert.throws(() => parseCiBaseline(bad))
})

test('the committed bench/baseline.json is a valid baseline', () => {
  const json: unknown = JSON.parse(readFileSync(new URL('../../../bench/baseline.json', import.meta.url), 'utf8'))
  assert.ok(parseCiBaseline(json).ratio > 0)
})
