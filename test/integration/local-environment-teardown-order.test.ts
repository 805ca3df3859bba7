// Teardown order of an execution environment in the local Lambda (issue 5, item 1), as Lambda does it: the app (the
// runtime process) gets SIGTERM first, the extensions get SHUTDOWN only once the app is gone, and whatever ignores
// its turn is SIGKILLed when its time is up: the app after the runtime's share of ShutdownTimeout, the extensions at
// the deadline. Real child processes report what they receive to a recorder in this process, one connection each, so
// a SIGKILL shows as that connection closing; the recorder stamps the sequence and the time of arrival.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Socket } from 'node:net'
import { resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { type TestContext, test } from 'node:test'
import type { EnvironmentShutdownEvent } from '../../src/local/index.js'
import { demoFunction, invokeJson, lambdaClient, nextEvent, startTestLambda } from '../helpers/local-lambda.js'
import { teardown } from '../helpers/teardown.js'

const TEARDOWN_APP = resolve(import.meta.dirname, '../helpers/local-teardown-app.ts')
const SHUTDOWN_TIMEOUT_MS = 1000
// The runtime's share of ShutdownTimeout between its SIGTERM and its SIGKILL (shutdown-sequence.ts, from Lambda's
// runtime interface emulator).
const RUNTIME_SHARE_MS = SHUTDOWN_TIMEOUT_MS * 0.3
// Timers fire on a whole-millisecond loop clock, so a deadline can land up to a millisecond before the exact figure.
const TIMER_GRAIN_MS = 1

interface Recorded {
  readonly entry: string
  readonly atMs: number
}

interface Recorder {
  readonly port: number
  readonly entries: readonly Recorded[]
  mark(entry: string): void
  /** Resolves with the first entry equal to `entry`, already recorded or still to come. */
  waitFor(entry: string): Promise<Recorded>
}

/** A loopback server: each line a child sends is an entry; the child's connection closing is `<who> exited`. */
async function startRecorder(t: TestContext): Promise<Recorder> {
  const entries: Recorded[] = []
  const waiters: { entry: string; resolve: (recorded: Recorded) => void }[] = []
  const mark = (entry: string): void => {
    const recorded = { entry, atMs: performance.now() }
    entries.push(recorded)
    for (const waiter of waiters.filter((candidate) => candidate.entry === entry)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(recorded)
    }
  }
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    let who: string | undefined
    let partial = ''
    socket.setEncoding('utf8')
    socket.on('data', (text: string) => {
      partial += text
      for (let newline = partial.indexOf('\n'); newline !== -1; newline = partial.indexOf('\n')) {
        const line = partial.slice(0, newline)
        partial = partial.slice(newline + 1)
        who ??= line.split(' ')[0]
        mark(line)
      }
    })
    let exited = false
    const onExit = (): void => {
      if (exited) return
      exited = true
      sockets.delete(socket)
      mark(`${who} exited`)
    }
    socket.on('end', onExit)
    socket.on('close', onExit)
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  teardown(t)(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })
  return {
    port: (server.address() as { port: number }).port,
    entries,
    mark,
    waitFor(entry) {
      const found = entries.find((recorded) => recorded.entry === entry)
      if (found) return Promise.resolve(found)
      return new Promise((resolveEntry) => waiters.push({ entry, resolve: resolveEntry }))
    },
  }
}

/**
 * One warm environment running the recording app and the scripted extension (subscribed to SHUTDOWN); closes the
 * local Lambda and resolves with what the recorder saw from the moment the environment began shutting down, and the
 * environment's shutdown event.
 */
async function recordTeardown(
  t: TestContext,
  env: Record<string, string>,
): Promise<{ sequence: Recorded[]; shutdown: EnvironmentShutdownEvent }> {
  const recorder = await startRecorder(t)
  const lambda = await startTestLambda(t, {
    demo: demoFunction({
      runtimeCommand: [process.execPath, '--import', 'tsx', TEARDOWN_APP],
      shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
      env: {
        TEARDOWN_RECORDER_PORT: String(recorder.port),
        SCRIPTED_EXTENSION_RECORDER_PORT: String(recorder.port),
        ...env,
      },
    }),
  })
  const client = lambdaClient(t, lambda.endpoint)
  const ready = nextEvent(lambda, 'environment-state', (event) => event.to === 'ready')
  assert.equal((await invokeJson(client, 'demo', { action: 'fetch', path: '/' })).output.StatusCode, 200)
  await ready
  await Promise.all([recorder.waitFor('app started'), recorder.waitFor('extension registered')])

  // Emitted in the same turn the shutdown sequence starts, before any signal is sent.
  lambda.events.on('environment-state', (event) => {
    if (event.to === 'shutting-down') recorder.mark('lambda shutting-down')
  })
  const shutdown = nextEvent(lambda, 'environment-shutdown')
  await lambda.close()
  await Promise.all([recorder.waitFor('app exited'), recorder.waitFor('extension exited')])
  const start = recorder.entries.findIndex((recorded) => recorded.entry === 'lambda shutting-down')
  assert.ok(start >= 0, 'the environment went through shutting-down')
  return { sequence: recorder.entries.slice(start), shutdown: await shutdown }
}

function exitOf(event: EnvironmentShutdownEvent, role: 'runtime' | 'extension') {
  const child = event.processes.find((candidate) => candidate.role === role)
  assert.ok(child, `the environment had a ${role} process`)
  return { exitCode: child.exit?.exitCode, signal: child.exit?.signal }
}

test('an app that exits on SIGTERM is gone before the extension gets SHUTDOWN, and no one is killed', async (t) => {
  const { sequence, shutdown } = await recordTeardown(t, { TEARDOWN_APP_ON_SIGTERM: 'exit' })
  assert.deepEqual(
    sequence.map((recorded) => recorded.entry),
    ['lambda shutting-down', 'app SIGTERM', 'app exited', 'extension SHUTDOWN', 'extension exited'],
  )
  assert.equal(shutdown.reason, 'spindown')
  assert.deepEqual(exitOf(shutdown, 'runtime'), { exitCode: 0, signal: null })
  assert.deepEqual(exitOf(shutdown, 'extension'), { exitCode: 0, signal: null }, 'it exited on SHUTDOWN')
})

test('an app that ignores SIGTERM is SIGKILLed after the runtime share, then the extension gets SHUTDOWN and is SIGKILLed at the deadline', async (t) => {
  const { sequence, shutdown } = await recordTeardown(t, {
    TEARDOWN_APP_ON_SIGTERM: 'ignore',
    SCRIPTED_EXTENSION_IGNORE_SHUTDOWN: '1',
  })
  assert.deepEqual(
    sequence.map((recorded) => recorded.entry),
    ['lambda shutting-down', 'app SIGTERM', 'app exited', 'extension SHUTDOWN', 'extension exited'],
    'the extension never gets SIGTERM: SHUTDOWN is its only notice',
  )
  assert.deepEqual(exitOf(shutdown, 'runtime'), { exitCode: null, signal: 'SIGKILL' })
  assert.deepEqual(exitOf(shutdown, 'extension'), { exitCode: null, signal: 'SIGKILL' })
  const at = (entry: string): number => {
    const recorded = sequence.find((candidate) => candidate.entry === entry)
    assert.ok(recorded, entry)
    return recorded.atMs - (sequence[0] as Recorded).atMs
  }
  // Lower bounds only: the SIGKILLs must not come early. How much later a loaded machine gets to them is not tested.
  assert.ok(
    at('app exited') >= RUNTIME_SHARE_MS - TIMER_GRAIN_MS,
    `the app lived ${at('app exited')} ms after shutdown began, at least the runtime share (${RUNTIME_SHARE_MS} ms)`,
  )
  assert.ok(
    at('extension exited') >= SHUTDOWN_TIMEOUT_MS - 2 * TIMER_GRAIN_MS,
    `the extension lived ${at('extension exited')} ms, until the deadline (${SHUTDOWN_TIMEOUT_MS} ms)`,
  )
})
