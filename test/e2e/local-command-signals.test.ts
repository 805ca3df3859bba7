// Issue 5: `lambda-dispatch local` stops cleanly on Ctrl-C (SIGINT) or SIGTERM: exit 0 and no process left behind,
// including the execution environments' app and extension processes.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { describe, test } from 'node:test'
import { request } from 'undici'
import { startLocalCommand } from '../helpers/local-command.js'
import { descendants, startTicks } from '../helpers/proc.js'

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
