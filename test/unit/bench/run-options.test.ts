// `npm run bench`'s command line: --help lists the options and exits 0 before anything is built or started; an
// unknown option names itself, lists the options and exits 2, without a stack trace.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'

const RUN = resolve(import.meta.dirname, '../../../bench/run.ts')

async function bench(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', RUN, ...args])
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

test('--help prints every option and exits 0', async () => {
  const { code, stdout } = await bench('--help')
  assert.equal(code, 0)
  for (const option of ['--quick', '--cells', '--paths', '--duration', '--profile', '--out', '--no-websocket']) {
    assert.ok(stdout.includes(option), `${option} is listed`)
  }
})

test('an unknown option is named, the options are listed, and the exit code is 2 with no stack trace', async () => {
  const { code, stdout, stderr } = await bench('--bogus')
  assert.equal(code, 2)
  assert.equal(stdout, '')
  assert.match(stderr, /Unknown option '--bogus'/)
  assert.match(stderr, /usage: npm run bench/)
  assert.doesNotMatch(stderr, /\n\s+at /)
})
