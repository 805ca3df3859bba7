// Issue 14: a closed stdout (`lambda-dispatch router | head -8`) must not stop the process. A child process writes
// into a pipe whose reader is gone and must carry on: it answers on stderr and exits 0 by itself.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import { test } from 'node:test'

const MODULE = resolve(import.meta.dirname, '../../../src/cli/broken-pipe.ts')

// Writes one line, waits for the test to close the pipe (signalled on stdin), writes again (EPIPE), then reports.
const SCRIPT = `
const { tolerateClosedOutput } = await import(${JSON.stringify(MODULE)})
tolerateClosedOutput()
process.stdout.write('first\\n')
process.stdin.once('data', () => {
  process.stdout.write('into a closed pipe\\n')
  process.stdout.write('and again\\n')
  setImmediate(() => process.stderr.write('still running\\n'))
})
`

test('writes to a stdout whose reader went away are dropped and the process carries on', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (text: string) => {
    stderr += text
  })
  await once(child.stdout, 'data')
  child.stdout.destroy()
  child.stdin.end('go')
  const [code] = await once(child, 'exit')
  assert.equal(stderr, 'still running\n')
  assert.equal(code, 0)
})
