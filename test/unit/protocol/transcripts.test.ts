// Golden byte transcripts of the original's wire exchanges (original-protocol.md §2, §3.4, §4): parse and serialize
// each exactly.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import {
  controlBodyNoInstance,
  controlBodyNoPool,
  createRequestHeadParser,
  createResponseHeadParser,
  decodeWaiterRequest,
  decodeWaiterResponse,
  encodeWaiterResponse,
  isGoaway,
  serializeGoaway,
  serializeRequestHead,
  serializeResponseHead,
} from '../../../src/protocol/index.js'

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/transcripts/${name}`, import.meta.url))

const LAMBDA_ID = '0f8e8b8a-3c1e-4a77-9d0e-5c3f0d6e9b21'
const CHANNEL_ID = '7a0ebe6c-535a-408f-b069-f82b4e065c77'

test('the tunnelled POST request parses to its head and leaves the body as the rest', () => {
  const bytes = fixture('request-post-echo.bin')
  const parsed = createRequestHeadParser().push(bytes)
  assert.ok(parsed)
  assert.equal(parsed.head.method, 'POST')
  assert.equal(parsed.head.target, '/echo?x=1')
  assert.equal(parsed.head.httpVersion, 'HTTP/1.1')
  assert.deepEqual(parsed.head.headers, [
    'Host',
    'example.com',
    'Content-Type',
    'text/plain',
    'Content-Length',
    '11',
    'User-Agent',
    'curl/8.4.0',
    'X-Lambda-Dispatch-Debug',
    'true',
  ])
  assert.equal(parsed.rest.toString('latin1'), 'Hello World')
})

test('serializing the parsed request head reproduces the transcript byte for byte', () => {
  const bytes = fixture('request-post-echo.bin')
  const parsed = createRequestHeadParser().push(bytes)
  assert.ok(parsed)
  assert.deepEqual(Buffer.concat([serializeRequestHead(parsed.head), parsed.rest]), bytes)
})

test('the tunnelled response head parses with the extension headers first and the gzip bytes as the rest', () => {
  const bytes = fixture('response-gzip.bin')
  const parsed = createResponseHeadParser().push(bytes)
  assert.ok(parsed)
  assert.equal(parsed.head.status, 200)
  assert.equal(parsed.head.reason, 'OK')
  assert.deepEqual(parsed.head.headers.slice(0, 6), [
    'X-Lambda-Id',
    LAMBDA_ID,
    'X-Channel-Id',
    CHANNEL_ID,
    'content-encoding',
    'gzip',
  ])
  assert.equal(parsed.head.headers.length, 14)
  assert.deepEqual([...parsed.rest.subarray(0, 3)], [0x1f, 0x8b, 0x08])
  assert.deepEqual(Buffer.concat([serializeResponseHead(parsed.head), parsed.rest]), bytes)
})

test('a status without a canonical reason serializes as "HTTP/1.1 599" with nothing after the code', () => {
  const bytes = fixture('response-no-reason.bin')
  assert.deepEqual(serializeResponseHead({ status: 599, headers: ['X-Lambda-Id', 'L1', 'X-Channel-Id', 'C1'] }), bytes)
  const parsed = createResponseHeadParser().push(bytes)
  assert.equal(parsed?.head.status, 599)
  assert.equal(parsed?.head.reason, '')
})

test('a response head without a reason gets the canonical phrase, as the original extension writes it', () => {
  assert.equal(serializeResponseHead({ status: 404, headers: [] }).toString('latin1'), 'HTTP/1.1 404 Not Found\r\n\r\n')
  assert.equal(
    serializeResponseHead({ status: 204, headers: [] }).toString('latin1'),
    'HTTP/1.1 204 No Content\r\n\r\n',
  )
})

test('the goaway pseudo-request serializes to the exact bytes and is recognised', () => {
  const bytes = fixture('goaway.bin')
  assert.deepEqual(serializeGoaway(LAMBDA_ID, CHANNEL_ID), bytes)
  const parsed = createRequestHeadParser().push(bytes)
  assert.ok(parsed)
  assert.equal(isGoaway(parsed.head), true)
  assert.equal(parsed.rest.length, 0)
})

test('goaway detection ignores the method but needs the exact target', () => {
  assert.equal(isGoaway({ target: '/_lambda_dispatch/goaway' }), true)
  assert.equal(isGoaway({ target: '/_lambda_dispatch/goaway?x=1' }), false)
  assert.equal(isGoaway({ target: '/_lambda_dispatch/goawayx' }), false)
})

test('the 409 bodies match the original router text exactly', () => {
  assert.equal(controlBodyNoInstance('default', LAMBDA_ID, CHANNEL_ID), fixture('conflict-no-instance.txt').toString())
  assert.equal(controlBodyNoPool('5c3f0d6e'), fixture('conflict-no-pool.txt').toString())
})

test('the original invoke payloads decode, including the init-only buddy', () => {
  const main = decodeWaiterRequest(fixture('waiter-request.json'))
  assert.deepEqual(main, {
    poolId: 'default',
    id: LAMBDA_ID,
    dispatcherUrl: 'http://10.0.1.23:5003/api/chunked',
    numberOfChannels: 20,
    sentTime: '2025-04-08T17:15:42.1234567+00:00',
    initOnly: false,
  })
  const buddy = decodeWaiterRequest(fixture('waiter-request-initonly.json').toString())
  assert.equal(buddy.id, `${LAMBDA_ID}-initonly`)
  assert.equal(buddy.numberOfChannels, 0)
  assert.equal(buddy.initOnly, true)
})

test('the original invoke result decodes and re-encodes to the same bytes', () => {
  const bytes = fixture('waiter-response.json')
  const decoded = decodeWaiterResponse(bytes)
  assert.deepEqual(decoded, {
    poolId: 'default',
    id: LAMBDA_ID,
    requestCount: 123,
    invokeDurationMs: 45012,
    exitReason: 'RouterGoAway',
  })
  assert.equal(encodeWaiterResponse(decoded), bytes.toString())
})
