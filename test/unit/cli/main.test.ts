// The installed command, `lambda-dispatch --help`, run as a user runs it: node on bin/lambda-dispatch.js. The launcher
// runs dist/cli.js when it is built and the TypeScript source through tsx otherwise, so this needs no build.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'

const ROOT = resolve(import.meta.dirname, '../../..')
const BIN = join(ROOT, 'bin/lambda-dispatch.js')

/** The first word of each line of commander's "Commands:" section (continuation lines are indented deeper). */
function listedCommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? ''
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((match) => match[1] as string)
}

test('lambda-dispatch --help exits 0 and lists the router, extension, local, status and invoke commands', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, '--help'], { cwd: ROOT, timeout: 60_000 })
  assert.match(stdout, /^Usage: lambda-dispatch \[options\] \[command\]$/m)
  assert.deepEqual(listedCommands(stdout).sort(), ['extension', 'help', 'invoke', 'local', 'router', 'status'])
  assert.match(stdout, /^ {2}router +run the router/m)
  assert.match(stdout, /^ {2}local \[options\] +run the whole system on this machine/m)
})

test('lambda-dispatch --version prints the package version and exits 0', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, '--version'], { cwd: ROOT, timeout: 60_000 })
  const { readFileSync } = await import('node:fs')
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  assert.equal(stdout, `${version}\n`)
})

// Issue 14: outside Lambda, on a terminal, the extension says what is missing in one plain line, not a JSON stack.
test('lambda-dispatch extension without a Runtime API exits 1 with one structured line when not on a terminal', async () => {
  const failed = await promisify(execFile)(process.execPath, [BIN, 'extension'], {
    cwd: ROOT,
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '' },
  }).catch((error: { code: number; stdout: string }) => error)
  assert.equal((failed as { code?: number }).code, 1)
  const lines = (failed as { stdout: string }).stdout.trim().split('\n')
  assert.equal(lines.length, 1)
  assert.equal((JSON.parse(lines[0] as string) as { err: { code: string } }).err.code, 'LD_CONFIG_INVALID')
})
