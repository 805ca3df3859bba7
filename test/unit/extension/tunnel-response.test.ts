// The framed response head the extension writes, checked against the golden transcript of the original (§4.4).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { compressedHeaders } from '../../../src/extension/compression.js'
import { tunnelResponseHead } from '../../../src/extension/tunnel-response.js'

const GOLDEN = readFileSync(resolve(import.meta.dirname, '../../fixtures/transcripts/response-gzip.bin'))
const LAMBDA_ID = '0f8e8b8a-3c1e-4a77-9d0e-5c3f0d6e9b21'
const CHANNEL_ID = '7a0ebe6c-535a-408f-b069-f82b4e065c77'

test('a gzipped response head matches the original byte for byte, plus the Vary line the original lacked', () => {
  const appHeaders = [
    'x-powered-by',
    'Express',
    'content-type',
    'text/html; charset=utf-8',
    'content-length',
    '1453',
    'etag',
    'W/"5ad-abc"',
    'date',
    'Tue, 08 Apr 2025 17:15:42 GMT',
  ]
  const head = tunnelResponseHead(200, compressedHeaders(appHeaders), LAMBDA_ID, CHANNEL_ID)
  const goldenHead = GOLDEN.subarray(0, GOLDEN.indexOf('\r\n\r\n') + 4).toString('latin1')
  assert.equal(head.toString('latin1'), goldenHead.replace(/\r\n\r\n$/, '\r\nvary: Accept-Encoding\r\n\r\n'))
})

test('a status without a canonical reason is written as the original writes it', () => {
  assert.equal(
    tunnelResponseHead(599, [], 'l', 'c').toString('latin1'),
    'HTTP/1.1 599\r\nX-Lambda-Id: l\r\nX-Channel-Id: c\r\n\r\n',
  )
})
