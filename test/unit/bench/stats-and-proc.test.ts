// Percentiles and ratios for reports, and the /proc parsers the CPU and memory figures (and the tests' process
// questions) come from.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseProcStat, parseStatusKb } from '../../../bench/lib/proc.js'
import { median, percentileOfSorted, ratio, sortedAscending } from '../../../bench/lib/stats.js'
import { PF_EXITING } from '../../helpers/proc.js'

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

// A stat line with fields 3–22 filled: state, ppid, pgrp, session, tty, tpgid, flags, 12 counters (utime, field 14,
// is 4 and stime 5), starttime.
function statLine(comm: string, state: string, ppid: number, pgrp: number, flags: number, start: number): string {
  const counters = Array.from({ length: 12 }, (_, index) => String(index)).join(' ')
  return `4242 (${comm}) ${state} ${ppid} ${pgrp} 4242 0 -1 ${flags} ${counters} ${start} 0 0\n`
}

const cases: { name: string; text: string; expected: ReturnType<typeof parseProcStat> }[] = [
  {
    name: 'a sleeping process',
    text: statLine('node', 'S', 1, 4242, 0x400000, 987654),
    expected: { state: 'S', ppid: 1, pgrp: 4242, flags: 0x400000, userTicks: 4, systemTicks: 5, startTicks: '987654' },
  },
  {
    name: 'a command name with spaces and parentheses',
    text: statLine('a) b (c', 'T', 7, 8, 0, 12),
    expected: { state: 'T', ppid: 7, pgrp: 8, flags: 0, userTicks: 4, systemTicks: 5, startTicks: '12' },
  },
  {
    name: 'an exiting zombie',
    text: statLine('x', 'Z', 7, 8, PF_EXITING, 12),
    expected: { state: 'Z', ppid: 7, pgrp: 8, flags: PF_EXITING, userTicks: 4, systemTicks: 5, startTicks: '12' },
  },
  {
    name: 'a running process with CPU time',
    text: '123 (node) S 41 42 42 0 -1 4194560 2717 0 0 0 1234 567 0 0 20 0 11 0 1000 100000 2000',
    expected: { state: 'S', ppid: 41, pgrp: 42, flags: 4194560, userTicks: 1234, systemTicks: 567, startTicks: '1000' },
  },
  { name: 'no command name', text: '4242 node S 1', expected: undefined },
  { name: 'a line cut short', text: '4242 (node) S 1 2', expected: undefined },
  { name: 'empty text', text: '', expected: undefined },
  { name: 'garbage', text: 'garbage', expected: undefined },
]

for (const row of cases) {
  test(`parseProcStat: ${row.name}`, () => {
    assert.deepEqual(parseProcStat(row.text), row.expected)
  })
}

test('status fields are read in KiB', () => {
  const status = 'Name:\tnode\nVmHWM:\t  123456 kB\nVmRSS:\t   98765 kB\nThreads:\t11\n'
  assert.equal(parseStatusKb(status, 'VmHWM'), 123456)
  assert.equal(parseStatusKb(status, 'VmRSS'), 98765)
  assert.equal(parseStatusKb('Name:\tx\n', 'VmRSS'), undefined)
})
