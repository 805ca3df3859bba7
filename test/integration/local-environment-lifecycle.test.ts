// Execution environment lifecycle in the local Lambda (issue 5, item 1): warm reuse, one environment per concurrent
// invoke, idle TTL, freeze/thaw, and a caller abort that must not break the environment. Real child processes.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { EnvironmentStateEvent } from '../../src/local/index.js'
import {
  demoFunction,
  invokeJson,
  isGone,
  lambdaClient,
  nextEvent,
  startCallHolder,
  startTestLambda,
  untilProcessState,
} from '../helpers/local-lambda.js'

function recordTransitions(events: NodeJS.EventEmitter): string[] {
  const transitions: string[] = []
  events.on('environment-state', (event: EnvironmentStateEvent) => transitions.push(`${event.from}>${event.to}`))
  return transitions
}

test('a second invoke reuses the warm environment: one environment, one cold and one warm start, same process', async (t) => {
  const lambda = await startTestLambda(t, { demo: demoFunction() })
  const client = lambdaClient(t, lambda.endpoint)
  const transitions = recordTransitions(lambda.events)

  let idle = nextEvent(lambda, 'environment-state', (event) => event.to === 'ready')
  const first = await invokeJson(client, 'demo', { action: 'echo' })
  await idle
  idle = nextEvent(lambda, 'environment-state', (event) => event.to === 'ready')
  const second = await invokeJson(client, 'demo', { action: 'fetch', path: '/ping' })
  await idle

  assert.deepEqual(second.json, { status: 200, body: 'pong' })
  const stats = lambda.stats('demo')
  assert.equal(stats.environments.created, 1)
  assert.equal(stats.coldStarts, 1)
  assert.equal(stats.warmStarts, 1)
  assert.deepEqual(stats.environments, { created: 1, alive: 1, busy: 0, idle: 1, frozen: 0 })
  const [environment] = lambda.environments('demo')
  assert.equal(environment?.invokesServed, 2)
  const extension = environment?.processes.find((process) => process.role === 'extension')
  assert.equal(extension?.pid, (first.json as { pid: number }).pid)
  assert.deepEqual(transitions, [
    'cold>initializing',
    'initializing>invoking',
    'invoking>ready',
    'ready>invoking',
    'invoking>ready',
  ])
})

test('concurrent invokes each get their own environment', async (t) => {
  const holder = await startCallHolder(t)
  const lambda = await startTestLambda(t, { demo: demoFunction() })
  const client = lambdaClient(t, lambda.endpoint)
  const calls = [holder.hold('/a'), holder.hold('/b')]
  const invokes = ['/a', '/b'].map((path) =>
    invokeJson(client, 'demo', { action: 'call', url: `${holder.url}${path}` }),
  )
  await Promise.all(calls.map((call) => call.arrived))
  assert.deepEqual(lambda.stats('demo').environments, { created: 2, alive: 2, busy: 2, idle: 0, frozen: 0 })
  for (const call of calls) call.release('done')
  const results = await Promise.all(invokes)
  assert.deepEqual(
    results.map((result) => result.json),
    [
      { status: 200, body: 'done' },
      { status: 200, body: 'done' },
    ],
  )
  assert.equal(lambda.stats('demo').coldStarts, 2)
})

test('an idle environment is shut down with reason spindown once idleEnvironmentTtlMs passes', async (t) => {
  const lambda = await startTestLambda(t, { demo: demoFunction({ idleEnvironmentTtlMs: 50 }) })
  const client = lambdaClient(t, lambda.endpoint)
  const shutdown = nextEvent(lambda, 'environment-shutdown')
  await invokeJson(client, 'demo', { action: 'echo' })
  const event = await shutdown
  assert.equal(event.reason, 'spindown')
  assert.equal(event.errorCode, undefined)
  assert.equal(event.processes.length, 2)
  for (const process of event.processes) assert.ok(isGone(process.pid as number), `${process.name} is gone`)
  assert.equal(lambda.stats('demo').environments.alive, 0)
})

test('with freezeWhenIdle every process is stopped while idle and runs again at the next invoke', async (t) => {
  const lambda = await startTestLambda(t, { demo: demoFunction({ freezeWhenIdle: true }) })
  const client = lambdaClient(t, lambda.endpoint)
  const transitions = recordTransitions(lambda.events)

  let frozen = nextEvent(lambda, 'environment-state', (event) => event.to === 'frozen')
  await invokeJson(client, 'demo', { action: 'echo' })
  await frozen
  const pids = lambda.environments('demo')[0]?.processes.map((process) => process.pid as number) ?? []
  assert.equal(pids.length, 2)
  for (const pid of pids) await untilProcessState(pid, 'T')
  assert.equal(lambda.stats('demo').environments.frozen, 1)

  frozen = nextEvent(lambda, 'environment-state', (event) => event.to === 'frozen')
  const thawed = await invokeJson(client, 'demo', { action: 'fetch', path: '/ping' })
  assert.deepEqual(thawed.json, { status: 200, body: 'pong' })
  await frozen
  assert.deepEqual(transitions, [
    'cold>initializing',
    'initializing>invoking',
    'invoking>ready',
    'ready>frozen',
    'frozen>invoking',
    'invoking>ready',
    'ready>frozen',
  ])
})

test('a caller that aborts its Invoke leaves the environment serving the next invoke', async (t) => {
  const holder = await startCallHolder(t)
  const lambda = await startTestLambda(t, { demo: demoFunction() })
  const call = holder.hold('/held')
  const aborted = request(`${lambda.endpoint}/2015-03-31/functions/demo/invocations`, { method: 'POST' })
  aborted.on('error', () => {})
  aborted.end(JSON.stringify({ action: 'call', url: `${holder.url}/held` }))
  await call.arrived
  const closed = new Promise((resolveClosed) => aborted.once('close', resolveClosed))
  aborted.destroy()
  await closed

  const ended = nextEvent(lambda, 'invoke-end')
  const idle = nextEvent(lambda, 'environment-state', (event) => event.to === 'ready')
  call.release()
  assert.equal((await ended).result, 'success')
  await idle

  const client = lambdaClient(t, lambda.endpoint)
  const next = await invokeJson(client, 'demo', { action: 'echo', value: 'after abort' })
  assert.equal((next.json as { value: string }).value, 'after abort')
  assert.equal(lambda.stats('demo').environments.created, 1)
})

test('an extension registered for INVOKE receives each invoke as an event with its request id, ARN and tracing', async (t) => {
  const log = join(mkdtempSync(join(tmpdir(), 'local-invoke-events-')), 'extension.log')
  const lambda = await startTestLambda(t, {
    demo: demoFunction({ env: { SCRIPTED_EXTENSION_EVENTS: 'INVOKE,SHUTDOWN', SCRIPTED_EXTENSION_LOG: log } }),
  })
  const client = lambdaClient(t, lambda.endpoint)
  const ready = nextEvent(lambda, 'environment-state', (event) => event.to === 'ready')
  const { output } = await invokeJson(client, 'demo', { action: 'echo' })
  await ready
  const events = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event?: Record<string, unknown> })
    .flatMap((entry) => (entry.event ? [entry.event] : []))
  assert.equal(events.length, 1)
  assert.equal(events[0]?.eventType, 'INVOKE')
  assert.equal(events[0]?.requestId, output.$metadata.requestId)
  assert.equal(events[0]?.invokedFunctionArn, 'arn:aws:lambda:us-east-1:123456789012:function:demo')
  assert.equal((events[0]?.tracing as { type: string } | undefined)?.type, 'X-Amzn-Trace-Id')
})

test('no process starts during the cold start delay, and close() then ends the waiting invoke with Sandbox.ShutDown', async (t) => {
  const lambda = await startTestLambda(t, { demo: demoFunction({ coldStartDelayMs: 600_000 }) })
  const client = lambdaClient(t, lambda.endpoint)
  const initializing = nextEvent(lambda, 'environment-state', (event) => event.to === 'initializing')
  const waiting = invokeJson(client, 'demo', { action: 'echo' })
  await initializing
  assert.deepEqual(
    lambda.environments('demo').map((environment) => [environment.state, environment.processes.length]),
    [['initializing', 0]],
  )
  await lambda.close()
  const { output, json } = await waiting
  assert.equal(output.FunctionError, 'Unhandled')
  assert.equal((json as { errorType: string }).errorType, 'Sandbox.ShutDown')
  assert.equal(lambda.stats('demo').initFailures, 1)
})
