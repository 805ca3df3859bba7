// Percentiles and ratios for reports, and the /proc parsers the CPU and memory figures come from.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseProcStat, parseStatusKb } from '../../../bench/lib/proc.js'
import { median, percentileOfSorted, ratio, sortedAscending } from '../../../bench/lib/stats.js'

test('percentiles are nearest-rank over sorted values', () => {
  const values = sortedAscending([5, 1, 4, 2, 3, 10, 9, 8, 7, 6])
  const cases = [
    { p: 0, expected: 1 },
    { p: 10, expected: 1 },
    { p: 50, expected: 5 },
    { p: 51, expected: 6 },
    { p: 99, expected: 10 },
    { p: 100, expected: 10 },
  ]
  for (const row of cases) assert.equal(percentileOfSorted(values, row.p), row.expected, `p${row.p}`)
  assert.equal(percentileOfSorted([], 50), undefined)
})

test('median, ratio and numeric sorting', () => {
  assert.deepEqual(sortedAscending([10, 9, 100, 1]), [1, 9, 10, 100])
  assert.equal(median([3, 1, 2]), 2)
  assert.equal(median([4, 1, 3, 2]), 2.5)
  assert.equal(median([]), undefined)
  assert.equal(ratio(1, 4), 0.25)
  assert.equal(ratio(1, 0), undefined)
  assert.equal(ratio(undefined, 4), undefined)
  assert.equal(ratio(Number.NaN, 4), undefined)
})

test('a stat line is read from the last parenthesis, whatever the command name holds', () => {
  const fields = 'S 41 42 42 0 -1 4194560 2717 0 0 0 1234 567 0 0 20 0 11 0 1000 100000 2000'
  assert.deepEqual(parseProcStat(`123 (node) ${fields}`), { ppid: 41, userTicks: 1234, systemTicks: 567 })
  assert.deepEqual(parseProcStat(`123 (a) (b c) ${fields}`), { ppid: 41, userTicks: 1234, systemTicks: 567 })
  assert.equal(parseProcStat('garbage'), undefined)
  assert.equal(parseProcStat('1 (x) S 1'), undefined)
})

test('status fields are read in KiB', () => {
  const status = 'Name:\tnode\nVmHWM:\t  123456 kB\nVmRSS:\t   98765 kB\nThreads:\t11\n'
  assert.equal(parseStatusKb(status, 'VmHWM'), 123456)
  assert.equal(parseStatusKb(status, 'VmRSS'), 98765)
  assert.equal(parseStatusKb('Name:\tx\n', 'VmRSS'), undefined)
})
