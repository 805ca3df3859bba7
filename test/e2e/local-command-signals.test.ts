// Issue 5: `lambda-dispatch local` stops cleanly on Ctrl-C (SIGINT) or SIGTERM: exit 0 and no process left behind,
// including the execution environments' app and extension processes.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { request } from 'undici'
import { startLocalCommand } from '../helpers/local-command.js'

/** Every live descendant of `rootPid`, read from /proc. */
function descendants(rootPid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch {
      // The process ended while we read the table.
    }
  }
  const found: number[] = []
  const pending = [rootPid]
  while (pending.length > 0) {
    for (const child of children.get(pending.pop() as number) ?? []) {
      found.push(child)
      pending.push(child)
    }
  }
  return found
}

/** A process's start time (clock ticks since boot) from /proc, so a reused pid is not mistaken for it. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // A zombie has exited; only its parent's reaping is left.
    return fields[0] === 'Z' ? undefined : fields[19]
  } catch {
    return undefined
  }
}

describe('lambda-dispatch local shuts down cleanly', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} ends the command with exit 0 and leaves no process behind`, async (t) => {
      const { child, url } = await startLocalCommand()
      t.after(() => {
        if (child.exitCode === null) child.kill('SIGKILL')
      })
      const response = await request(`${url}/ping`)
      assert.equal(await response.body.text(), 'pong')
      const spawned = descendants(child.pid as number).map((pid) => ({ pid, started: startTicks(pid) }))
      assert.ok(spawned.length >= 2, `expected the app and the extension processes, found ${spawned.length}`)

      const exited = once(child, 'exit')
      child.kill(signal)
      const [code] = await exited
      assert.equal(code, 0)
      const survivors = spawned.filter(({ pid, started }) => started !== undefined && startTicks(pid) === started)
      assert.deepEqual(survivors, [], 'every process the command started is gone when it exits')
    })
  }
})
