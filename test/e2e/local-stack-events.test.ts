// Issue 19: invokes that are not the router's (an SQS batch, an EventBridge event) sent with the real AWS SDK to the
// local Lambda reach the app at /events through the extension; the app's answer is the result, its 5xx or silence a
// function error the event source would retry. After every failure the function serves events and HTTP again.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import type { LocalStack } from '../../src/cli/local-stack.js'
import { getText, h1Client, startE2eStack } from '../helpers/e2e-stack.js'
import { runCli } from '../helpers/local-command.js'
import { teardown } from '../helpers/teardown.js'

function sqsBatch(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const record = (id: string) => ({
    messageId: id,
    receiptHandle: `handle-${id}`,
    body: `order ${id}`,
    attributes: { ApproximateReceiveCount: '1' },
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:orders',
    awsRegion: 'us-east-1',
  })
  return { Records: [record('m-1'), record('m-2')], ...extra }
}

function eventBridgeEvent(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'OrderPlaced',
    source: 'com.example.orders',
    account: '123456789012',
    time: '2026-12-05T01:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { orderId: 'o-1' },
    ...extra,
  }
}

interface EventAnswer {
  readonly statusCode: number | undefined
  readonly functionError: string | undefined
  readonly json: Record<string, unknown>
}

describe('events that are not WaiterRequests reach the app at /events', () => {
  // One teardown stack for the suite, its after hook registered here (not inside before, which would run it at once).
  const suite = { after }
  const defer = teardown(suite)
  const agent = h1Client(suite)
  let stack: LocalStack
  let client: LambdaClient

  before(async () => {
    // 6 s: an app that never answers fails the invoke 750 ms before the deadline (half the 1.5 s close margin).
    stack = await startE2eStack(suite, { functionTimeoutMs: 6000 })
    client = new LambdaClient({
      endpoint: stack.lambda.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    })
    defer(() => client.destroy())
  })

  async function invokeEvent(event: unknown): Promise<EventAnswer> {
    const output = await client.send(
      new InvokeCommand({ FunctionName: stack.functionName, Payload: Buffer.from(JSON.stringify(event)) }),
    )
    return {
      statusCode: output.StatusCode,
      functionError: output.FunctionError,
      json: JSON.parse(Buffer.from(output.Payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>,
    }
  }

  // The end of every fault test: the next event is the app's answer, and HTTP through the router still works.
  async function assertServingAgain(): Promise<void> {
    const next = await invokeEvent(sqsBatch())
    assert.deepEqual(next, { statusCode: 200, functionError: undefined, json: { received: 'aws:sqs', records: 2 } })
    const ping = await getText(agent, `${stack.addresses.frontDoorUrl}/ping`)
    assert.deepEqual([ping.status, ping.body], [200, 'pong'])
  }

  test('an SQS batch is answered with the app JSON summary and no function error', async () => {
    const answer = await invokeEvent(sqsBatch())
    assert.deepEqual(answer, { statusCode: 200, functionError: undefined, json: { received: 'aws:sqs', records: 2 } })
  })

  test('an EventBridge event is answered with its source and detail type and no function error', async () => {
    const answer = await invokeEvent(eventBridgeEvent())
    assert.deepEqual(answer, {
      statusCode: 200,
      functionError: undefined,
      json: { received: 'com.example.orders', detailType: 'OrderPlaced' },
    })
  })

  test('an SQS batch the app answers with 500 is an Unhandled EventAppStatusError, then the function serves again', async () => {
    const answer = await invokeEvent(sqsBatch({ demo: { status: 500 } }))
    assert.equal(answer.statusCode, 200)
    assert.equal(answer.functionError, 'Unhandled')
    assert.equal(answer.json.errorType, 'EventAppStatusError')
    assert.match(String(answer.json.errorMessage), /POST \/events with 500: \{"received":"aws:sqs","records":2\}/)
    await assertServingAgain()
  })

  test('an EventBridge event the app answers with 503 is an Unhandled EventAppStatusError, then the function serves again', async () => {
    const answer = await invokeEvent(eventBridgeEvent({ demo: { status: 503 } }))
    assert.equal(answer.functionError, 'Unhandled')
    assert.equal(answer.json.errorType, 'EventAppStatusError')
    assert.match(String(answer.json.errorMessage), /with 503/)
    await assertServingAgain()
  })

  test('an event the app never answers fails with EventAppTimeoutError before the function timeout, then the function serves again', async () => {
    const answer = await invokeEvent(eventBridgeEvent({ demo: { hang: true } }))
    // Had the extension not answered in time, the local Lambda would report its own Sandbox.Timedout instead.
    assert.equal(answer.functionError, 'Unhandled')
    assert.equal(answer.json.errorType, 'EventAppTimeoutError')
    await assertServingAgain()
  })

  test('an app that exits on an event fails the invoke, and the function serves the next event', async () => {
    const answer = await invokeEvent(sqsBatch({ demo: { exit: true } }))
    assert.equal(answer.functionError, 'Unhandled')
    // Three reports race: the local Lambda sees its runtime (the app) exit; the extension finds the app's port closed,
    // or its request cut by the exit (a reset connection).
    assert.ok(
      ['Runtime.ExitError', 'AppUnreachableError', 'AppRequestError'].includes(String(answer.json.errorType)),
      `errorType ${String(answer.json.errorType)}`,
    )
    await assertServingAgain()
  })

  test('lambda-dispatch invoke --event prints the result, and exits 1 naming the error type for a failed event', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ld-invoke-event-'))
    teardown(t)(() => rmSync(dir, { recursive: true, force: true }))
    const good = join(dir, 'sqs.json')
    const bad = join(dir, 'sqs-failing.json')
    writeFileSync(good, JSON.stringify(sqsBatch()))
    writeFileSync(bad, JSON.stringify(sqsBatch({ demo: { status: 502 } })))
    const common = ['invoke', '--endpoint', stack.lambda.endpoint, '--function-name', stack.functionName]
    const ok = await runCli([...common, '--event', good])
    assert.deepEqual([ok.code, JSON.parse(ok.stdout), ok.stderr], [0, { received: 'aws:sqs', records: 2 }, ''])
    const failed = await runCli([...common, '--event', bad])
    assert.equal(failed.code, 1)
    assert.match(failed.stderr, /function error \(Unhandled\): EventAppStatusError: .*with 502/)
    assert.equal(JSON.parse(failed.stdout).errorType, 'EventAppStatusError')
  })
})
