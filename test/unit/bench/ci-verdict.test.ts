// The CI performance check compares ratios: it fails below half the recorded dispatch/direct throughput ratio, or
// when the router's or the extension's CPU per request over the bare tunnel's exceeds its recorded ratio by over 25 %.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ciVerdict, cpuVerdict, parseCiBaseline } from '../../../bench/lib/ci-verdict.js'

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

const CPU = { routerOverBare: 2, extensionOverBare: 1.2, recordedAt: '2026-01-02T00:00:00.000Z', note: 'test' }

test('a baseline needs a positive ratio, and CPU ratios, when it has them, positive too', () => {
  assert.deepEqual(parseCiBaseline(BASELINE), BASELINE)
  assert.deepEqual(parseCiBaseline({ ...BASELINE, cpu: CPU }), { ...BASELINE, cpu: CPU })
  assert.equal(parseCiBaseline({ ratio: 0.5 }).recordedAt, 'unknown')
  assert.equal(
    parseCiBaseline({ ratio: 0.5, cpu: { routerOverBare: 1, extensionOverBare: 1 } }).cpu?.recordedAt,
    'unknown',
  )
  const bad = [
    null,
    {},
    { ratio: 0 },
    { ratio: '0.2' },
    { ratio: 0.2, cpu: null },
    { ratio: 0.2, cpu: { routerOverBare: 1 } },
    { ratio: 0.2, cpu: { routerOverBare: 0, extensionOverBare: 1 } },
    { ratio: 0.2, cpu: { routerOverBare: 1, extensionOverBare: Number.NaN } },
  ]
  for (const json of bad) assert.throws(() => parseCiBaseline(json), JSON.stringify(json))
})

test('the CPU gate passes up to 25 % over each recorded ratio and fails above it or when a ratio is missing', () => {
  const cases = [
    { name: 'both at the baseline', router: 2, extension: 1.2, pass: true },
    { name: 'both better than the baseline', router: 1.1, extension: 0.7, pass: true },
    { name: 'both exactly 25 % over', router: 2.5, extension: 1.5, pass: true },
    { name: 'router just over 25 %', router: 2.51, extension: 1.2, pass: false },
    { name: 'extension just over 25 %', router: 2, extension: 1.51, pass: false },
    { name: 'router not measured', router: undefined, extension: 1.2, pass: false },
    { name: 'extension not a number', router: 2, extension: Number.NaN, pass: false },
  ]
  for (const row of cases) {
    const verdict = cpuVerdict({ routerOverBare: row.router, extensionOverBare: row.extension }, CPU)
    assert.equal(verdict.pass, row.pass, row.name)
    assert.deepEqual(verdict.limits, { router: 2.5, extension: 1.5 }, row.name)
    assert.equal(verdict.messages.length, 2, row.name)
    assert.match(verdict.messages[0] ?? '', /^(ok|REGRESSION): router CPU per request \/ bare router's /, row.name)
    assert.match(
      verdict.messages[1] ?? '',
      /^(ok|REGRESSION): extension CPU per request \/ bare extension's /,
      row.name,
    )
    assert.equal(
      verdict.messages.some((message) => message.startsWith('REGRESSION')),
      !row.pass,
      row.name,
    )
  }
})

test('without recorded CPU ratios the CPU gate says it judged nothing', () => {
  const verdict = cpuVerdict({ routerOverBare: 9, extensionOverBare: 9 }, undefined)
  assert.equal(verdict.pass, true)
  assert.equal(verdict.limits, undefined)
  assert.match(verdict.messages[0] ?? '', /^not gated: .*--record/)
})

test('the committed bench/baseline.json is a valid baseline with CPU ratios', () => {
  const json: unknown = JSON.parse(readFileSync(new URL('../../../bench/baseline.json', import.meta.url), 'utf8'))
  const baseline = parseCiBaseline(json)
  assert.ok(baseline.ratio > 0)
  assert.ok(baseline.cpu !== undefined && baseline.cpu.routerOverBare > 0 && baseline.cpu.extensionOverBare > 0)
})
