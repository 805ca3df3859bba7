// Issue 6 item 3, fault matrix: `lambda-dispatch local` (router, local Lambda and app as real processes) gets SIGTERM
// while requests are in flight: slow answers, streamed SSE and an echo upload. Every request the app had already
// received completes with its whole body, the command exits 0, and every process it started (apps, extensions) is
// gone. (test/e2e/local-command-signals.test.ts covers the idle case.)
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { Agent, request } from 'undici'
import type { FaultAppReport } from '../helpers/fault-app.js'
import { EventLog, FAULT_APP, startReportServer } from '../helpers/fault-stack.js'
import { isGone } from '../helpers/local-lambda.js'
import { descendants, processState } from '../helpers/proc.js'
import { teardown } from '../helpers/teardown.js'

const ROOT = resolve(import.meta.dirname, '../..')

const SLOW = Array.from({ length: 4 }, (_, index) => `/delay?ms=1500&i=${index}`)
const STREAMS = Array.from({ length: 4 }, (_, index) => `/sse?n=10&interval=150&i=${index}`)
const UPLOAD_BYTES = 2 * 1024 * 1024

test('SIGTERM under load: every request in flight completes, the command exits 0, and no process is left', async (t) => {
  const defer = teardown(t)
  const app = new EventLog<FaultAppReport>()
  const reports = await startReportServer(app)
  defer(() => reports.close())
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'local',
      '--port',
      '0',
      '--control-port',
      '0',
      '--no-status',
      '--no-freeze',
      '--log-level',
      'warn',
      '--app',
      `${process.execPath} --import tsx ${FAULT_APP}`,
      '--env',
      `FAULT_APP_REPORT_PORT=${reports.port}`,
      '--env',
      'LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS=600000',
      '--router-setting',
      'MaxConcurrentCount=16',
      '--router-setting',
      'MinInstances=1',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let output = ''
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Router front door (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match) resolveUrl(match[1] as string)
    })
    void exited.then(([code]) => reject(new Error(`lambda-dispatch local exited with ${code}: ${output}`)))
  })
  const agent = new Agent({ connections: 32 })
  defer(() => agent.close())
  const warm = await request(`${url}/ping`, { dispatcher: agent })
  assert.equal(await warm.body.text(), 'pong')

  const upload = Buffer.alloc(UPLOAD_BYTES, 42)
  const targets = [...SLOW, ...STREAMS, '/echo?upload=1']
  const arrived = Promise.all(
    targets.map((target) => app.next((report) => report.event === 'request' && report.target === target)),
  )
  const inFlight = targets.map(async (target) => {
    const response = await request(`${url}${target}`, {
      dispatcher: agent,
      ...(target.startsWith('/echo') ? { method: 'POST' as const, body: upload } : {}),
    })
    return { target, status: response.statusCode, body: Buffer.from(await response.body.arrayBuffer()) }
  })
  await arrived
  const spawned = descendants(child.pid as number)
  assert.ok(spawned.length >= 2, `the app and the extension run as descendants (${spawned.length})`)

  child.kill('SIGTERM')
  const results = await Promise.all(inFlight)
  for (const result of results) assert.equal(result.status, 200, `${result.target} completed`)
  for (const result of results.filter((entry) => entry.target.startsWith('/delay'))) {
    assert.equal(result.body.toString(), 'delayed 1500 ms')
  }
  for (const result of results.filter((entry) => entry.target.startsWith('/sse'))) {
    assert.equal(result.body.toString(), Array.from({ length: 10 }, (_, index) => `data: ${index}\n\n`).join(''))
  }
  const echoed = results.find((entry) => entry.target.startsWith('/echo'))
  assert.ok(echoed?.body.equals(upload), 'the upload came back whole')

  const [code, signal] = await exited
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, output)
  // The app runs under `sh -c`: killed with its process group, it is reparented to init, which reaps it when it
  // gets to it. A zombie is dead; anything else would be a survivor.
  assert.deepEqual(
    spawned.filter((pid) => !isGone(pid) && processState(pid) !== 'Z'),
    [],
    'every process the command started is gone',
  )
})
