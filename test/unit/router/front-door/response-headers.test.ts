// toHttp2ResponseHeaders: nothing illegal on an HTTP/2 response (RFC 9113 §8.2.2) and nothing Node would throw on.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { toHttp2ResponseHeaders } from '../../../../src/router/front-door/response-headers.js'

test('connection-specific fields are dropped and names are lower-cased', () => {
  assert.deepEqual(
    toHttp2ResponseHeaders([
      'Connection',
      'close',
      'Keep-Alive',
      'x',
      'Proxy-Connection',
      'y',
      'Transfer-Encoding',
      'chunked',
      'Upgrade',
      'ws',
      'TE',
      'trailers',
      'X-App',
      'v',
    ]),
    ['x-app', 'v'],
  )
})

test('pseudo-header names are dropped', () => {
  assert.deepEqual(toHttp2ResponseHeaders([':status', '200', 'a', 'b']), ['a', 'b'])
})

test('a repeated single-value field keeps its first value; list fields keep every value', () => {
  assert.deepEqual(
    toHttp2ResponseHeaders([
      'Content-Type',
      'a',
      'content-type',
      'b',
      'Set-Cookie',
      '1',
      'Set-Cookie',
      '2',
      'Vary',
      'x',
      'Vary',
      'y',
    ]),
    ['content-type', 'a', 'set-cookie', '1', 'set-cookie', '2', 'vary', 'x', 'vary', 'y'],
  )
})
