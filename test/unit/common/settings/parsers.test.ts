// The value rules every settings table shares (issue 15): booleans (1/0 included), integers with bounds, durations,
// seconds, sizes and choices; and the formatters, whose output each parser reads back.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  bytesIn,
  durationIn,
  formatBytes,
  formatDurationMs,
  integerIn,
  MAX_TIMER_MS,
  mapParsed,
  oneOf,
  type Parsed,
  parseBoolean,
  parseOptionalText,
  parseRequiredText,
  secondsUpTo,
  textMatching,
} from '../../../../src/common/index.js'

const BOOLEAN_PROBLEM = { problem: 'must be true or false' }
const booleans: Array<[string, Parsed<boolean>]> = [
  ['true', { value: true }],
  ['TRUE', { value: true }],
  ['True', { value: true }],
  ['1', { value: true }],
  [' 1 ', { value: true }],
  ['false', { value: false }],
  ['FALSE', { value: false }],
  ['0', { value: false }],
  [' false\t', { value: false }],
  ['yes', BOOLEAN_PROBLEM],
  ['no', BOOLEAN_PROBLEM],
  ['on', BOOLEAN_PROBLEM],
  ['2', BOOLEAN_PROBLEM],
  ['-1', BOOLEAN_PROBLEM],
  ['', BOOLEAN_PROBLEM],
  ['truee', BOOLEAN_PROBLEM],
]
for (const [text, expected] of booleans) {
  test(`parseBoolean(${JSON.stringify(text)}) gives ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(parseBoolean(text), expected)
  })
}

const integers: Array<{
  name: string
  min: number
  max: number
  note?: string
  text: string
  expected: Parsed<number>
}> = [
  { name: 'the lower bound', min: 1, max: 100, text: '1', expected: { value: 1 } },
  { name: 'the upper bound', min: 1, max: 100, text: '100', expected: { value: 100 } },
  { name: 'white space around', min: 1, max: 100, text: ' 42 ', expected: { value: 42 } },
  { name: 'a negative lower bound', min: -1, max: 100, text: '-1', expected: { value: -1 } },
  { name: 'below the range', min: 1, max: 100, text: '0', expected: { problem: 'must be an integer 1–100' } },
  { name: 'above the range', min: 1, max: 100, text: '101', expected: { problem: 'must be an integer 1–100' } },
  { name: 'a fraction', min: 1, max: 100, text: '1.5', expected: { problem: 'must be an integer 1–100' } },
  { name: 'an exponent', min: 1, max: 10_000, text: '1e3', expected: { problem: 'must be an integer 1–10000' } },
  { name: 'hex', min: 0, max: 100, text: '0x10', expected: { problem: 'must be an integer 0–100' } },
  { name: 'words', min: 1, max: 65535, text: 'abc', expected: { problem: 'must be an integer 1–65535' } },
  { name: 'nothing', min: 0, max: 5, text: '', expected: { problem: 'must be an integer 0–5' } },
  {
    name: 'beyond a safe integer',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    text: '99999999999999999999',
    expected: { problem: `must be an integer 0–${Number.MAX_SAFE_INTEGER}` },
  },
  {
    name: 'a note on the special value',
    min: 0,
    max: 65535,
    note: '0 picks a free port',
    text: '70000',
    expected: { problem: 'must be an integer 0–65535 (0 picks a free port)' },
  },
]
for (const row of integers) {
  test(`integerIn(${row.min}, ${row.max}) with ${row.name}: ${JSON.stringify(row.text)}`, () => {
    assert.deepEqual(integerIn(row.min, row.max, row.note)(row.text), row.expected)
  })
}

const DAY_MS = 86_400_000
const DAY_FORM = 'must be a duration 1ms–24h like 250ms, 30s, 2m or 00:02:00'
const durations: Array<[string, Parsed<number>]> = [
  ['250', { value: 250 }],
  ['250ms', { value: 250 }],
  ['30s', { value: 30_000 }],
  ['1.5s', { value: 1_500 }],
  ['2m', { value: 120_000 }],
  ['1h', { value: 3_600_000 }],
  ['24h', { value: DAY_MS }],
  ['00:02:00', { value: 120_000 }],
  [' 30S ', { value: 30_000 }],
  ['0', { problem: DAY_FORM }],
  ['25h', { problem: DAY_FORM }],
  ['-1', { problem: DAY_FORM }],
  ['soon', { problem: DAY_FORM }],
  ['2d', { problem: DAY_FORM }],
  ['', { problem: DAY_FORM }],
]
for (const [text, expected] of durations) {
  test(`durationIn(1, 24h) reads ${JSON.stringify(text)} as ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(durationIn(1, DAY_MS)(text), expected)
  })
}

test('durationIn names its bounds as a user writes them, and 0 is allowed when the lower bound is 0', () => {
  assert.deepEqual(durationIn(0, DAY_MS)('0'), { value: 0 })
  assert.deepEqual(durationIn(1000, 15 * 60_000)('999'), {
    problem: 'must be a duration 1s–15m like 250ms, 30s, 2m or 00:02:00',
  })
  assert.deepEqual(durationIn(0, MAX_TIMER_MS)(String(MAX_TIMER_MS + 1)), {
    problem: 'must be a duration 0–2147483647ms like 250ms, 30s, 2m or 00:02:00',
  })
})

const SECONDS_FORM = 'must be a number of seconds ("10") or a duration with a unit ("500ms")'
const seconds: Array<[string, Parsed<number>]> = [
  ['10', { value: 10_000 }],
  ['0.5', { value: 500 }],
  ['0', { value: 0 }],
  ['500ms', { value: 500 }],
  ['2m', { value: 120_000 }],
  ['soon', { problem: SECONDS_FORM }],
  ['-1', { problem: SECONDS_FORM }],
  ['2147484', { problem: SECONDS_FORM }],
]
for (const [text, expected] of seconds) {
  test(`secondsUpTo(the timer ceiling) reads ${JSON.stringify(text)} as ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(secondsUpTo(MAX_TIMER_MS)(text), expected)
  })
}

const SIZE_FORM = 'must be a size 1024–16777216 bytes like 65536, 64KiB or 1MiB'
const sizes: Array<[string, Parsed<number>]> = [
  ['65536', { value: 65_536 }],
  ['64KiB', { value: 65_536 }],
  ['64kib', { value: 65_536 }],
  ['1MB', { value: 1_000_000 }],
  ['16MiB', { value: 16 * 1024 * 1024 }],
  ['1023', { problem: SIZE_FORM }],
  ['17MiB', { problem: SIZE_FORM }],
  ['big', { problem: SIZE_FORM }],
]
for (const [text, expected] of sizes) {
  test(`bytesIn(1024, 16MiB) reads ${JSON.stringify(text)} as ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(bytesIn(1024, 16 * 1024 * 1024)(text), expected)
  })
}

test('oneOf accepts any letter case and names the choices otherwise', () => {
  const parse = oneOf(['http', 'tcp'] as const)
  assert.deepEqual(parse('TCP'), { value: 'tcp' })
  assert.deepEqual(parse(' http '), { value: 'http' })
  assert.deepEqual(parse('grpc'), { problem: 'must be one of http, tcp' })
})

test('text parsers trim, and tell empty from unset', () => {
  assert.deepEqual(textMatching(/^\/\S*$/, 'a path starting with "/"')(' /ready '), { value: '/ready' })
  assert.deepEqual(textMatching(/^\/\S*$/, 'a path starting with "/"')('ready'), {
    problem: 'must be a path starting with "/"',
  })
  assert.deepEqual(parseRequiredText('  '), { problem: 'must not be empty' })
  assert.deepEqual(parseOptionalText('  '), { value: undefined })
  assert.deepEqual(parseOptionalText(' x '), { value: 'x' })
})

test('mapParsed passes problems through and maps values', () => {
  const doubled = mapParsed(integerIn(1, 5), (value) => value * 2)
  assert.deepEqual(doubled('3'), { value: 6 })
  assert.deepEqual(doubled('9'), { problem: 'must be an integer 1–5' })
})

const formattedDurations: Array<[number, string]> = [
  [0, '0'],
  [250, '250ms'],
  [1_000, '1s'],
  [9_800, '9800ms'],
  [60_000, '60s'],
  [65_000, '65s'],
  [120_000, '2m'],
  [15 * 60_000, '15m'],
  [3_600_000, '1h'],
  [DAY_MS, '24h'],
  [MAX_TIMER_MS, '2147483647ms'],
]
for (const [ms, text] of formattedDurations) {
  test(`formatDurationMs(${ms}) is "${text}" and reads back as ${ms}`, () => {
    assert.equal(formatDurationMs(ms), text)
    assert.deepEqual(durationIn(0, MAX_TIMER_MS)(text), { value: ms })
  })
}

const formattedSizes: Array<[number, string]> = [
  [0, '0'],
  [1000, '1000'],
  [1024, '1KiB'],
  [65_536, '64KiB'],
  [65_535, '65535'],
  [4 * 1024 * 1024, '4MiB'],
  [2 * 1024 ** 3, '2GiB'],
]
for (const [bytes, text] of formattedSizes) {
  test(`formatBytes(${bytes}) is "${text}" and reads back as ${bytes}`, () => {
    assert.equal(formatBytes(bytes), text)
    assert.deepEqual(bytesIn(0, 2 ** 32)(text), { value: bytes })
  })
}
