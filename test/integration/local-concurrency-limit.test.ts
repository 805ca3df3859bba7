// The local Lambda's concurrency limit (issue 5, item 1): beyond reservedConcurrency a RequestResponse invoke is
// a 429 TooManyRequestsException as the SDK surfaces it, and an Event invoke waits for a free slot instead.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TooManyRequestsException } from '@aws-sdk/client-lambda'
import {
  demoFunction,
  invokeJson,
  lambdaClient,
  nextEvent,
  startCallHolder,
  startTestLambda,
} from '../helpers/local-lambda.js'

test('an invoke beyond reservedConcurrency is a TooManyRequestsException with its reason and Retry-After', async (t) => {
  const holder = await startCallHolder(t)
  const lambda = await startTestLambda(t, { demo: demoFunction({ reservedConcurrency: 1 }) })
  const client = lambdaClient(t, lambda.endpoint)
  const call = holder.hold('/busy')
  const busy = invokeJson(client, 'demo', { action: 'call', url: `${holder.url}/busy` })
  await call.arrived

  await assert.rejects(invokeJson(client, 'demo', { action: 'echo' }), (error: TooManyRequestsException) => {
    assert.equal(error.name, 'TooManyRequestsException')
    assert.equal(error.$metadata.httpStatusCode, 429)
    assert.equal(error.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded')
    assert.equal(error.retryAfterSeconds, '1')
    return true
  })
  const stats = lambda.stats('demo')
  assert.equal(stats.throttles, 1)
  assert.equal(stats.environments.created, 1)

  call.release('finished')
  assert.deepEqual((await busy).json, { status: 200, body: 'finished' })
})

test('without reservedConcurrency the account limit throttles with ConcurrentInvocationLimitExceeded', async (t) => {
  const holder = await startCallHolder(t)
  const lambda = await startTestLambda(t, { demo: demoFunction() }, { accountConcurrencyLimit: 1 })
  const client = lambdaClient(t, lambda.endpoint)
  const call = holder.hold('/busy')
  const busy = invokeJson(client, 'demo', { action: 'call', url: `${holder.url}/busy` })
  await call.arrived
  await assert.rejects(invokeJson(client, 'demo', { action: 'echo' }), {
    name: 'TooManyRequestsException',
    Reason: 'ConcurrentInvocationLimitExceeded',
  })
  call.release()
  await busy
})

test('an Event invoke beyond the limit is accepted, waits, and runs in the environment that frees up', async (t) => {
  const holder = await startCallHolder(t)
  const lambda = await startTestLambda(t, { demo: demoFunction({ reservedConcurrency: 1 }) })
  const client = lambdaClient(t, lambda.endpoint)
  const call = holder.hold('/busy')
  const busy = invokeJson(client, 'demo', { action: 'call', url: `${holder.url}/busy` })
  await call.arrived

  const queuedRan = nextEvent(lambda, 'invoke-end', (event) => event.invocationType === 'Event')
  const accepted = await invokeJson(client, 'demo', { action: 'echo' }, 'Event')
  assert.equal(accepted.output.StatusCode, 202)
  assert.equal(lambda.stats('demo').pendingEvents, 1)

  call.release()
  await busy
  assert.equal((await queuedRan).result, 'success')
  const stats = lambda.stats('demo')
  assert.equal(stats.pendingEvents, 0)
  assert.equal(stats.environments.created, 1)
  assert.deepEqual(stats.invokes, { RequestResponse: 1, Event: 1, DryRun: 0 })
})
