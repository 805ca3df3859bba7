// classifyConnection: h2c prior knowledge and HTTP/1.1 share a port, told apart by the first bytes (RFC 9113 §3.4).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { classifyConnection, HTTP2_PREFACE } from '../../../../src/router/front-door/preface.js'

test('the full preface is h2, any prefix of it is undecided, and an empty read is undecided', () => {
  assert.equal(classifyConnection(HTTP2_PREFACE), 'h2')
  assert.equal(classifyConnection(Buffer.concat([HTTP2_PREFACE, Buffer.from([0, 0, 0, 4])])), 'h2')
  for (let length = 0; length < HTTP2_PREFACE.length; length++) {
    assert.equal(classifyConnection(HTTP2_PREFACE.subarray(0, length)), 'undecided')
  }
})

test('every HTTP/1.1 method is recognised from its first byte or two', () => {
  for (const method of [
    'GET',
    'POST',
    'PUT',
    'DELETE',
    'HEAD',
    'OPTIONS',
    'PATCH',
    'CONNECT',
    'TRACE',
    'PRI / HTTP/1.1',
  ]) {
    assert.equal(classifyConnection(Buffer.from(`${method} / HTTP/1.1\r\n`)), 'http1', method)
  }
})

test('any byte string that differs from the preface within its length is http1', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
      const buffer = Buffer.from(bytes)
      const length = Math.min(buffer.length, HTTP2_PREFACE.length)
      const isPrefix = buffer.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length))
      const kind = classifyConnection(buffer)
      if (!isPrefix) return kind === 'http1'
      return kind === (buffer.length >= HTTP2_PREFACE.length ? 'h2' : 'undecided')
    }),
  )
})
