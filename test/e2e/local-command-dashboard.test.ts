// Issue 8: `lambda-dispatch local` prints where the dashboard is. The Dashboard: line names the router's admin
// listener (a free port of its own with --port 0), which serves the dashboard page and /metrics, and the
// status-command hint points at the same URL.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { test } from 'node:test'
import { request } from 'undici'
import { startLocalCommand } from '../helpers/local-command.js'

test('local prints a Dashboard: URL that serves the router dashboard, and a Metrics URL beside it', async (t) => {
  const { child, url, banner } = await startLocalCommand()
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const dashboardLine =
    /^ {2}Dashboard: +(http:\/\/127\.0\.0\.1:(\d+))\/ +\(or: npx lambda-dispatch status --url (\S+)\)$/m
  const match = dashboardLine.exec(banner)
  assert.ok(match, `a Dashboard: line in:\n${banner}`)
  const [, adminUrl, adminPort, statusUrl] = match
  assert.equal(statusUrl, adminUrl, 'the status hint names the same admin URL')
  assert.notEqual(Number(adminPort), 0)
  assert.notEqual(adminUrl, url, 'the dashboard is on the admin listener, not the front door')
  assert.match(banner, new RegExp(`^ {2}Metrics +${adminUrl}/metrics$`, 'm'))

  const page = await request(`${adminUrl}/`)
  assert.equal(page.statusCode, 200)
  assert.match(String(page.headers['content-type']), /^text\/html/)
  assert.match(await page.body.text(), /<title>Lambda Dispatch · router dashboard<\/title>/)
  const metrics = await request(`${adminUrl}/metrics`)
  assert.equal(metrics.statusCode, 200)
  assert.match(await metrics.body.text(), /^# HELP lambda_dispatch_router_requests_total /m)

  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const [code] = await exited
  assert.equal(code, 0)
})
