// Issue 3 items 11 and 12: `lambda-dispatch router` as a child process: it prints its URLs, serves /health, exits 0
// on SIGTERM after a graceful close, and exits 1 listing every bad setting when the configuration is invalid.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { request as undiciRequest } from 'undici'
import { TEST_ROUTER_ENV } from '../helpers/start-router.js'

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts')

function runRouter(env: Record<string, string>, args: string[] = []) {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, 'router', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** The front door URL from the router's banner. */
async function bannerUrl(child: ReturnType<typeof runRouter>): Promise<string> {
  for await (const line of createInterface({ input: child.stdout })) {
    const url = /listening: (http:\/\/\S+)/.exec(line)?.[1]
    if (url) return url
  }
  assert.fail('the router printed no URL')
}

const RUNNING_ENV = {
  ...TEST_ROUTER_ENV,
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9',
}

test('SIGTERM makes a running router close gracefully and exit 0', async (t) => {
  const child = runRouter({ ...RUNNING_ENV, LAMBDA_DISPATCH_LogLevel: 'silent' })
  t.after(() => child.kill('SIGKILL'))
  const url = await bannerUrl(child)
  const health = await undiciRequest(`${url}/health`)
  assert.equal(health.statusCode, 200)
  await health.body.dump()
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const [code] = await exited
  assert.equal(code, 0)
})

// Issue 14: `lambda-dispatch router | head -8` froze the router: once the reader closed the pipe, writes to stdout
// failed with EPIPE, /health stopped answering and SIGTERM was ignored.
test('a router whose stdout and stderr readers went away keeps serving and still exits 0 on SIGTERM', async (t) => {
  const child = runRouter({ ...RUNNING_ENV, LAMBDA_DISPATCH_LogLevel: 'debug', LAMBDA_DISPATCH_AccessLog: 'true' })
  t.after(() => child.kill('SIGKILL'))
  const url = await bannerUrl(child)
  child.stdout.destroy()
  child.stderr.destroy()
  // Every request writes debug and access-log lines into the closed pipe.
  for (let i = 0; i < 3; i++) {
    const health: Awaited<ReturnType<typeof undiciRequest>> = await undiciRequest(`${url}/health`)
    assert.equal(health.statusCode, 200)
    await health.body.dump()
  }
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const [code] = await exited
  assert.equal(code, 0)
})

test('an invalid configuration exits 1 and lists every problem', async () => {
  const child = runRouter({ LAMBDA_DISPATCH_MaxConcurrentCount: 'abc' }, ['--channel-count', '500'])
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (text: string) => {
    stderr += text
  })
  const [code] = await once(child, 'exit')
  assert.equal(code, 1)
  assert.match(stderr, /LAMBDA_DISPATCH_MaxConcurrentCount must be an integer 1–100, got "abc"/)
  assert.match(stderr, /--channel-count must be an integer -1–100, got "500"/)
  assert.match(stderr, /LAMBDA_DISPATCH_FunctionName \(or --function-name\) is required/)
})

test('--help lists every setting with its environment variable', async () => {
  const child = runRouter({}, ['--help'])
  let stdout = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (text: string) => {
    stdout += text
  })
  await once(child, 'exit')
  const { ROUTER_SETTINGS } = await import('../../src/router/index.js')
  for (const setting of ROUTER_SETTINGS) {
    assert.ok(setting.flag !== undefined && stdout.includes(setting.flag), `--help names ${setting.flag}`)
    assert.ok(stdout.includes(setting.env[0] as string), `--help names ${setting.env[0]}`)
  }
})
