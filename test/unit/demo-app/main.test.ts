// The demo app as a real child process: the ready line, the environment settings and a clean exit on SIGTERM.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { test } from 'node:test'
import { demoAppCommand, REPO_ROOT, spawnDemoApp } from '../../helpers/local-demo-app.js'

test('main.ts with PORT=0 prints its real port, serves /ping and exits 0 on SIGTERM', async (t) => {
  const app = await spawnDemoApp({ DEMO_APP_STARTUP_DELAY_MS: '10' })
  t.after(() => app.stop())
  assert.match(app.origin, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/)
  const reply = await fetch(`${app.origin}/ping`)
  assert.equal(await reply.text(), 'pong')
  assert.equal(await app.stop(), 0)
})

test('main.ts exits on SIGTERM even while an SSE response is open', async (t) => {
  const app = await spawnDemoApp()
  t.after(() => app.stop())
  const req = httpRequest(`${app.origin}/sse?n=10&interval=600000`)
  req.on('error', () => {})
  req.end()
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  res.on('error', () => {})
  await once(res, 'data')
  assert.equal(await app.stop(), 0)
})

test('main.ts refuses an invalid PORT with a message naming it and exit code 1', async () => {
  const [command, ...args] = demoAppCommand()
  const child = spawn(command as string, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: 'abc' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const [code] = await once(child, 'exit')
  assert.equal(code, 1)
  assert.match(stderr, /PORT must be an integer 0-65535, got "abc"/)
})
