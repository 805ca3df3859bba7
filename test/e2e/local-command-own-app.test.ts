// Issue 14, items 1 and 6: `lambda-dispatch local --app '…'` as a user with their own app runs it. The banner shows
// the user's command and a generic curl (not the demo's routes or name), and the app's own output appears on
// stdout, each line prefixed with its environment.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { test } from 'node:test'
import { request } from 'undici'
import { startLocalCommand } from '../helpers/local-command.js'

const APP = `${process.execPath} -e "console.log('my app is up'); require('node:http').createServer((q, s) => s.end('hello from my app')).listen(process.env.PORT, '127.0.0.1')"`

test("local --app shows the user's command and a generic curl, serves the app, and prints its output prefixed by environment", async (t) => {
  const { child, url, banner } = await startLocalCommand(['--app', APP])
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  assert.match(banner, /running locally \(function "app"\)/)
  assert.ok(banner.includes(`  Your app: ${APP}`), banner)
  assert.ok(banner.includes(`  Try:   curl -i ${url}/`), banner)
  assert.doesNotMatch(banner, /\/ping|\/echo|\/sse|lambda-dispatch-demo/)

  let stdout = ''
  const appLine = new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (/^\[app-1\] my app is up$/m.test(stdout)) resolve()
    })
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const response = await request(`${url}/anything`)
  const body = await response.body.text()
  assert.equal(response.statusCode, 200, `${body}\n${stdout}\n${stderr}`)
  assert.equal(body, 'hello from my app')
  await appLine

  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const [code] = await exited
  assert.equal(code, 0)
})
