// Issue 6 item 3, fault matrix: the user's app process exits while it is writing a response (the demo app's
// /exit-mid-response sends a head and 1 KiB of a 1 MiB body, then exits 1). The client sees the body cut off, never a
// hang and never a completed 200; the environment's invoke ends with a function error; a new environment serves
// what follows, and nothing leaks.
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
import { isGone, nextEvent } from '../helpers/local-lambda.js'

const DECLARED_BYTES = 1024 * 1024

describe('the app crashes mid-response', () => {
  let fault: FaultStack
  before(async () => {
    fault = await startFaultStack({
      routerSettings: ONE_INSTANCE,
    })
  })
  after(() => fault.close())

  test('the client body is cut off, the invoke ends with a function error, and a new environment serves', async () => {
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    const lambdaId = onlyInstance(fault)
    const from = fault.events.instanceStateChanged.mark()
    const invokeEnded = nextEvent(fault.stack.lambda, 'invoke-end')
    const shutdown = nextEvent(fault.stack.lambda, 'environment-shutdown')

    const response = await request(`${fault.url}/exit-mid-response`, { dispatcher: fault.agent })
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers['content-length'], String(DECLARED_BYTES))
    let receivedBytes = 0
    await assert.rejects(async () => {
      for await (const chunk of response.body) receivedBytes += (chunk as Buffer).length
    }, 'the body is aborted, never completed')
    assert.ok(receivedBytes < DECLARED_BYTES, `only part of the body arrived (${receivedBytes} bytes)`)

    const ended = await invokeEnded
    assert.equal(ended.result, 'function-error')
    // Either the local Lambda saw the runtime (the app) exit first, or the extension found the app gone and failed
    // the invoke itself through /error (AppUnreachableError).
    assert.ok(
      ['Runtime.ExitError', 'AppUnreachableError'].includes(ended.errorType as string),
      `the invoke failed with ${ended.errorType}`,
    )
    const { reason, processes } = await shutdown
    assert.equal(reason, 'failure')
    for (const process of processes) assert.ok(isGone(process.pid as number), `${process.name} is gone`)
    await instanceEntered(fault, lambdaId, 'closed', from)
    await anotherInstanceOpened(fault, [lambdaId], from)

    for (let index = 0; index < 5; index++) assert.equal((await fault.fetchText('/ping')).body, 'pong')
    const next = await fault.fetchText('/bytes?n=100000')
    assert.equal(next.status, 200)
    assert.equal(next.body.length, 100_000)
    assert.notEqual(onlyInstance(fault), lambdaId)
    await assertPoolAtRest(fault, [lambdaId])
    assert.equal(fault.stack.lambda.stats(fault.stack.functionName).coldStarts, 2)
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})
