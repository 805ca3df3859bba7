// Table tests for the demo app's pure parts: route matching, count parsing, the byte pattern and event summaries.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  matchRoute,
  patternByteAt,
  patternBytes,
  readCount,
  readEventDirective,
  summarizeEvent,
} from '../../../src/demo-app/routes.js'

const matchCases: { name: string; method: string; path: string; expected: string; params?: string[] }[] = [
  { name: 'GET /ping is a route', method: 'GET', path: '/ping', expected: 'route', params: [] },
  { name: 'HEAD is served wherever GET is', method: 'HEAD', path: '/bytes', expected: 'route', params: [] },
  { name: 'PUT /echo is a route', method: 'PUT', path: '/echo', expected: 'route', params: [] },
  { name: 'GET /echo is not allowed', method: 'GET', path: '/echo', expected: 'method-not-allowed' },
  { name: '/status/{code} captures the code', method: 'GET', path: '/status/418', expected: 'route', params: ['418'] },
  { name: '/status/ without a code is unknown', method: 'GET', path: '/status/', expected: 'not-found' },
  { name: '/status/a/b is unknown', method: 'GET', path: '/status/a/b', expected: 'not-found' },
  { name: 'a trailing slash is a different path', method: 'GET', path: '/ping/', expected: 'not-found' },
  { name: 'an unknown path is not found', method: 'GET', path: '/nope', expected: 'not-found' },
]

for (const row of matchCases) {
  test(`matchRoute: ${row.name}`, () => {
    const match = matchRoute(row.method, row.path)
    assert.equal(match.kind, row.expected)
    if (match.kind === 'route') assert.deepEqual(match.params, row.params)
  })
}

test('matchRoute lists HEAD in Allow for GET routes and not for POST-only routes', () => {
  assert.deepEqual(matchRoute('DELETE', '/ping'), { kind: 'method-not-allowed', allow: ['GET', 'HEAD'] })
  assert.deepEqual(matchRoute('GET', '/echo'), { kind: 'method-not-allowed', allow: ['POST', 'PUT'] })
})

const countCases: { name: string; query: string; expected: number | null | undefined }[] = [
  { name: 'absent is undefined', query: '', expected: undefined },
  { name: 'empty is undefined', query: 'n=', expected: undefined },
  { name: 'zero', query: 'n=0', expected: 0 },
  { name: 'a plain integer', query: 'n=1048576', expected: 1048576 },
  { name: 'negative is invalid', query: 'n=-1', expected: null },
  { name: 'a fraction is invalid', query: 'n=1.5', expected: null },
  { name: 'a unit suffix is invalid', query: 'n=4k', expected: null },
  { name: 'beyond a safe integer is invalid', query: 'n=99999999999999999999', expected: null },
]

for (const row of countCases) {
  test(`readCount: ${row.name}`, () => {
    assert.equal(readCount(new URLSearchParams(row.query), 'n'), row.expected)
  })
}

test('the byte pattern has a prime period, so 64 KiB shifts do not line up', () => {
  const bytes = patternBytes(600)
  assert.equal(bytes[0], 0)
  assert.equal(bytes[250], 250)
  assert.equal(bytes[251], 0)
  assert.equal(patternByteAt(65536), 65536 % 251)
  assert.notEqual(patternByteAt(65536), patternByteAt(0))
})

// Issue 19: /events answers a one-line summary of the Lambda event it was given.
const summaryCases: Array<{ name: string; event: unknown; expected: Record<string, string | number> }> = [
  {
    name: 'an SQS batch gives its event source and record count',
    event: { Records: [{ eventSource: 'aws:sqs' }, { eventSource: 'aws:sqs' }] },
    expected: { received: 'aws:sqs', records: 2 },
  },
  {
    name: 'an SNS batch reads the capitalised EventSource',
    event: { Records: [{ EventSource: 'aws:sns', Sns: {} }] },
    expected: { received: 'aws:sns', records: 1 },
  },
  {
    name: 'an empty batch is unknown with 0 records',
    event: { Records: [] },
    expected: { received: 'unknown', records: 0 },
  },
  {
    name: 'an EventBridge event gives its source and detail-type',
    event: { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} },
    expected: { received: 'aws.events', detailType: 'Scheduled Event' },
  },
  { name: 'a source without detail-type', event: { source: 'com.example' }, expected: { received: 'com.example' } },
  { name: 'anything else is unknown', event: { hello: 'world' }, expected: { received: 'unknown' } },
  { name: 'an array is unknown', event: [1, 2], expected: { received: 'unknown' } },
  { name: 'null is unknown', event: null, expected: { received: 'unknown' } },
]
for (const row of summaryCases) {
  test(`summarizeEvent: ${row.name}`, () => {
    assert.deepEqual(summarizeEvent(row.event), row.expected)
  })
}

const directiveCases: Array<{ name: string; event: unknown; expected: ReturnType<typeof readEventDirective> }> = [
  { name: 'no demo field', event: { Records: [] }, expected: undefined },
  { name: 'a status', event: { demo: { status: 503 } }, expected: { status: 503 } },
  { name: 'a status out of range is ignored', event: { demo: { status: 700 } }, expected: {} },
  { name: 'hang', event: { demo: { hang: true } }, expected: { hang: true } },
  { name: 'a byte count', event: { demo: { bytes: 10 } }, expected: { bytes: 10 } },
  { name: 'exit', event: { demo: { exit: true } }, expected: { exit: true } },
  { name: 'a negative byte count is ignored', event: { demo: { bytes: -1 } }, expected: {} },
  { name: 'a demo field that is not an object', event: { demo: 'fail' }, expected: undefined },
]
for (const row of directiveCases) {
  test(`readEventDirective: ${row.name}`, () => {
    assert.deepEqual(readEventDirective(row.event), row.expected)
  })
}
