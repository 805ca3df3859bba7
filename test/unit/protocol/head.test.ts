// splitHead reads a head's lines in place by offset (issue 16). It must give exactly what splitting the text into an
// array of lines gave: the same start line and headers for any text, or the same error with the same reason and
// line. The line-array version is kept here as the reference.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { type HeadKind, MalformedHeadError, TooManyHeadersError } from '../../../src/protocol/errors.js'
import { getHeader, isHeaderName, type RawHeaders, splitHead } from '../../../src/protocol/head.js'

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const INVALID_VALUE_BYTE = /[\x00-\x08\x0a-\x1f\x7f]/

function referenceSplitHead(kind: HeadKind, text: string, maxHeaderCount: number) {
  if (text.includes('\0')) {
    const offset = text.indexOf('\0')
    let line = 1
    for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) line++
    throw new MalformedHeadError(kind, 'nul', line)
  }
  const lines = text.split('\n')
  const count = lines.length - 2
  const headers: RawHeaders = []
  let startLine = ''
  for (let index = 0; index < count; index++) {
    let line = lines[index] as string
    if (line.endsWith('\r')) line = line.slice(0, -1)
    if (line.includes('\r')) throw new MalformedHeadError(kind, 'bare-cr', index + 1)
    if (index === 0) {
      startLine = line
      continue
    }
    if (index > maxHeaderCount) throw new TooManyHeadersError(kind, maxHeaderCount)
    const first = line.charCodeAt(0)
    if (first === 0x20 || first === 0x09) throw new MalformedHeadError(kind, 'obs-fold', index + 1)
    const colon = line.indexOf(':')
    if (colon === -1) throw new MalformedHeadError(kind, 'header-without-colon', index + 1)
    const name = line.slice(0, colon)
    if (!TOKEN.test(name)) throw new MalformedHeadError(kind, 'invalid-header-name', index + 1)
    const value = line.slice(colon + 1).trim()
    if (INVALID_VALUE_BYTE.test(value)) throw new MalformedHeadError(kind, 'invalid-header-value', index + 1)
    headers.push(name, value)
  }
  const emptyLine = lines[count]
  if (emptyLine !== '' && emptyLine !== '\r') throw new MalformedHeadError(kind, 'bare-cr', count + 1)
  return { startLine, headers }
}

// What a call gave: its result, or the error's class, reason and line.
function outcome(split: () => { startLine: string; headers: RawHeaders }): unknown {
  try {
    return { ok: split() }
  } catch (error) {
    if (error instanceof MalformedHeadError) return { malformed: error.reason, line: error.line }
    if (error instanceof TooManyHeadersError) return { tooMany: error.message }
    throw error
  }
}

function assertSame(text: string, maxHeaderCount: number): void {
  assert.deepEqual(
    outcome(() => splitHead('response', text, maxHeaderCount)),
    outcome(() => referenceSplitHead('response', text, maxHeaderCount)),
    JSON.stringify(text),
  )
}

// Lines made of the bytes that matter to the syntax, so that every error and every edge comes up often.
const syntaxChar = fc.constantFrom('a', 'B', '7', '-', ':', ' ', '\t', '\r', '\n', '\0', '\x01', '\x7f', '\xe9', '\xa0')
const line = fc.string({ unit: syntaxChar, maxLength: 12 })
const header = fc.tuple(fc.constantFrom('X-A', 'b', 'C-7', ''), fc.constantFrom(':', ': ', ':\t', ' :'), line)
const ending = fc.constantFrom('\r\n', '\n', '\r', '')

test('any text splits as the line-array reference splits it, or fails with the same reason at the same line', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          line,
          header.map(([name, colon, value]) => name + colon + value),
        ),
        { maxLength: 8 },
      ),
      fc.array(ending, { minLength: 8, maxLength: 8 }),
      fc.constantFrom('\r\n', '\n', '', '\r', 'x\r\n', '\n\n'),
      fc.nat(6),
      (lines, endings, tail, maxHeaderCount) => {
        const text = `HTTP/1.1 200 OK\r\n${lines.map((text, index) => text + endings[index]).join('')}${tail}`
        assertSame(text, maxHeaderCount)
        assertSame(`${lines.join('\r\n')}\r\n\r\n`, maxHeaderCount)
      },
    ),
    { numRuns: 3000 },
  )
})

test('edge texts split as the reference splits them', () => {
  for (const text of [
    '',
    '\n',
    '\r\n',
    '\n\n',
    '\r\n\r\n',
    'HTTP/1.1 200 OK',
    'HTTP/1.1 200 OK\r\n',
    'a\rb\r\n\r\n',
    ':\r\n\r\n',
  ]) {
    for (const maxHeaderCount of [0, 1, 128]) assertSame(text, maxHeaderCount)
  }
})

test('a header value is trimmed exactly as String.prototype.trim() trims it, NBSP and the refused VT and FF included', () => {
  const edge = fc.constantFrom(' ', '\t', '\u000b', '\u000c', '\u00a0', 'a', '\u00e9', ':')
  const value = fc.tuple(
    fc.array(edge, { maxLength: 4 }),
    fc.string({ maxLength: 6 }),
    fc.array(edge, { maxLength: 4 }),
  )
  fc.assert(
    fc.property(value, ([before, middle, after]) => {
      const raw = `${before.join('')}${middle.replace(/[\r\n\0]/g, '')}${after.join('')}`
      const text = `HTTP/1.1 200 OK\r\nX-Value:${raw}\r\n\r\n`
      let parsed: { headers: RawHeaders } | undefined
      try {
        parsed = splitHead('response', text, 10)
      } catch {
        // Refused values (control bytes left after trimming) are refused either way.
        assert.match(raw.trim(), /[\x00-\x08\x0a-\x1f\x7f]/)
        return
      }
      assert.deepEqual(parsed.headers, ['X-Value', raw.trim()])
    }),
    { numRuns: 3000 },
  )
})

test('isHeaderName: a name matches its lower-case form in any case, and nothing of another length or spelling', () => {
  const cases: Array<[string, string, boolean]> = [
    ['content-length', 'content-length', true],
    ['Content-Length', 'content-length', true],
    ['CONTENT-LENGTH', 'content-length', true],
    ['content-lengths', 'content-length', false],
    ['content-lengt', 'content-length', false],
    ['content_length', 'content-length', false],
    ['', 'host', false],
    ['Host', 'host', true],
  ]
  for (const [name, lowerName, expected] of cases) assert.equal(isHeaderName(name, lowerName), expected, name)
})

test('isHeaderName agrees with comparing the lower-cased name, for any latin1 name', () => {
  const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)) })
  const lowerNames = fc.constantFrom('host', 'connection', 'content-length', 'transfer-encoding', 'x-lambda-id', 'é')
  fc.assert(
    fc.property(latin1, lowerNames, fc.boolean(), (noise, lowerName, useName) => {
      // Half the time a case variant of the name itself, so matches are drawn as often as mismatches.
      const name = useName
        ? [...lowerName].map((c, i) => ((noise.charCodeAt(i) & 1) === 1 ? c.toUpperCase() : c)).join('')
        : noise
      assert.equal(isHeaderName(name, lowerName), name.toLowerCase() === lowerName)
    }),
  )
})

test('getHeader gives the first value of a name in any case, and undefined when absent', () => {
  const headers: RawHeaders = ['Host', 'a', 'Content-Type', 'text/plain', 'HOST', 'b']
  assert.equal(getHeader(headers, 'host'), 'a')
  assert.equal(getHeader(headers, 'content-type'), 'text/plain')
  assert.equal(getHeader(headers, 'content-length'), undefined)
})
