// The /proc questions the process tests share, asked live of this process and a child it starts (the stat parser
// under them has its table in test/unit/bench/stats-and-proc.test.ts).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import {
  descendants,
  isDeadOrExiting,
  processGroupMembers,
  processState,
  readProcStat,
  startTicks,
} from '../../helpers/proc.js'

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
