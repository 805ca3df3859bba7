// Issue 8 item 6: `lambda-dispatch status` as a child process against a running router reads the admin endpoint and
// prints the pools, instances and counts; against a closed port it exits 1 naming the URL it tried.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { request as undiciRequest } from 'undici'
import { startRouter } from '../helpers/start-router.js'

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts')

async function runStatus(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'status', ...args], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text
  })
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, stdout, stderr }
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

test('status prints the running router: pool, instance, outcomes and invokes', async (t) => {
  // MinInstances keeps the instance up while the command starts (an idle pool would scale in to 0).
  const { addresses, close } = await startRouter({ env: { LAMBDA_DISPATCH_MinInstances: '1' } })
  t.after(close)
  for (let index = 0; index < 3; index++) {
    const response = await undiciRequest(`${addresses.frontDoorUrl}/s${index}`)
    assert.equal(response.statusCode, 200)
    await response.body.dump()
  }
  const { code, stdout, stderr } = await runStatus(['--url', addresses.adminUrl])
  assert.equal(stderr, '')
  assert.equal(code, 0)
  assert.match(stdout, /^Lambda Dispatch router · serving · ready · pid \d+/)
  assert.match(stdout, /^Traffic .* · 3 requests · /m)
  assert.match(stdout, /^Pool default \(my-function\) · serving · queue 0 · running 0 · instances 1 open/m)
  assert.match(stdout, /^ {2}outcomes {3}2xx 3$/m)
  assert.match(stdout, /^ {2}invokes {4}started 1 · none$/m)
  assert.match(stdout, /^ {2}LAMBDA ID {2}STATE/m)
  assert.match(stdout, /^ {2}[0-9a-f]{8} {3}open /m)
  assert.match(stdout, /^Recent errors\n {2}none$/m)
})

test('status exits 1 with a clear message when the admin endpoint is unreachable', async () => {
  const url = `http://127.0.0.1:${await closedPort()}`
  const { code, stdout, stderr } = await runStatus(['--url', url])
  assert.equal(code, 1)
  assert.equal(stdout, '')
  assert.match(
    stderr,
    new RegExp(
      `^lambda-dispatch status: cannot reach the router's admin endpoint at ${url}/api/snapshot: .*ECONNREFUSED`,
    ),
  )
})
