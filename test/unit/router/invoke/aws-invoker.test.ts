// The AWS invoker through the real @aws-sdk/client-lambda against a fake Lambda Invoke endpoint on loopback.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { encodeWaiterRequest, type WaiterRequest } from '../../../../src/protocol/index.js'
import { InvokeFailedError, InvokeThrottledError } from '../../../../src/router/errors.js'
import { createAwsInvoker, invokeRequestTimeoutMs } from '../../../../src/router/invoke/aws-invoker.js'
import type { Invoker } from '../../../../src/router/invoke/invoker.js'
import { teardown } from '../../../helpers/teardown.js'

interface SeenRequest {
  functionName: string
  invocationType: string | undefined
  body: string
}

interface FakeLambda {
  url: string
  seen: SeenRequest[]
  connections: number
  /** Requests of the 'hold' function wait here until released. */
  held: ServerResponse[]
  heldChanged: () => Promise<void>
}

const PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

function awsErrorReply(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { Type: 'User', message }, { 'x-amzn-ErrorType': type })
}

async function startFakeLambda(t: { after: (fn: () => unknown) => void }): Promise<FakeLambda> {
  let notify: () => void = () => {}
  const fake: FakeLambda = {
    url: '',
    seen: [],
    connections: 0,
    held: [],
    heldChanged: () => new Promise<void>((resolve) => (notify = resolve)),
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const match = PATH.exec(req.url ?? '')
      const functionName = decodeURIComponent(match?.[1] ?? '')
      const body = Buffer.concat(chunks).toString('utf8')
      const invocationType = req.headers['x-amz-invocation-type'] as string | undefined
      fake.seen.push({ functionName, invocationType, body })
      switch (functionName) {
        case 'ok': {
          const payload = JSON.parse(body) as { PoolId: string; Id: string }
          sendJson(
            res,
            200,
            {
              PoolId: payload.PoolId,
              Id: payload.Id,
              RequestCount: 7,
              InvokeDuration: 1234,
              ExitReason: 'RouterGoAway',
            },
            { 'X-Amz-Executed-Version': '$LATEST' },
          )
          return
        }
        case 'legacy-empty':
          res.writeHead(200, { 'X-Amz-Executed-Version': '$LATEST' })
          res.end()
          return
        case 'handler-error':
          sendJson(res, 200, { errorMessage: 'boom', errorType: 'Error' }, { 'X-Amz-Function-Error': 'Unhandled' })
          return
        case 'throttled':
          awsErrorReply(res, 429, 'TooManyRequestsException', 'Rate Exceeded.')
          return
        case 'missing':
          awsErrorReply(res, 404, 'ResourceNotFoundException', 'Function not found: missing')
          return
        case 'broken':
          awsErrorReply(res, 500, 'ServiceException', 'internal')
          return
        case 'hold':
          fake.held.push(res)
          notify()
          return
        case 'hang':
          return
        default:
          awsErrorReply(res, 400, 'InvalidParameterValueException', `unexpected function ${functionName}`)
      }
    })
  })
  server.on('connection', () => fake.connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  teardown(t)(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return fake
}

const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' }

function invokerFor(
  fake: FakeLambda,
  t: { after: (fn: () => unknown) => void },
  overrides: Partial<Parameters<typeof createAwsInvoker>[0]> = {},
): Invoker {
  const invoker = createAwsInvoker({
    region: 'us-east-1',
    endpoint: fake.url,
    maxSockets: 4,
    requestTimeoutMs: 5000,
    maxAttempts: 1,
    credentials,
    ...overrides,
  })
  teardown(t)(() => invoker.close())
  return invoker
}

const payload: WaiterRequest = {
  poolId: 'default',
  id: '0f8e8b8a-3c1e-4a77-9d0e-5c3f0d6e9b21',
  dispatcherUrl: 'http://10.0.1.23:5003/api/chunked',
  numberOfChannels: 20,
  sentTime: '2025-04-08T17:15:42.123+00:00',
  initOnly: false,
}

const never = new AbortController().signal

test('a completed invoke sends the WaiterRequest byte for byte as RequestResponse and decodes the result', async (t) => {
  const fake = await startFakeLambda(t)
  const outcome = await invokerFor(fake, t).invoke({ functionName: 'ok', payload }, never)
  assert.equal(outcome.kind, 'completed')
  assert.ok(outcome.kind === 'completed')
  assert.equal(outcome.functionError, undefined)
  assert.deepEqual(outcome.response, {
    poolId: 'default',
    id: payload.id,
    requestCount: 7,
    invokeDurationMs: 1234,
    exitReason: 'RouterGoAway',
  })
  assert.ok(outcome.durationMs >= 0)
  assert.deepEqual(fake.seen, [
    { functionName: 'ok', invocationType: 'RequestResponse', body: encodeWaiterRequest(payload) },
  ])
})

test('an empty result, as the legacy C# extension returns, completes with no response', async (t) => {
  const fake = await startFakeLambda(t)
  const outcome = await invokerFor(fake, t).invoke({ functionName: 'legacy-empty', payload }, never)
  assert.deepEqual(
    { kind: outcome.kind, response: outcome.kind === 'completed' ? outcome.response : 'x' },
    {
      kind: 'completed',
      response: undefined,
    },
  )
})

test('a handler error completes with the function error and no response', async (t) => {
  const fake = await startFakeLambda(t)
  const outcome = await invokerFor(fake, t).invoke({ functionName: 'handler-error', payload }, never)
  assert.ok(outcome.kind === 'completed')
  assert.equal(outcome.functionError, 'Unhandled')
  assert.equal(outcome.response, undefined)
})

test('a 429 TooManyRequestsException is throttled, after the configured SDK attempts', async (t) => {
  const fake = await startFakeLambda(t)
  const outcome = await invokerFor(fake, t, { maxAttempts: 2 }).invoke({ functionName: 'throttled', payload }, never)
  assert.equal(outcome.kind, 'throttled')
  assert.ok(outcome.kind === 'throttled')
  assert.ok(outcome.error instanceof InvokeThrottledError)
  assert.equal((outcome.error as InvokeThrottledError).awsErrorName, 'TooManyRequestsException')
  assert.equal((outcome.error as InvokeThrottledError).statusCode, 429)
  assert.equal(fake.seen.length, 2)
})

test('a missing function fails, not retryable, and the SDK does not retry it', async (t) => {
  const fake = await startFakeLambda(t)
  const outcome = await invokerFor(fake, t, { maxAttempts: 2 }).invoke({ functionName: 'missing', payload }, never)
  assert.ok(outcome.kind === 'failed')
  assert.equal(outcome.retryable, false)
  assert.ok(outcome.error instanceof InvokeFailedError)
  assert.equal((outcome.error as InvokeFailedError).awsErrorName, 'ResourceNotFoundException')
  assert.equal((outcome.error as InvokeFailedError).statusCode, 404)
  assert.equal(fake.seen.length, 1)
})

test('a service fault fails retryable after the configured SDK attempts', async (t) => {
  const fake = await startFakeLambda(t)
  const outcome = await invokerFor(fake, t, { maxAttempts: 2 }).invoke({ functionName: 'broken', payload }, never)
  assert.ok(outcome.kind === 'failed')
  assert.equal(outcome.retryable, true)
  assert.equal(fake.seen.length, 2)
})

test('an invoke that hangs past the request timeout fails retryable', async (t) => {
  const fake = await startFakeLambda(t)
  const outcome = await invokerFor(fake, t, { requestTimeoutMs: 150 }).invoke({ functionName: 'hang', payload }, never)
  assert.ok(outcome.kind === 'failed')
  assert.equal(outcome.retryable, true)
  assert.equal((outcome.error as InvokeFailedError).awsErrorName, 'TimeoutError')
})

test('an unreachable endpoint fails retryable', async (t) => {
  const fake = await startFakeLambda(t)
  const invoker = invokerFor(fake, t, { endpoint: 'http://127.0.0.1:1' })
  const outcome = await invoker.invoke({ functionName: 'ok', payload }, never)
  assert.ok(outcome.kind === 'failed')
  assert.equal(outcome.retryable, true)
})

test('aborting the signal ends a running invoke as failed, not retryable', async (t) => {
  const fake = await startFakeLambda(t)
  const controller = new AbortController()
  const pending = invokerFor(fake, t).invoke({ functionName: 'hold', payload }, controller.signal)
  await fake.heldChanged()
  controller.abort()
  const outcome = await pending
  assert.ok(outcome.kind === 'failed')
  assert.equal(outcome.retryable, false)
  assert.equal((outcome.error as InvokeFailedError).awsErrorName, 'AbortError')
})

test('close ends invokes still running and resolves', async (t) => {
  const fake = await startFakeLambda(t)
  const invoker = invokerFor(fake, t)
  const pending = invoker.invoke({ functionName: 'hold', payload }, never)
  await fake.heldChanged()
  await invoker.close()
  const outcome = await pending
  assert.equal(outcome.kind, 'failed')
})

test('no more invokes run at once than maxSockets: the rest wait for a socket', async (t) => {
  const fake = await startFakeLambda(t)
  const invoker = invokerFor(fake, t, { maxSockets: 2 })
  const outcomes = Array.from({ length: 4 }, () => invoker.invoke({ functionName: 'hold', payload }, never))
  while (fake.held.length < 2) await fake.heldChanged()
  const firstTwo = fake.held.splice(0, 2)
  for (const res of firstTwo) sendJson(res, 200, { PoolId: 'default', Id: payload.id })
  while (fake.held.length < 2) await fake.heldChanged()
  for (const res of fake.held.splice(0, 2)) sendJson(res, 200, { PoolId: 'default', Id: payload.id })
  const settled = await Promise.all(outcomes)
  assert.deepEqual(
    settled.map((outcome) => outcome.kind),
    ['completed', 'completed', 'completed', 'completed'],
  )
  assert.equal(fake.connections, 2)
})

test('without an endpoint option the SDK reads AWS_ENDPOINT_URL_LAMBDA', async (t) => {
  const defer = teardown(t)
  const fake = await startFakeLambda(t)
  const previous = process.env.AWS_ENDPOINT_URL_LAMBDA
  process.env.AWS_ENDPOINT_URL_LAMBDA = fake.url
  defer(() => {
    if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_LAMBDA
    else process.env.AWS_ENDPOINT_URL_LAMBDA = previous
  })
  const invoker = createAwsInvoker({
    region: 'us-east-1',
    maxSockets: 2,
    requestTimeoutMs: 5000,
    maxAttempts: 1,
    credentials,
  })
  defer(() => invoker.close())
  const outcome = await invoker.invoke({ functionName: 'ok', payload }, never)
  assert.equal(outcome.kind, 'completed')
  assert.equal(fake.seen.length, 1)
})

test('the request timeout is the function timeout plus a margin', () => {
  assert.equal(invokeRequestTimeoutMs(900_000), 910_000)
  assert.equal(invokeRequestTimeoutMs(60_000, 5000), 65_000)
})
