// The /proc reader the process tests share: the stat parser (table), and the live readers against this process and
// a child it starts.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import {
  descendants,
  isDeadOrExiting,
  PF_EXITING,
  parseProcStat,
  processGroupMembers,
  processState,
  readProcStat,
  startTicks,
} from '../../helpers/proc.js'

// A stat line with fields 3–22 filled: state, ppid, pgrp, session, tty, tpgid, flags, 11 counters, starttime.
function statLine(comm: string, state: string, ppid: number, pgrp: number, flags: number, start: number): string {
  const counters = Array.from({ length: 12 }, (_, index) => String(index)).join(' ')
  return `4242 (${comm}) ${state} ${ppid} ${pgrp} 4242 0 -1 ${flags} ${counters} ${start} 0 0\n`
}

const cases: { name: string; text: string; expected: ReturnType<typeof parseProcStat> }[] = [
  {
    name: 'a sleeping process',
    text: statLine('node', 'S', 1, 4242, 0x400000, 987654),
    expected: { state: 'S', ppid: 1, pgrp: 4242, flags: 0x400000, startTicks: '987654' },
  },
  {
    name: 'a command name with spaces and parentheses',
    text: statLine('a) b (c', 'T', 7, 8, 0, 12),
    expected: { state: 'T', ppid: 7, pgrp: 8, flags: 0, startTicks: '12' },
  },
  {
    name: 'an exiting zombie',
    text: statLine('x', 'Z', 7, 8, PF_EXITING, 12),
    expected: { state: 'Z', ppid: 7, pgrp: 8, flags: PF_EXITING, startTicks: '12' },
  },
  { name: 'no command name', text: '4242 node S 1', expected: undefined },
  { name: 'a line cut short', text: '4242 (node) S 1 2', expected: undefined },
  { name: 'empty text', text: '', expected: undefined },
]

for (const row of cases) {
  test(`parseProcStat: ${row.name}`, () => {
    assert.deepEqual(parseProcStat(row.text), row.expected)
  })
}

test('this process reads as running or sleeping, with its parent and group, and alive', () => {
  const stat = readProcStat(process.pid)
  assert.ok(stat)
  assert.equal(stat.ppid, process.ppid)
  assert.match(processState(process.pid) ?? '', /^[RS]$/)
  assert.equal(startTicks(process.pid), stat.startTicks)
  assert.equal(isDeadOrExiting(process.pid), false)
})

test('a child is a descendant and a group member while it runs, and reads as gone once reaped', async () => {
  const child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] })
  await once(child, 'spawn')
  const pid = child.pid as number
  assert.ok(descendants(process.pid).includes(pid))
  const group = readProcStat(pid)?.pgrp as number
  assert.ok(processGroupMembers(group).includes(pid))
  const exited = once(child, 'exit')
  child.kill('SIGKILL')
  await exited
  assert.equal(processState(pid), undefined)
  assert.equal(startTicks(pid), undefined)
  assert.equal(isDeadOrExiting(pid), true)
  assert.ok(!descendants(process.pid).includes(pid))
})
