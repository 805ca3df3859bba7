// How the local Lambda fails an invoke when its environment does (issue 5, item 1): function timeout, init timeout,
// init errors and crashes each reach the caller as Lambda's function error, and the environment and its
// processes are destroyed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { demoFunction, invokeJson, isGone, lambdaClient, nextEvent, startTestLambda } from '../helpers/local-lambda.js'

interface ErrorBody {
  errorType: string
  errorMessage: string
}

test('an invoke past the function timeout gets Sandbox.Timedout, and its environment and processes are destroyed', async (t) => {
  const lambda = await startTestLambda(t, { demo: demoFunction({ timeoutMs: 300 }) })
  const client = lambdaClient(t, lambda.endpoint)
  const shutdown = nextEvent(lambda, 'environment-shutdown')

  const { output, json } = await invokeJson(client, 'demo', { action: 'hang' })
  assert.equal(output.StatusCode, 200)
  assert.equal(output.FunctionError, 'Unhandled')
  assert.deepEqual(json, {
    errorType: 'Sandbox.Timedout',
    errorMessage: `RequestId: ${output.$metadata.requestId} Error: Task timed out after 0.30 seconds`,
  })

  const event = await shutdown
  assert.equal(event.reason, 'timeout')
  assert.equal(event.errorCode, 'LD_LOCAL_FUNCTION_TIMEOUT')
  assert.deepEqual(
    event.processes.map((process) => process.role),
    ['extension', 'runtime'],
  )
  for (const process of event.processes) assert.ok(isGone(process.pid as number), `${process.name} is gone`)
  const stats = lambda.stats('demo')
  assert.equal(stats.timeouts, 1)
  assert.equal(stats.functionErrors, 1)
  assert.equal(stats.environments.alive, 0)

  const next = await invokeJson(client, 'demo', { action: 'echo' })
  assert.equal(next.output.FunctionError, undefined)
  assert.equal(lambda.stats('demo').coldStarts, 2)
})

test('an init that never completes fails the invoke after initTimeoutMs and destroys the environment', async (t) => {
  const lambda = await startTestLambda(t, {
    demo: demoFunction({ initTimeoutMs: 1500, env: { SCRIPTED_EXTENSION_INIT: 'hang' } }),
  })
  const client = lambdaClient(t, lambda.endpoint)
  const shutdown = nextEvent(lambda, 'environment-shutdown')

  const { output, json } = await invokeJson(client, 'demo', { action: 'echo' })
  assert.equal(output.FunctionError, 'Unhandled')
  assert.equal((json as ErrorBody).errorType, 'Sandbox.Timedout')
  assert.match((json as ErrorBody).errorMessage, /Error: Init phase timed out after 1\.50 seconds$/)
  const event = await shutdown
  assert.equal(event.errorCode, 'LD_LOCAL_INIT_TIMEOUT')
  for (const process of event.processes) assert.ok(isGone(process.pid as number))
  const stats = lambda.stats('demo')
  assert.equal(stats.initFailures, 1)
  assert.equal(stats.timeouts, 0)
})

test('an init error posted to /runtime/init/error is returned as the function error', async (t) => {
  const lambda = await startTestLambda(t, { demo: demoFunction({ env: { SCRIPTED_EXTENSION_INIT: 'error' } }) })
  const client = lambdaClient(t, lambda.endpoint)
  const { output, json } = await invokeJson(client, 'demo', { action: 'echo' })
  assert.equal(output.FunctionError, 'Unhandled')
  assert.deepEqual(json, { errorType: 'Scripted.InitFailure', errorMessage: 'init failed' })
  assert.equal(lambda.stats('demo').initFailures, 1)
})

test('an extension that exits mid-invoke fails the invoke with Extension.Crash', async (t) => {
  const lambda = await startTestLambda(t, { demo: demoFunction() })
  const client = lambdaClient(t, lambda.endpoint)
  const shutdown = nextEvent(lambda, 'environment-shutdown')
  const { output, json } = await invokeJson(client, 'demo', { action: 'exit', code: 3 })
  assert.equal(output.FunctionError, 'Unhandled')
  assert.deepEqual(json, {
    errorType: 'Extension.Crash',
    errorMessage: `RequestId: ${output.$metadata.requestId} Error: exit status 3`,
  })
  const event = await shutdown
  assert.equal(event.reason, 'failure')
  assert.equal(event.errorCode, 'LD_LOCAL_PROCESS_EXITED')
})

test('a runtime command that cannot start fails the invoke with Runtime.InvalidEntrypoint', async (t) => {
  const lambda = await startTestLambda(t, {
    broken: { runtimeCommand: ['/nonexistent/bootstrap'], timeoutMs: 1000, initTimeoutMs: 5000 },
  })
  const client = lambdaClient(t, lambda.endpoint)
  const { output, json } = await invokeJson(client, 'broken', {})
  assert.equal(output.FunctionError, 'Unhandled')
  assert.equal((json as ErrorBody).errorType, 'Runtime.InvalidEntrypoint')
  assert.match((json as ErrorBody).errorMessage, /ENOENT/)
})
