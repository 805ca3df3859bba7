// Issue 6 item 3, fault matrix: the extension process of a running instance is SIGKILLed while a client request is
// on one of its channels. The client gets 502 when no response head had reached it yet, or a cut-off body when one
// had; the instance is retired, a new one serves what follows, and nothing leaks.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { request } from 'undici'
import {
  anotherInstanceOpened,
  assertPoolAtRest,
  closeAndAssertNoOrphans,
  type FaultStack,
  instanceEntered,
  ONE_INSTANCE,
  onlyInstance,
  startFaultStack,
} from '../helpers/fault-stack.js'
import { nextEvent } from '../helpers/local-lambda.js'

/** The pid of the extension process of the one environment that is running an invoke. */
function invokingExtensionPid(fault: FaultStack): number {
  const invoking = fault.stack.lambda
    .environments(fault.stack.functionName)
    .filter((environment) => environment.state === 'invoking')
  assert.equal(invoking.length, 1, 'one environment runs the one instance')
  const extension = invoking[0]?.processes.find((process) => process.role === 'extension')
  assert.ok(extension?.pid !== undefined)
  return extension.pid
}

async function servingLambdaId(fault: FaultStack): Promise<string> {
  const answer = await fault.fetchText('/headers')
  assert.equal(answer.status, 200)
  const { headers } = JSON.parse(answer.body) as { headers: string[] }
  const index = headers.findIndex((name, at) => at % 2 === 0 && name.toLowerCase() === 'x-lambda-id')
  return headers[index + 1] as string
}

describe('the extension process is killed mid-request', () => {
  let fault: FaultStack
  before(async () => {
    fault = await startFaultStack({
      faultApp: true,
      routerSettings: ONE_INSTANCE,
      // The app reports which instance serves it through X-Lambda-Id, sent to apps only when asked (issue 13).
      functionEnv: { LAMBDA_DISPATCH_FORWARD_INTERNAL_HEADERS: 'true' },
    })
  })
  after(() => fault.close())

  for (const moment of ['before the response head', 'after the response head'] as const) {
    test(`killed ${moment}: the client gets ${moment === 'before the response head' ? '502' : 'a cut-off body'}, the instance is retired and a new one serves`, async () => {
      const lambdaId = await servingLambdaId(fault)
      assert.equal(onlyInstance(fault), lambdaId)
      const pid = invokingExtensionPid(fault)
      const from = fault.events.instanceStateChanged.mark()
      const target = moment === 'before the response head' ? '/delay?ms=60000' : '/sse?n=1000&interval=20'
      const arrived = fault.app.next((report) => report.event === 'request' && report.target === target)
      const crashed = nextEvent(fault.stack.lambda, 'invoke-end', (event) => event.result !== 'success')
      const shutdown = nextEvent(fault.stack.lambda, 'environment-shutdown')
      const kill = (): void => {
        process.kill(pid, 'SIGKILL')
      }
      const pending = request(`${fault.url}${target}`, { dispatcher: fault.agent })
      await arrived
      if (moment === 'before the response head') kill()
      const response = await pending

      if (moment === 'before the response head') {
        assert.equal(response.statusCode, 502)
        assert.equal(await response.body.text(), 'the app closed the exchange before responding (LD_UPSTREAM_CLOSED)\n')
      } else {
        assert.equal(response.statusCode, 200)
        const events: string[] = []
        await assert.rejects(async () => {
          for await (const chunk of response.body) {
            events.push(String(chunk))
            // The first event proves the body is streaming; now the extension dies under it.
            if (events.length === 1) kill()
          }
        }, 'the body is aborted, never completed')
        assert.ok(events.join('').split('\n\n').length < 1000, 'the body was cut short')
      }

      assert.equal((await crashed).errorType, 'Extension.Crash')
      const { reason, processes } = await shutdown
      assert.equal(reason, 'failure')
      assert.ok(processes.some((process) => process.pid === pid))
      await instanceEntered(fault, lambdaId, 'closed', from)
      await anotherInstanceOpened(fault, [lambdaId], from)

      for (let index = 0; index < 5; index++) assert.equal((await fault.fetchText('/ping')).body, 'pong')
      assert.notEqual(await servingLambdaId(fault), lambdaId)
      await assertPoolAtRest(fault, [lambdaId])
    })
  }

  test('after both kills the stack closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})
