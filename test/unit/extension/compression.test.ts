// Table tests for the compression choice and header rewrite, and the per-chunk flush of the gzip stream.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { test } from 'node:test'
import { constants, gunzipSync } from 'node:zlib'
import {
  acceptsGzip,
  type CompressionInput,
  compressedHeaders,
  createGzipEncoder,
  isCompressibleType,
  shouldCompress,
} from '../../../src/extension/compression.js'

const accepts: Array<[string | undefined, boolean]> = [
  ['gzip', true],
  ['gzip, deflate, br', true],
  ['br;q=1.0, GZIP;q=0.5', true],
  ['gzip;q=0', false],
  ['gzip;q=0.0, *;q=1', false],
  ['*', true],
  ['*;q=0', false],
  ['deflate, br', false],
  ['x-gzip', true],
  ['identity', false],
  ['', false],
  [undefined, false],
]
for (const [value, expected] of accepts) {
  test(`Accept-Encoding ${JSON.stringify(value)} ${expected ? 'accepts' : 'does not accept'} gzip`, () =>
    assert.equal(acceptsGzip(value), expected))
}

const types: Array<[string | undefined, boolean]> = [
  ['text/html; charset=utf-8', true],
  ['text/event-stream', true],
  ['application/json', true],
  ['application/problem+json', true],
  ['application/atom+xml; charset=utf-8', true],
  ['image/svg+xml', true],
  ['Application/JavaScript', true],
  ['application/octet-stream', false],
  ['image/png', false],
  ['application/zip', false],
  [undefined, false],
]
for (const [value, expected] of types) {
  test(`content type ${JSON.stringify(value)} is ${expected ? '' : 'not '}compressible`, () =>
    assert.equal(isCompressibleType(value), expected))
}

const BASE: CompressionInput = {
  enabled: true,
  method: 'GET',
  status: 200,
  acceptEncoding: 'gzip',
  contentType: 'text/plain',
  contentEncoding: undefined,
  contentLength: '2048',
  cacheControl: undefined,
}
const decisions: Array<{ name: string; change: Partial<CompressionInput>; expected: boolean }> = [
  { name: 'a 2 KiB text body is compressed', change: {}, expected: true },
  { name: 'a chunked (unknown length) body is compressed', change: { contentLength: undefined }, expected: true },
  { name: 'exactly 1024 bytes is not', change: { contentLength: '1024' }, expected: false },
  { name: '1025 bytes is', change: { contentLength: '1025' }, expected: true },
  { name: 'not when switched off', change: { enabled: false }, expected: false },
  { name: 'not for HEAD', change: { method: 'HEAD' }, expected: false },
  { name: 'not for 204', change: { status: 204 }, expected: false },
  { name: 'not for 304', change: { status: 304 }, expected: false },
  { name: 'not for a 206 range', change: { status: 206 }, expected: false },
  { name: 'errors are compressed too', change: { status: 500 }, expected: true },
  { name: 'not when already encoded', change: { contentEncoding: 'br' }, expected: false },
  { name: 'identity encoding still allows it', change: { contentEncoding: 'identity' }, expected: true },
  { name: 'not with Cache-Control: no-transform', change: { cacheControl: 'public, no-transform' }, expected: false },
  { name: 'not for binary types', change: { contentType: 'image/png' }, expected: false },
  { name: 'not when the client does not accept gzip', change: { acceptEncoding: 'br' }, expected: false },
]
for (const row of decisions) {
  test(`compression: ${row.name}`, () => assert.equal(shouldCompress({ ...BASE, ...row.change }), row.expected))
}

test('compressed headers: encoding first, no length, Vary added, strong ETag made weak, order kept', () => {
  assert.deepEqual(
    compressedHeaders(['Content-Type', 'text/html', 'Content-Length', '5000', 'ETag', '"abc"', 'Set-Cookie', 'a=1']),
    [
      'content-encoding',
      'gzip',
      'Content-Type',
      'text/html',
      'ETag',
      'W/"abc"',
      'Set-Cookie',
      'a=1',
      'vary',
      'Accept-Encoding',
    ],
  )
})

test('an existing Vary gains Accept-Encoding once, and Vary: * or a listed one is left alone', () => {
  assert.deepEqual(compressedHeaders(['Vary', 'Origin']), [
    'content-encoding',
    'gzip',
    'Vary',
    'Origin, Accept-Encoding',
  ])
  assert.deepEqual(compressedHeaders(['vary', 'accept-encoding']), [
    'content-encoding',
    'gzip',
    'vary',
    'accept-encoding',
  ])
  assert.deepEqual(compressedHeaders(['Vary', '*']), ['content-encoding', 'gzip', 'Vary', '*'])
  assert.deepEqual(compressedHeaders(['ETag', 'W/"weak"']), [
    'content-encoding',
    'gzip',
    'ETag',
    'W/"weak"',
    'vary',
    'Accept-Encoding',
  ])
})

test('the gzip stream emits each chunk, decodable, before the stream ends', async () => {
  const gzip = createGzipEncoder()
  const received: Buffer[] = []
  gzip.on('data', (chunk: Buffer) => received.push(chunk))
  gzip.write('data: 0\n\n')
  await once(gzip, 'data')
  const first = Buffer.concat(received)
  // A sync-flushed prefix decodes on its own, without the rest of the stream.
  assert.equal(gunzipSync(first, { finishFlush: constants.Z_SYNC_FLUSH }).toString(), 'data: 0\n\n')
  gzip.end('data: 1\n\n')
  await once(gzip, 'end')
  assert.equal(gunzipSync(Buffer.concat(received)).toString(), 'data: 0\n\ndata: 1\n\n')
})
