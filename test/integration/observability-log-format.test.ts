// Issue 8 item 3: LogFormat. `lambda-dispatch router` as a child process writes JSON lines by default and, with
// LogFormat=pretty, human-readable lines instead (pino-pretty: time, level word, message, fields indented beneath),
// none of them JSON. The same event, the close on SIGTERM, is compared in both formats.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { TEST_ROUTER_ENV } from '../helpers/start-router.js'

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts')
const BUNDLE = resolve(import.meta.dirname, '../../dist/cli.js')

/** Runs the router with `logFormat` until it listens, stops it with SIGTERM, and resolves with all its stdout. */
async function routerStdout(
  logFormat: 'json' | 'pretty',
  cli: string[] = ['--import', 'tsx', MAIN],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...cli, 'router'], {
    env: {
      PATH: process.env.PATH ?? '',
      ...TEST_ROUTER_ENV,
      LAMBDA_DISPATCH_LogLevel: 'info',
      LAMBDA_DISPATCH_LogFormat: logFormat,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text
  })
  const exited = once(child, 'exit') as Promise<[number | null]>
  let stdout = ''
  let signalled = false
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text
    if (!signalled && stdout.includes('lambda-dispatch router listening: ')) {
      signalled = true
      child.kill('SIGTERM')
    }
  })
  const [code] = await exited
  return { code, stdout, stderr }
}

/** The lines that parse as a JSON object. */
function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    try {
      const value: unknown = JSON.parse(line)
      return value !== null && typeof value === 'object' ? [value as Record<string, unknown>] : []
    } catch {
      return []
    }
  })
}

test('LogFormat=json writes the close as a JSON line with level, message and fields', async () => {
  const { code, stdout, stderr } = await routerStdout('json')
  assert.equal(code, 0, stderr)
  const closing = jsonLines(stdout).find((line) => line.msg === 'closing')
  assert.ok(closing, `a JSON "closing" line in:\n${stdout}`)
  assert.equal(closing.level, 'info')
  assert.equal(closing.signal, 'SIGTERM')
  assert.equal(closing.app, 'router')
})

for (const [name, cli] of [
  ['from source', undefined],
  ['from the bundle (dist/cli.js)', [BUNDLE]],
] as const) {
  // Issue 14: the esbuild bundle fell back to JSON (pino's transport workers are not beside the bundle).
  const skip = cli !== undefined && !existsSync(BUNDLE) ? 'dist/cli.js is not built (npm run build)' : false
  test(`LogFormat=pretty ${name} writes human-readable lines, not JSON: time, level word, message, then indented fields`, {
    skip,
  }, async () => {
    const { code, stdout, stderr } = await routerStdout('pretty', cli === undefined ? undefined : [...cli])
    assert.equal(code, 0, stderr)
    // pino-pretty colours its output; the words are what a reader sees.
    const plain = stdout.replace(/\x1b\[[0-9;]*m/g, '')
    assert.deepEqual(jsonLines(plain), [], 'no line is JSON')
    const lines = plain.split('\n')
    const at = lines.findIndex((line) => /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO.*: closing$/.test(line))
    assert.ok(at >= 0, `a pretty "closing" line in:\n${plain}`)
    // Its fields follow, one per line, indented, as `key: value`.
    const fields: string[] = []
    for (const line of lines.slice(at + 1)) {
      if (!/^ {4}\S/.test(line)) break
      fields.push(line.trim())
    }
    assert.ok(fields.includes('signal: "SIGTERM"'), `the signal field under the line: ${fields.join(' | ')}`)
    assert.ok(fields.includes('app: "router"'), `the app field under the line: ${fields.join(' | ')}`)
  })
}
