// Issue 19: the real extension process, a scripted Runtime API and the demo app: an invoke that is not the router's
// goes to the app as a POST, whatever it looks like, and the bounds on the app's answer hold.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startHarness } from '../helpers/extension-harness.js'

const SQS_BATCH = JSON.stringify({ Records: [{ eventSource: 'aws:sqs', body: 'a' }] })

test('events reach the app at /events; an almost-WaiterRequest is an event and opens no channel', async (t) => {
  const harness = await startHarness(t)
  const answer = await harness.runtime.invoke(SQS_BATCH)
  assert.deepEqual(answer, { kind: 'response', body: { received: 'aws:sqs', records: 1 } })

  // Id, PoolId, SentTime and InitOnly are a WaiterRequest's keys too, but without DispatcherUrl or NumberOfChannels
  // nothing claims to be the router.
  const postsBefore = harness.router.posts.length
  const lookalike = JSON.stringify({ Id: 'order-1', PoolId: 'default', SentTime: new Date().toISOString() })
  assert.deepEqual(await harness.runtime.invoke(lookalike), { kind: 'response', body: { received: 'unknown' } })
  assert.equal(harness.router.posts.length, postsBefore)
})

test('a 4xx from the app is the invoke result, not a function error', async (t) => {
  const harness = await startHarness(t)
  const event = JSON.stringify({ source: 'com.example', 'detail-type': 'Bad', demo: { status: 422 } })
  const answer = await harness.runtime.invoke(event)
  assert.deepEqual(answer, { kind: 'response', body: { received: 'com.example', detailType: 'Bad' } })
})

test("an answer over Lambda's 6 MiB limit fails with EventResultTooLargeError, and the next event succeeds", async (t) => {
  const harness = await startHarness(t)
  const answer = await harness.runtime.invoke(JSON.stringify({ demo: { bytes: 6 * 1024 * 1024 + 1 } }))
  assert.equal(answer.kind, 'error')
  assert.equal(answer.kind === 'error' && answer.errorType, 'Unhandled')
  assert.equal(answer.kind === 'error' && answer.body.errorType, 'EventResultTooLargeError')
  assert.deepEqual(await harness.runtime.invoke(SQS_BATCH), {
    kind: 'response',
    body: { received: 'aws:sqs', records: 1 },
  })
})

test('AWS_LWA_PASS_THROUGH_PATH moves the path; the app gets a POST with the event bytes as application/json', async (t) => {
  const harness = await startHarness(t, { env: { AWS_LWA_PASS_THROUGH_PATH: '/headers' } })
  const answer = await harness.runtime.invoke(SQS_BATCH)
  assert.equal(answer.kind, 'response')
  const seen = answer.kind === 'response' ? answer.body : {}
  assert.deepEqual([seen.method, seen.url], ['POST', '/headers'])
  const headers = seen.headers as string[]
  const value = (name: string): string | undefined => headers[headers.findIndex((h) => h.toLowerCase() === name) + 1]
  assert.deepEqual([value('content-type'), value('content-length')], ['application/json', String(SQS_BATCH.length)])
})

test('an app that refuses connections fails the event with AppUnreachableError and the extension exits 1', async (t) => {
  const harness = await startHarness(t)
  harness.app?.close()
  harness.app?.closeAllConnections()
  const answer = await harness.runtime.invoke(SQS_BATCH)
  assert.equal(answer.kind === 'error' && answer.body.errorType, 'AppUnreachableError')
  // Lambda replaces an environment whose extension exited: the next invoke gets a fresh app.
  assert.deepEqual(await harness.extension.exited, { code: 1, signal: null })
})
