// Issue 19: which invokes are the router's (a WaiterRequest, valid or not) and which are events passed to the app.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyInvokePayload } from '../../../src/extension/invoke-payload.js'
import { encodeWaiterRequest } from '../../../src/protocol/index.js'

const WAITER = encodeWaiterRequest({
  poolId: 'default',
  id: 'lambda-1',
  dispatcherUrl: 'http://10.0.1.23:5003/api/chunked',
  numberOfChannels: 4,
  sentTime: '2026-12-05T01:00:00.000Z',
  initOnly: false,
})

const SQS_BATCH = JSON.stringify({
  Records: [
    { messageId: 'm-1', body: 'one', eventSource: 'aws:sqs' },
    { messageId: 'm-2', body: 'two', eventSource: 'aws:sqs' },
  ],
})

const EVENTBRIDGE = JSON.stringify({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'OrderPlaced',
  source: 'com.example.orders',
  time: '2026-12-05T01:00:00Z',
  detail: { orderId: 'o-1' },
})

const cases: Array<{ name: string; payload: string; expected: 'waiter' | 'invalid-waiter' | 'event'; field?: string }> =
  [
    { name: 'a valid WaiterRequest', payload: WAITER, expected: 'waiter' },
    {
      name: 'a WaiterRequest with an unknown additive key',
      payload: WAITER.replace('}', ',"Future":1}'),
      expected: 'waiter',
    },
    { name: 'an SQS batch', payload: SQS_BATCH, expected: 'event' },
    { name: 'an EventBridge event (lower-case id, source, time)', payload: EVENTBRIDGE, expected: 'event' },
    { name: 'an empty object (what Lambda passes for an empty payload)', payload: '{}', expected: 'event' },
    { name: 'a JSON array', payload: '[1,2]', expected: 'event' },
    { name: 'a JSON string', payload: '"hello"', expected: 'event' },
    { name: 'JSON null', payload: 'null', expected: 'event' },
    { name: 'bytes that are not JSON', payload: 'not json {', expected: 'event' },
    {
      name: "an application's event with Id, PoolId, SentTime and InitOnly but no router-only key",
      payload: JSON.stringify({ Id: 'order-1', PoolId: 'p', SentTime: '2026-12-05T01:00:00Z', InitOnly: true }),
      expected: 'event',
    },
    {
      name: 'router-only keys in another letter case',
      payload: JSON.stringify({ dispatcherUrl: 'http://x', numberOfChannels: 1 }),
      expected: 'event',
    },
    {
      name: 'router-only keys nested below the top level',
      payload: JSON.stringify({ detail: { DispatcherUrl: 'http://x', NumberOfChannels: 1 } }),
      expected: 'event',
    },
    {
      name: 'a WaiterRequest without Id',
      payload: JSON.stringify({ DispatcherUrl: 'http://x:1/api/chunked', NumberOfChannels: 1, SentTime: 'x' }),
      expected: 'invalid-waiter',
      field: 'Id',
    },
    {
      name: 'DispatcherUrl alone, not a URL',
      payload: JSON.stringify({ DispatcherUrl: 'not a url' }),
      expected: 'invalid-waiter',
      field: 'Id',
    },
    {
      name: 'NumberOfChannels alone',
      payload: JSON.stringify({ Id: 'lambda-1', NumberOfChannels: 1 }),
      expected: 'invalid-waiter',
      field: 'DispatcherUrl',
    },
    {
      name: 'DispatcherUrl present as null',
      payload: JSON.stringify({ Id: 'lambda-1', DispatcherUrl: null }),
      expected: 'invalid-waiter',
      field: 'DispatcherUrl',
    },
    {
      name: 'too many channels',
      payload: WAITER.replace('"NumberOfChannels":4', '"NumberOfChannels":300'),
      expected: 'invalid-waiter',
      field: 'NumberOfChannels',
    },
  ]

for (const row of cases) {
  test(`classifyInvokePayload: ${row.name} is ${row.expected}`, () => {
    const result = classifyInvokePayload(Buffer.from(row.payload))
    assert.equal(result.kind, row.expected)
    if (result.kind === 'invalid-waiter') assert.equal(result.error.field, row.field)
    if (result.kind === 'waiter') assert.equal(result.request.id, 'lambda-1')
  })
}
