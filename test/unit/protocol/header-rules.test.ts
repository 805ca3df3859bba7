// Header hygiene: hop-by-hop names (RFC 9110 §7.6.1), names listed in Connection, and internal names.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  filterClientRequestHeaders,
  filterClientResponseHeaders,
  filterHopByHopHeaders,
} from '../../../src/protocol/index.js'

test('hop-by-hop headers are dropped and end-to-end ones kept in order with repeats', () => {
  const headers = [
    'Host',
    'a',
    'Connection',
    'keep-alive',
    'Keep-Alive',
    'timeout=5',
    'TE',
    'trailers',
    'Transfer-Encoding',
    'chunked',
    'Upgrade',
    'h2c',
    'Proxy-Connection',
    'close',
    'Trailer',
    'X',
    'Accept',
    '*/*',
    'Cookie',
    'a=1',
    'Cookie',
    'b=2',
  ]
  assert.deepEqual(filterHopByHopHeaders(headers), ['Host', 'a', 'Accept', '*/*', 'Cookie', 'a=1', 'Cookie', 'b=2'])
})

test('names listed in Connection are dropped too, case-insensitively and across repeated Connection headers', () => {
  const headers = [
    'Connection',
    'X-Secret, close',
    'x-secret',
    '1',
    'connection',
    ' X-Other ',
    'X-Other',
    '2',
    'Y',
    '3',
  ]
  assert.deepEqual(filterHopByHopHeaders(headers), ['Y', '3'])
})

test('client request headers lose internal and router-control names but keep the rest', () => {
  const headers = [
    'X-Lambda-Id',
    'spoofed',
    'x-channel-id',
    'spoofed',
    'X-Pool-Id',
    'p',
    'X-Lambda-Name',
    'fn',
    'X-Lambda-Dispatch-Debug',
    'true',
    'X-Request-Id',
    'r1',
    'Content-Length',
    '5',
  ]
  assert.deepEqual(filterClientRequestHeaders(headers), ['X-Request-Id', 'r1', 'Content-Length', '5'])
})

test('response headers lose the internal ids unless debugging exposes them', () => {
  const headers = [
    'X-Lambda-Id',
    'L',
    'X-Channel-Id',
    'C',
    'Transfer-Encoding',
    'chunked',
    'Set-Cookie',
    'a',
    'Set-Cookie',
    'b',
  ]
  assert.deepEqual(filterClientResponseHeaders(headers), ['Set-Cookie', 'a', 'Set-Cookie', 'b'])
  assert.deepEqual(filterClientResponseHeaders(headers, { exposeInternal: true }), [
    'X-Lambda-Id',
    'L',
    'X-Channel-Id',
    'C',
    'Set-Cookie',
    'a',
    'Set-Cookie',
    'b',
  ])
})

test('every droppable name is dropped in any case, while names of the same length as one are kept', () => {
  const dropped = ['PROXY-AUTHORIZATION', 'Basic x', 'Proxy-Authenticate', 'Basic', 'tE', 'trailers']
  dropped.push('X-LAMBDA-DISPATCH-DEBUG', '1', 'X-Lambda-Name', 'f')
  // Same lengths as x-lambda-id, x-channel-id, keep-alive and te, not the same names.
  const kept = ['X-Lambda-Ix', 'kept', 'Content-Type', 'text/plain', 'User-Agent', 'u', 'Ab', 'c']
  assert.deepEqual(filterClientRequestHeaders([...dropped, ...kept]), kept)
})
