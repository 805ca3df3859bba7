// Issue 6 item 3, fault matrix: a client goes away mid-upload and mid-download. The abort travels all the way to the
// app (the router resets the channel stream, the extension aborts the app request, and the app sees its request
// end unfinished), no channel stays busy, and the same instance serves the next requests. (test/e2e covers the
// channels and queue at rest; this adds the app's side and the outcome metric.)
import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { request } from 'undici'
import {
  assertPoolAtRest,
  closeAndAssertNoOrphans,
  type FaultStack,
  ONE_INSTANCE,
  onlyInstance,
  startFaultStack,
} from '../helpers/fault-stack.js'

describe('a client aborts mid-upload and mid-download', () => {
  let fault: FaultStack
  let lambdaId: string
  let invokesBefore: number
  before(async () => {
    fault = await startFaultStack({
      faultApp: true,
      routerSettings: ONE_INSTANCE,
    })
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    lambdaId = onlyInstance(fault)
    invokesBefore = fault.stack.lambda.stats(fault.stack.functionName).invokes.RequestResponse
  })
  after(() => fault.close())

  async function assertServesOn(): Promise<void> {
    for (let index = 0; index < 5; index++) assert.equal((await fault.fetchText('/ping')).body, 'pong')
    const echoed = await fault.fetchText('/echo', { method: 'POST', body: 'after the abort' })
    assert.equal(echoed.body, 'after the abort')
    assert.equal(onlyInstance(fault), lambdaId, 'the same instance serves')
    assert.equal(fault.stack.lambda.stats(fault.stack.functionName).invokes.RequestResponse, invokesBefore)
    await assertPoolAtRest(fault)
  }

  test('mid-upload: the app sees its request aborted, no channel stays busy, and later requests succeed', async () => {
    const target = '/echo?upload=aborted'
    const appAborted = fault.app.next(
      (report) => report.event === 'aborted' && report.target === target,
      fault.app.mark(),
    )
    const body = new PassThrough()
    const controller = new AbortController()
    const pending = request(`${fault.url}${target}`, {
      dispatcher: fault.agent,
      method: 'POST',
      body,
      signal: controller.signal,
      headers: { 'content-type': 'application/octet-stream' },
    })
    body.write(Buffer.alloc(256 * 1024, 7))
    const response = await pending
    assert.equal(response.statusCode, 200)
    // The echo streams back as the upload arrives: the first bytes back prove the upload is mid-way. Abort there.
    await assert.rejects(async () => {
      for await (const _chunk of response.body) controller.abort()
    })
    body.destroy()
    await appAborted
    await assertServesOn()
  })

  test('mid-download: the app sees its response aborted, no channel stays busy, and later requests succeed', async () => {
    const target = '/bytes?n=500000000'
    const appAborted = fault.app.next(
      (report) => report.event === 'aborted' && report.target === target,
      fault.app.mark(),
    )
    const controller = new AbortController()
    const response = await request(`${fault.url}${target}`, { dispatcher: fault.agent, signal: controller.signal })
    assert.equal(response.statusCode, 200)
    let receivedBytes = 0
    await assert.rejects(async () => {
      for await (const chunk of response.body) {
        receivedBytes += (chunk as Buffer).length
        if (receivedBytes > 1_000_000) controller.abort()
      }
    })
    assert.ok(receivedBytes < 500_000_000)
    await appAborted
    await assertServesOn()
  })

  test('both aborts were counted as aborted while running, and the stack closes leaving no process or socket', async () => {
    const metrics = await fault.stack.router.registry.getSingleMetricAsString('lambda_dispatch_router_requests_total')
    assert.match(metrics, /outcome="aborted_running"} 2$/m)
    await closeAndAssertNoOrphans(fault)
  })
})
