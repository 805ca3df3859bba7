// Issue 4 §1 and §8: SHUTDOWN or SIGTERM lets in-flight requests finish within the time Lambda allows, completes the
// invoke and exits 0; an invalid configuration fails at start, naming each variable, and exits 1.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Harness, startExtensionProcess, startHarness } from '../helpers/extension-harness.js'

const ENV = { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000' }

/** Starts an invoke with one request in flight whose body the test finishes; resolves once the app is serving it. */
async function invokeWithRequestInFlight(harness: Harness, id: string) {
  const invoke = harness.invoke({ id, numberOfChannels: 2 })
  const channel = await harness.router.nextChannel()
  const exchange = channel.send(
    { method: 'POST', target: '/echo', headers: ['Content-Length', '8'] },
    Buffer.from('shut'),
    { endStream: false },
  )
  await exchange.head
  return { invoke, finish: () => channel.stream.end('down'), exchange }
}

test('SHUTDOWN while waiting for an invoke exits 0', async (t) => {
  const harness = await startHarness(t, { env: ENV })
  harness.runtime.sendShutdown()
  assert.deepEqual(await harness.extension.exited, { code: 0, signal: null })
  const line = await harness.extension.waitForLog((entry) => entry.msg === 'shutting down')
  assert.equal(line.source, 'SHUTDOWN')
})

test('SHUTDOWN during an invoke closes the instance, finishes the request in flight, answers and exits 0', async (t) => {
  const harness = await startHarness(t, { env: ENV })
  const { invoke, finish, exchange } = await invokeWithRequestInFlight(harness, 'lambda-shutdown')
  const closed = harness.router.nextClose()
  harness.runtime.sendShutdown(Date.now() + 2_000)
  assert.equal((await closed)['x-lambda-id'], 'lambda-shutdown')
  finish()
  assert.equal((await exchange.done).body.toString(), 'shutdown')
  const answer = await invoke
  assert.equal(answer.kind, 'response')
  assert.equal(answer.body.ExitReason, 'SelfDeadline')
  assert.equal(answer.body.RequestCount, 1)
  assert.equal((await harness.extension.exited).code, 0)
})

test('SIGTERM during an invoke is a graceful shutdown too', async (t) => {
  const harness = await startHarness(t, { env: ENV })
  const { invoke, finish, exchange } = await invokeWithRequestInFlight(harness, 'lambda-sigterm')
  const closed = harness.router.nextClose()
  harness.extension.child.kill('SIGTERM')
  await closed
  finish()
  assert.equal((await exchange.done).body.toString(), 'shutdown')
  const answer = await invoke
  assert.equal(answer.kind, 'response')
  assert.equal(answer.body.ExitReason, 'SelfDeadline')
  assert.deepEqual(await harness.extension.exited, { code: 0, signal: null })
})

test('an invalid configuration stops the extension at start with every problem named', async (t) => {
  const extension = startExtensionProcess(t, {
    LAMBDA_DISPATCH_PORT: 'abc',
    LAMBDA_DISPATCH_READINESS_STATUS: '200-abc',
    LAMBDA_DISPATCH_ENABLE_COMPRESSION: 'yes',
  })
  assert.equal((await extension.exited).code, 1)
  const line = await extension.waitForLog((entry) => entry.level === 'fatal')
  const problems = (line.err as { problems?: string[] }).problems ?? []
  assert.deepEqual(problems, [
    'LAMBDA_DISPATCH_PORT must be an integer 1–65535, got "abc"',
    'LAMBDA_DISPATCH_READINESS_STATUS must be status codes or ranges, e.g. "200-299" or "200-399,404", got "200-abc"',
    'LAMBDA_DISPATCH_ENABLE_COMPRESSION must be true or false, got "yes"',
    'AWS_LAMBDA_RUNTIME_API is required: host:port of the Lambda Runtime API, e.g. 127.0.0.1:9001',
  ])
})
