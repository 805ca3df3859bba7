// The local Lambda's Invoke API driven by the real @aws-sdk/client-lambda (issue 5, item 1): status codes,
// headers, payloads and AWS error shapes as the SDK surfaces them. One warm function serves every test here.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InvokeCommand } from '@aws-sdk/client-lambda'
import { demoFunction, invokeJson, lambdaClient, nextEvent, startTestLambda } from '../helpers/local-lambda.js'

const TIMEOUT_MS = 5000

test('the Invoke API speaks to the AWS SDK as Lambda does', async (t) => {
  const lambda = await startTestLambda(t, { demo: demoFunction({ timeoutMs: TIMEOUT_MS, memoryMb: 256 }) })
  const client = lambdaClient(t, lambda.endpoint)

  await t.test('a RequestResponse invoke returns 200, $LATEST and the payload the function wrote', async () => {
    const { output, json } = await invokeJson(client, 'demo', { action: 'echo', value: { nested: [1, 2, 3] } })
    assert.equal(output.StatusCode, 200)
    assert.equal(output.ExecutedVersion, '$LATEST')
    assert.equal(output.FunctionError, undefined)
    const echo = json as Record<string, unknown>
    assert.deepEqual(echo.value, { nested: [1, 2, 3] })
    assert.equal(echo.functionName, 'demo')
    assert.equal(echo.memorySize, '256')
  })

  await t.test('/next carries the request id, the ARN, a deadline of now + timeout and a trace id', async () => {
    const beforeMs = Date.now()
    const { output, json } = await invokeJson(client, 'demo', { action: 'echo' })
    const afterMs = Date.now()
    const echo = json as Record<string, string>
    assert.equal(echo.requestId, output.$metadata.requestId)
    assert.equal(echo.invokedFunctionArn, 'arn:aws:lambda:us-east-1:123456789012:function:demo')
    const deadlineMs = Number(echo.deadlineMs)
    assert.ok(deadlineMs >= beforeMs + TIMEOUT_MS && deadlineMs <= afterMs + TIMEOUT_MS, `deadline ${deadlineMs}`)
    assert.match(echo.traceId as string, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/)
  })

  await t.test('the function may be named by ARN or with a qualifier, and the ARN reaches the runtime', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:demo:live'
    const byArn = await invokeJson(client, arn, { action: 'echo' })
    assert.equal((byArn.json as Record<string, string>).invokedFunctionArn, arn)
    const byQualifier = await invokeJson(client, 'demo:$LATEST', { action: 'echo' })
    assert.equal(byQualifier.output.StatusCode, 200)
  })

  await t.test('a function error is FunctionError Unhandled with the error body the runtime posted', async () => {
    const { output, json } = await invokeJson(client, 'demo', { action: 'error' })
    assert.equal(output.StatusCode, 200)
    assert.equal(output.FunctionError, 'Unhandled')
    assert.deepEqual(json, { errorType: 'Scripted.Failure', errorMessage: 'scripted failure', stackTrace: [] })
  })

  await t.test('a response over 6 MB becomes a Function.ResponseSizeTooLarge function error', async () => {
    const { output, json } = await invokeJson(client, 'demo', { action: 'big', bytes: 6 * 1024 * 1024 + 200 })
    assert.equal(output.FunctionError, 'Unhandled')
    assert.equal((json as Record<string, string>).errorType, 'Function.ResponseSizeTooLarge')
  })

  await t.test('an Event invoke answers 202 at once and still runs the function', async () => {
    const ran = nextEvent(lambda, 'invoke-end', (event) => event.invocationType === 'Event')
    const { output } = await invokeJson(client, 'demo', { action: 'echo' }, 'Event')
    assert.equal(output.StatusCode, 202)
    assert.equal((await ran).result, 'success')
  })

  await t.test('a DryRun invoke answers 204 and runs nothing', async () => {
    const before = lambda.stats('demo')
    const { output } = await invokeJson(client, 'demo', { action: 'echo' }, 'DryRun')
    assert.equal(output.StatusCode, 204)
    const after = lambda.stats('demo')
    assert.equal(after.invokes.DryRun, before.invokes.DryRun + 1)
    assert.equal(after.invokes.RequestResponse, before.invokes.RequestResponse)
  })

  await t.test('an unknown function is a ResourceNotFoundException', async () => {
    await assert.rejects(
      invokeJson(client, 'missing', {}),
      (error: Error & { $metadata: { httpStatusCode: number } }) => {
        assert.equal(error.name, 'ResourceNotFoundException')
        assert.equal(error.$metadata.httpStatusCode, 404)
        assert.match(error.message, /Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing/)
        return true
      },
    )
  })

  await t.test('a payload that is not JSON is an InvalidRequestContentException', async () => {
    const invalid = new InvokeCommand({ FunctionName: 'demo', Payload: Buffer.from('{"unterminated') })
    await assert.rejects(client.send(invalid), { name: 'InvalidRequestContentException' })
  })

  await t.test('a payload over 6 MiB is a RequestTooLargeException', async () => {
    const tooLarge = new InvokeCommand({
      FunctionName: 'demo',
      Payload: Buffer.from(JSON.stringify('x'.repeat(6 * 1024 * 1024))),
    })
    await assert.rejects(client.send(tooLarge), (error: Error & { $metadata: { httpStatusCode: number } }) => {
      assert.equal(error.name, 'RequestTooLargeException')
      assert.equal(error.$metadata.httpStatusCode, 413)
      return true
    })
  })

  await t.test('a path other than Invoke answers 404 UnknownOperationException', async () => {
    const response = await fetch(`${lambda.endpoint}/2015-03-31/functions`)
    assert.equal(response.status, 404)
    assert.equal(response.headers.get('x-amzn-errortype'), 'UnknownOperationException')
  })

  await t.test('the counters saw every invoke by type and both function errors', () => {
    const stats = lambda.stats('demo')
    assert.deepEqual(stats.invokes, { RequestResponse: 6, Event: 1, DryRun: 1 })
    assert.equal(stats.functionErrors, 2)
    assert.equal(stats.throttles, 0)
  })
})
