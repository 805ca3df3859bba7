// Issue 14, item 1: an app that exits during init, or never becomes ready, is explained in one line: waiting clients
// get 502 LD_APP_START_FAILED (not 503 no capacity), and the router log says the exit status and the app's last
// stderr lines, or the readiness path, port and status probed. Once the app is fixed, the same stack serves again.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { childCommands } from '../../src/cli/local-stack.js'
import { getText, h1Client, startE2eStack } from '../helpers/e2e-stack.js'
import { captureLogs } from '../helpers/log-capture.js'
import { teardown } from '../helpers/teardown.js'

const demoApp = childCommands('source')
  .demoApp.map((arg) => `'${arg}'`)
  .join(' ')

test('an app that exits during init gets waiting clients a 502 whose log line has the exit status and last stderr, and a fixed app serves again', async (t) => {
  const defer = teardown(t)
  const dir = mkdtempSync(join(tmpdir(), 'ld-app-start-'))
  defer(() => rmSync(dir, { recursive: true, force: true }))
  const fixed = join(dir, 'fixed')
  const logs = captureLogs('warn')
  // Crashes until the file `fixed` exists: the first start fails, the test then "fixes" the app.
  const app = `if [ -f '${fixed}' ]; then exec ${demoApp}; fi; echo 'starting'; echo 'Error: config.json not found' >&2; exit 3`
  const stack = await startE2eStack(
    { after: defer },
    { appCommand: ['/bin/sh', '-c', app], childOutput: 'log', logger: logs.logger },
  )
  const agent = h1Client({ after: defer })
  const url = stack.addresses.frontDoorUrl

  const failed = await getText(agent, `${url}/ping`)
  assert.equal(failed.status, 502)
  assert.match(failed.body, /LD_APP_START_FAILED/)
  const line = await logs.waitFor(
    (entry) => (entry.err as { code?: string } | undefined)?.code === 'LD_APP_START_FAILED',
  )
  assert.match(String(line.msg), /Runtime\.ExitError/)
  assert.match(String(line.msg), /exit status 3; last stderr: "Error: config\.json not found"/)

  writeFileSync(fixed, '')
  const served = await getText(agent, `${url}/ping`)
  assert.equal(served.status, 200)
})

test('an app without /health that answers / gets waiting clients a 502 naming the probe, the status seen and the readiness-path hint', async (t) => {
  const defer = teardown(t)
  const dir = mkdtempSync(join(tmpdir(), 'ld-app-ready-'))
  defer(() => rmSync(dir, { recursive: true, force: true }))
  const fixed = join(dir, 'fixed')
  const script = join(dir, 'app.mjs')
  // Answers / always, and /health only once the file `fixed` exists.
  writeFileSync(
    script,
    `import { createServer } from 'node:http'
import { existsSync } from 'node:fs'
createServer((req, res) => {
  const ok = req.url === '/' || (req.url === '/health' && existsSync(${JSON.stringify(fixed)}))
  res.writeHead(ok ? 200 : 404).end('x')
}).listen(process.env.PORT, '127.0.0.1')
`,
  )
  const logs = captureLogs('warn')
  const stack = await startE2eStack(
    { after: defer },
    { appCommand: [process.execPath, script], childOutput: 'log', logger: logs.logger, initTimeoutMs: 6_000 },
  )
  const agent = h1Client({ after: defer })
  const url = stack.addresses.frontDoorUrl
  const failed = await getText(agent, `${url}/`)
  assert.equal(failed.status, 502)
  assert.match(failed.body, /LD_APP_START_FAILED/)
  const line = await logs.waitFor(
    (entry) => (entry.err as { code?: string } | undefined)?.code === 'LD_APP_START_FAILED',
  )
  assert.match(String(line.msg), /Extension\.AppNotReady/)
  assert.match(String(line.msg), /GET \/health on port \d+ answered 404/)
  assert.match(String(line.msg), /set the readiness path to "\/"/)

  writeFileSync(fixed, '')
  const served = await getText(agent, `${url}/`)
  assert.equal(served.status, 200)
})
