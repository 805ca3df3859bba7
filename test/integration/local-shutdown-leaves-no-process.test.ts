// Teardown in the local Lambda (issue 5, item 1: "no orphan processes, ever"): SHUTDOWN reaches a subscribed
// extension before any signal, an extension that ignores it is killed at the deadline, close() leaves no process
// (frozen ones included), and the exit hook kills everything when the owner exits without close().
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { REPO_ROOT } from '../helpers/local-demo-app.js'
import {
  demoFunction,
  invokeJson,
  isGone,
  lambdaClient,
  nextEvent,
  startCallHolder,
  startTestLambda,
} from '../helpers/local-lambda.js'
import { processState } from '../helpers/proc.js'

function readLog(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

test('at close() a SHUTDOWN-subscribed extension gets SHUTDOWN (spindown) and exits before any signal reaches it', async (t) => {
  const log = join(mkdtempSync(join(tmpdir(), 'local-shutdown-')), 'extension.log')
  const lambda = await startTestLambda(t, {
    demo: demoFunction({ shutdownTimeoutMs: 2000, env: { SCRIPTED_EXTENSION_LOG: log } }),
  })
  const client = lambdaClient(t, lambda.endpoint)
  const ready = nextEvent(lambda, 'environment-state', (event) => event.to === 'ready')
  await invokeJson(client, 'demo', { action: 'echo' })
  await ready
  const shutdown = nextEvent(lambda, 'environment-shutdown')
  const closedAtMs = Date.now()
  await lambda.close()

  const entries = readLog(log)
  assert.deepEqual(Object.keys(entries[0] ?? {}), ['pid', 'registered'])
  const last = entries.at(-1) as { event: { eventType: string; shutdownReason: string; deadlineMs: number } }
  assert.equal(last.event.eventType, 'SHUTDOWN')
  assert.equal(last.event.shutdownReason, 'spindown')
  assert.ok(last.event.deadlineMs >= closedAtMs + 2000, 'the deadline leaves the whole shutdown time')
  assert.equal(entries.filter((entry) => 'signal' in entry).length, 0, 'no signal reached the extension')
  const { processes } = await shutdown
  const extension = processes.find((process) => process.role === 'extension')
  assert.deepEqual(extension?.exit, { exitCode: 0, signal: null })
})

test('an extension that ignores SHUTDOWN is killed at the shutdown deadline', async (t) => {
  const lambda = await startTestLambda(t, {
    demo: demoFunction({ shutdownTimeoutMs: 200, env: { SCRIPTED_EXTENSION_IGNORE_SHUTDOWN: '1' } }),
  })
  const client = lambdaClient(t, lambda.endpoint)
  await invokeJson(client, 'demo', { action: 'echo' })
  const shutdown = nextEvent(lambda, 'environment-shutdown')
  await lambda.close()
  const extension = (await shutdown).processes.find((process) => process.role === 'extension')
  assert.equal(extension?.exit?.signal, 'SIGKILL')
})

test('close() leaves no process behind, frozen and busy environments included', async (t) => {
  const holder = await startCallHolder(t)
  const lambda = await startTestLambda(t, { demo: demoFunction({ freezeWhenIdle: true }) })
  const client = lambdaClient(t, lambda.endpoint)
  const [first, second] = [holder.hold('/first'), holder.hold('/busy')]
  const done = invokeJson(client, 'demo', { action: 'call', url: `${holder.url}/first` })
  const busy = invokeJson(client, 'demo', { action: 'call', url: `${holder.url}/busy` })
  await Promise.all([first.arrived, second.arrived])
  const frozen = nextEvent(lambda, 'environment-state', (event) => event.to === 'frozen')
  first.release()
  await done
  await frozen
  const environments = lambda.environments('demo')
  assert.deepEqual(environments.map((environment) => environment.state).sort(), ['frozen', 'invoking'])
  const pids = environments.flatMap((environment) => environment.processes.map((process) => process.pid as number))
  assert.equal(pids.length, 4)

  await lambda.close()
  for (const pid of pids) assert.ok(isGone(pid), `pid ${pid} is gone`)
  const interrupted = await busy
  assert.equal(interrupted.output.FunctionError, 'Unhandled')
  assert.equal((interrupted.json as { errorType: string }).errorType, 'Sandbox.ShutDown')
})

test('when the owning process exits without close(), the exit hook kills every environment process', async () => {
  const fixture = resolve(import.meta.dirname, '../helpers/local-exit-without-close.ts')
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  const pids = await new Promise<number[]>((resolvePids) => {
    lines.on('line', (line) => {
      if (line.startsWith('PIDS ')) resolvePids(JSON.parse(line.slice(5)) as number[])
    })
  })
  assert.equal(pids.length, 2)
  // The environment processes inherited the fixture's stdout: the pipe closes only once the last of them is dead.
  await new Promise((resolveClosed) => child.stdout.once('close', resolveClosed))
  for (const pid of pids) {
    const state = processState(pid)
    assert.ok(state === undefined || state === 'Z', `pid ${pid} is dead (state ${state})`)
  }
})
