// EnvironmentProcesses with real children: each process starts with the Runtime API address and the chosen port in
// its variables, the snapshot lists extensions before the runtime, every exit is reported once with its role, and
// close() ends every process it started.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveLocalLambdaConfig } from '../../../../src/local/config.js'
import { EnvironmentProcesses, type ProcessRole } from '../../../../src/local/environment/environment-processes.js'
import type { ProcessExit } from '../../../../src/local/environment/process-group.js'
import { deferred } from '../../../helpers/deferred.js'
import { captureLogs } from '../../../helpers/log-capture.js'
import { teardown } from '../../../helpers/teardown.js'

// Prints what the environment told it, then exits 0.
const PRINT_ENVIRONMENT = [
  process.execPath,
  '-e',
  'console.log([process.env.AWS_LAMBDA_RUNTIME_API, process.env.APP_PORT, process.env.GREETING].join(" "))',
]

interface Exited {
  readonly name: string
  readonly role: ProcessRole
  readonly exit: ProcessExit
}

// Runs until it is signalled.
const RUN_UNTIL_KILLED = [process.execPath, '-e', 'setInterval(() => {}, 2 ** 30)']

function startProcesses(portVariables: string[], command: readonly string[] = PRINT_ENVIRONMENT) {
  const config = resolveLocalLambdaConfig(
    {
      functions: {
        fn: {
          runtimeCommand: command,
          extensionCommands: [command],
          portVariables,
          env: { GREETING: 'hello' },
        },
      },
    },
    process.cwd(),
  ).functions.get('fn')
  assert.ok(config)
  const logs = captureLogs('info')
  const exited: Exited[] = []
  const bothExited = deferred()
  const processes = new EnvironmentProcesses({
    environmentId: 'env-1',
    config,
    region: 'us-east-1',
    childOutput: 'log',
    logger: logs.logger,
    createdAtMs: Date.now(),
    onExit: (group, role, exit) => {
      exited.push({ name: group.name, role, exit })
      if (exited.length === 2) bothExited.resolve()
    },
  })
  return { processes, logs, exited, bothExited: bothExited.promise }
}

test('the extensions and the runtime start with the Runtime API address, the chosen port and the function variables', async (t) => {
  const { processes, logs, exited, bothExited } = startProcesses(['APP_PORT'])
  teardown(t)(() => processes.killSync())
  await processes.prepare('127.0.0.1:9001')
  const port = processes.port
  assert.ok(port !== undefined && port > 0)
  processes.spawnExtensions()
  processes.spawnRuntime()
  await bothExited
  assert.deepEqual(
    processes.snapshot().map(({ name, role, exit }) => ({ name, role, exit })),
    [
      { name: 'extension-0', role: 'extension', exit: { exitCode: 0, signal: null } },
      { name: 'runtime', role: 'runtime', exit: { exitCode: 0, signal: null } },
    ],
  )
  assert.deepEqual(exited.map(({ name, role }) => `${name}:${role}`).sort(), [
    'extension-0:extension',
    'runtime:runtime',
  ])
  const printed = logs.lines.filter((line) => line.stream === 'stdout').map((line) => [line.process, line.msg])
  assert.deepEqual(printed.sort(), [
    ['extension-0', `127.0.0.1:9001 ${port} hello`],
    ['runtime', `127.0.0.1:9001 ${port} hello`],
  ])
})

test('a function without port variables gets no port, and a spawn before prepare() is refused', async (t) => {
  const { processes } = startProcesses([])
  teardown(t)(() => processes.killSync())
  assert.throws(() => processes.spawnRuntime(), /before prepare/)
  await processes.prepare('127.0.0.1:9001')
  assert.equal(processes.port, undefined)
  assert.deepEqual(processes.snapshot(), [])
})

test('close() ends every process it started, killing a runtime no extension registered for, and refuses later spawns', async (t) => {
  const { processes, exited, bothExited } = startProcesses([], RUN_UNTIL_KILLED)
  teardown(t)(() => processes.killSync())
  await processes.prepare('127.0.0.1:9001')
  processes.spawnExtensions()
  processes.spawnRuntime()
  const shutdownsSent: number[] = []
  const shutdown = {
    hasRegisteredExtensions: false,
    hasShutdownSubscribers: false,
    sendShutdown: (deadlineMs: number) => shutdownsSent.push(deadlineMs),
    shutdownTimeoutMs: 2000,
    now: Date.now,
  }
  const closed = processes.close(shutdown)
  assert.equal(processes.close(shutdown), closed, 'a second close() is the first one')
  await closed
  await bothExited
  assert.deepEqual(
    processes.snapshot().map(({ name, exit }) => ({ name, exit })),
    [
      { name: 'extension-0', exit: { exitCode: null, signal: 'SIGKILL' } },
      { name: 'runtime', exit: { exitCode: null, signal: 'SIGKILL' } },
    ],
  )
  assert.equal(exited.length, 2)
  assert.deepEqual(shutdownsSent, [], 'no extension subscribed to SHUTDOWN')
  assert.throws(() => processes.spawnRuntime(), /after close/)
})
