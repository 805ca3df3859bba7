// The incremental head parser: chunk-boundary independence and round trips (fast-check), limits, and the
// malformed-input table with each case's specific error.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  createRequestHeadParser,
  createResponseHeadParser,
  HeadTooLargeError,
  IncompleteHeadError,
  MalformedHeadError,
  type MalformedHeadReason,
  type RawHeaders,
  type RequestHead,
  type ResponseHead,
  serializeRequestHead,
  serializeResponseHead,
  TooManyHeadersError,
} from '../../../src/protocol/index.js'

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 20 })
// Field values: visible ASCII, SP, HTAB and obs-text; no leading or trailing whitespace (it is optional whitespace).
const valueChar = fc.oneof(
  fc.integer({ min: 0x21, max: 0x7e }),
  fc.constant(0x20),
  fc.constant(0x09),
  fc.integer({ min: 0x80, max: 0xff }),
)
const fieldValue = fc.array(valueChar, { maxLength: 60 }).map((codes) => String.fromCharCode(...codes).trim())
const headers = fc.array(fc.tuple(token, fieldValue), { maxLength: 30 }).map((pairs): RawHeaders => pairs.flat())
const target = fc
  .array(fc.integer({ min: 0x21, max: 0x7e }), { minLength: 1, maxLength: 80 })
  .map((codes) => `/${String.fromCharCode(...codes)}`)
const body = fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes))
const requestHead = fc.record({ method: token, target, httpVersion: fc.constant('HTTP/1.1'), headers })
const reason = fc
  .array(fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.constant(0x20)), { maxLength: 30 })
  .map((codes) => String.fromCharCode(...codes).trim())
const responseHead = fc.record({
  status: fc.integer({ min: 100, max: 999 }),
  reason: reason.filter((text) => text.length > 0),
  httpVersion: fc.constant('HTTP/1.1'),
  headers,
})

/** Splits `bytes` at the given cut points (any order, duplicates allowed) into consecutive chunks. */
function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let start = 0
  for (const point of points) {
    chunks.push(bytes.subarray(start, point))
    start = point
  }
  chunks.push(bytes.subarray(start))
  return chunks
}

/** Feeds chunks until the head completes; returns the head and every byte after it (rest plus later chunks). */
function feed<H>(
  parser: { push(chunk: Buffer): { head: H; rest: Buffer } | undefined },
  chunks: Buffer[],
): { head: H; body: Buffer } {
  for (let index = 0; index < chunks.length; index++) {
    const parsed = parser.push(chunks[index] as Buffer)
    if (parsed) return { head: parsed.head, body: Buffer.concat([parsed.rest, ...chunks.slice(index + 1)]) }
  }
  throw new Error('head never completed')
}

test('any valid request head split at any chunk boundaries parses to the same head and body', () => {
  fc.assert(
    fc.property(requestHead, body, fc.array(fc.nat(), { maxLength: 12 }), (head: RequestHead, payload, cuts) => {
      const bytes = Buffer.concat([serializeRequestHead(head), payload])
      const { head: parsed, body: rest } = feed(createRequestHeadParser(), splitAt(bytes, cuts))
      assert.deepEqual(parsed, { ...head })
      assert.deepEqual(rest, payload)
      assert.deepEqual(Buffer.concat([serializeRequestHead(parsed), rest]), bytes)
    }),
    { numRuns: 2000 },
  )
})

test('a request head is the latin1 bytes of its text, for any characters, empty values included', () => {
  const text = fc.string({ unit: 'binary', maxLength: 30 })
  const headers = fc.array(fc.tuple(text, text), { maxLength: 8 }).map((pairs) => pairs.flat())
  fc.assert(
    fc.property(text, text, headers, (method, target, raw) => {
      let expected = `${method} ${target} HTTP/1.1\r\n`
      for (let index = 0; index < raw.length; index += 2) expected += `${raw[index]}: ${raw[index + 1]}\r\n`
      const bytes = serializeRequestHead({ method, target, headers: raw })
      assert.deepEqual(bytes, Buffer.from(`${expected}\r\n`, 'latin1'))
    }),
    { numRuns: 2000 },
  )
})

test('any valid response head split at any chunk boundaries parses to the same head and body', () => {
  fc.assert(
    fc.property(responseHead, body, fc.array(fc.nat(), { maxLength: 12 }), (head: ResponseHead, payload, cuts) => {
      const bytes = Buffer.concat([serializeResponseHead(head), payload])
      const { head: parsed, body: rest } = feed(createResponseHeadParser(), splitAt(bytes, cuts))
      assert.deepEqual(parsed, { ...head })
      assert.deepEqual(rest, payload)
    }),
    { numRuns: 2000 },
  )
})

test('a head fed one byte at a time parses the same as in one chunk', () => {
  const bytes = Buffer.from('GET /a?b=c HTTP/1.1\r\nHost: x\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nBODY')
  const parser = createRequestHeadParser()
  let result: { head: RequestHead; rest: Buffer } | undefined
  for (let index = 0; index < bytes.length && !result; index++) result = parser.push(bytes.subarray(index, index + 1))
  assert.ok(result)
  assert.deepEqual(result.head.headers, ['Host', 'x', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'])
  assert.equal(result.rest.length, 0, 'the byte after the head arrives in a later push, so rest is empty here')
})

test('repeated headers keep every value in arrival order', () => {
  const parsed = createResponseHeadParser().push(
    Buffer.from('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX: 1\r\nset-cookie: b=2\r\nSet-Cookie: c=3\r\n\r\n'),
  )
  assert.deepEqual(parsed?.head.headers, ['Set-Cookie', 'a=1', 'X', '1', 'set-cookie', 'b=2', 'Set-Cookie', 'c=3'])
})

test('bare LF line endings are accepted as RFC 9112 §2.2 allows', () => {
  const parsed = createRequestHeadParser().push(Buffer.from('GET / HTTP/1.1\nHost: x\n\nrest'))
  assert.equal(parsed?.head.target, '/')
  assert.deepEqual(parsed?.head.headers, ['Host', 'x'])
  assert.equal(parsed?.rest.toString(), 'rest')
})

test('optional whitespace around a field value is removed and inner whitespace kept', () => {
  const parsed = createRequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nA:  x  y \t\r\nB:\r\n\r\n'))
  assert.deepEqual(parsed?.head.headers, ['A', 'x  y', 'B', ''])
})

test('heads larger than 32 KiB parse when the limit allows them', () => {
  const big = 'v'.repeat(40 * 1024)
  const bytes = Buffer.from(`GET / HTTP/1.1\r\nX-Big: ${big}\r\n\r\n`)
  const parsed = createRequestHeadParser({ maxHeadBytes: 64 * 1024, maxHeaderCount: 10 }).push(bytes)
  assert.equal(parsed?.head.headers[1]?.length, big.length)
})

test('a head over maxHeadBytes raises HeadTooLargeError, whether or not its end has arrived', () => {
  const limits = { maxHeadBytes: 64, maxHeaderCount: 10 }
  const complete = Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(60)}\r\n\r\n`)
  assert.throws(() => createRequestHeadParser(limits).push(complete), HeadTooLargeError)
  const parser = createRequestHeadParser(limits)
  assert.equal(parser.push(Buffer.from('GET / HTTP/1.1\r\n')), undefined)
  assert.throws(
    () => parser.push(Buffer.from(`X: ${'a'.repeat(60)}`)),
    (error: unknown) => error instanceof HeadTooLargeError && error.maxHeadBytes === 64 && error.kind === 'request',
  )
})

test('a head exactly at maxHeadBytes is accepted', () => {
  const bytes = Buffer.from('GET / HTTP/1.1\r\nA: b\r\n\r\n')
  const parsed = createRequestHeadParser({ maxHeadBytes: bytes.length, maxHeaderCount: 1 }).push(bytes)
  assert.equal(parsed?.head.method, 'GET')
})

test('more header fields than maxHeaderCount raise TooManyHeadersError', () => {
  const lines = Array.from({ length: 5 }, (_, index) => `H${index}: v\r\n`).join('')
  const bytes = Buffer.from(`HTTP/1.1 200 OK\r\n${lines}\r\n`)
  assert.ok(createResponseHeadParser({ maxHeadBytes: 1024, maxHeaderCount: 5 }).push(bytes))
  assert.throws(
    () => createResponseHeadParser({ maxHeadBytes: 1024, maxHeaderCount: 4 }).push(bytes),
    (error: unknown) => error instanceof TooManyHeadersError && error.maxHeaderCount === 4 && error.kind === 'response',
  )
})

test('a stream that ends before the head is complete raises IncompleteHeadError with the byte count', () => {
  const parser = createResponseHeadParser()
  parser.push(Buffer.from('HTTP/1.1 200 OK\r\nA: b\r\n'))
  assert.throws(
    () => parser.end(),
    (error: unknown) => error instanceof IncompleteHeadError && error.receivedBytes === 23,
  )
})

const MALFORMED: ReadonlyArray<{
  name: string
  kind: 'request' | 'response'
  head: string
  reason: MalformedHeadReason
}> = [
  { name: 'a request line with two parts', kind: 'request', head: 'GET /\r\n\r\n', reason: 'bad-request-line' },
  {
    name: 'a request line with a double space',
    kind: 'request',
    head: 'GET  / HTTP/1.1\r\n\r\n',
    reason: 'bad-request-line',
  },
  {
    name: 'a method with a non-token byte',
    kind: 'request',
    head: 'G(T / HTTP/1.1\r\n\r\n',
    reason: 'bad-request-line',
  },
  {
    name: 'an unknown protocol version token',
    kind: 'request',
    head: 'GET / HTTP/11\r\n\r\n',
    reason: 'bad-request-line',
  },
  { name: 'an empty head', kind: 'request', head: '\r\n\r\n', reason: 'bad-request-line' },
  {
    name: 'a status line with letters for a code',
    kind: 'response',
    head: 'HTTP/1.1 2OO OK\r\n\r\n',
    reason: 'bad-status-line',
  },
  { name: 'a status code below 100', kind: 'response', head: 'HTTP/1.1 099 X\r\n\r\n', reason: 'bad-status-line' },
  { name: 'a status line without a version', kind: 'response', head: '200 OK\r\n\r\n', reason: 'bad-status-line' },
  {
    name: 'a header line without a colon',
    kind: 'request',
    head: 'GET / HTTP/1.1\r\nNoColon\r\n\r\n',
    reason: 'header-without-colon',
  },
  {
    name: 'a header name with a space before the colon',
    kind: 'request',
    head: 'GET / HTTP/1.1\r\nA : b\r\n\r\n',
    reason: 'invalid-header-name',
  },
  {
    name: 'an empty header name',
    kind: 'response',
    head: 'HTTP/1.1 200 OK\r\n: b\r\n\r\n',
    reason: 'invalid-header-name',
  },
  {
    name: 'a header name with a non-token byte',
    kind: 'request',
    head: 'GET / HTTP/1.1\r\nA@B: c\r\n\r\n',
    reason: 'invalid-header-name',
  },
  {
    name: 'a header value with a control byte',
    kind: 'request',
    head: 'GET / HTTP/1.1\r\nA: b\x01c\r\n\r\n',
    reason: 'invalid-header-value',
  },
  {
    name: 'a header value with DEL',
    kind: 'response',
    head: 'HTTP/1.1 200 OK\r\nA: \x7f\r\n\r\n',
    reason: 'invalid-header-value',
  },
  {
    name: 'an obs-fold continuation line',
    kind: 'request',
    head: 'GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n',
    reason: 'obs-fold',
  },
  {
    name: 'a tab-started continuation line',
    kind: 'response',
    head: 'HTTP/1.1 200 OK\r\nA: b\r\n\tc\r\n\r\n',
    reason: 'obs-fold',
  },
  { name: 'a bare CR inside a value', kind: 'request', head: 'GET / HTTP/1.1\r\nA: b\rc\r\n\r\n', reason: 'bare-cr' },
  { name: 'a bare CR inside the request line', kind: 'request', head: 'GET /\r HTTP/1.1\r\n\r\n', reason: 'bare-cr' },
  { name: 'a NUL inside a value', kind: 'request', head: 'GET / HTTP/1.1\r\nA: b\0c\r\n\r\n', reason: 'nul' },
  { name: 'a NUL inside the status line', kind: 'response', head: 'HTTP/1.1 200 O\0K\r\n\r\n', reason: 'nul' },
]

for (const row of MALFORMED) {
  test(`${row.name} is refused with the reason "${row.reason}"`, () => {
    const parser = row.kind === 'request' ? createRequestHeadParser() : createResponseHeadParser()
    assert.throws(
      () => parser.push(Buffer.from(row.head, 'latin1')),
      (error: unknown) => error instanceof MalformedHeadError && error.reason === row.reason && error.kind === row.kind,
    )
  })
}

test('arbitrary bytes either parse, wait for more, or raise one of the protocol errors (fuzz)', () => {
  const runs = Number(process.env.PROTOCOL_FUZZ_RUNS ?? 100_000)
  const seed = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    requestHead.map((head) => new Uint8Array(serializeRequestHead(head))),
  )
  // Mutations of valid heads hit the interesting paths far more often than random bytes alone.
  const input = fc
    .tuple(seed, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
    .map(([bytes, edits]) => {
      const copy = Buffer.from(bytes)
      for (const [at, value] of edits) if (copy.length > 0) copy[at % copy.length] = value
      return copy
    })
  let cases = 0
  fc.assert(
    fc.property(input, fc.boolean(), fc.array(fc.nat(), { maxLength: 4 }), (bytes, asResponse, cuts) => {
      cases++
      const parser = asResponse ? createResponseHeadParser() : createRequestHeadParser()
      try {
        for (const chunk of splitAt(bytes, cuts)) if (parser.push(chunk)) return
      } catch (error) {
        assert.ok(
          error instanceof MalformedHeadError ||
            error instanceof HeadTooLargeError ||
            error instanceof TooManyHeadersError,
          `unexpected ${String(error)}`,
        )
      }
    }),
    { numRuns: runs },
  )
  console.log(`protocol codec fuzz: ${cases} cases, no unexpected error`)
  assert.equal(cases, runs)
})
