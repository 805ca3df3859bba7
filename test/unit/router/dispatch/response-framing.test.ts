// Issue 12 item 5: the framing a relayed response may have (RFC 9112 §6.3), and when its body breaks it. Table tests.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  decideResponseFraming,
  type FramingDecision,
  framingBreach,
  framingSatisfied,
  framingViolation,
  type ResponseFraming,
} from '../../../../src/router/dispatch/response-framing.js'

const decisions: { name: string; method?: string; status?: number; headers: string[]; expected: FramingDecision }[] = [
  {
    name: 'a Content-Length gives an exact length',
    headers: ['Content-Type', 'text/plain', 'Content-Length', '6'],
    expected: { framing: { kind: 'length', bytes: 6 }, headers: ['Content-Type', 'text/plain', 'Content-Length', '6'] },
  },
  {
    name: 'no length runs until END_STREAM',
    headers: ['Content-Type', 'text/plain'],
    expected: { framing: { kind: 'until-end' }, headers: ['Content-Type', 'text/plain'] },
  },
  {
    name: 'chunked runs until END_STREAM (the tunnel carries de-chunked bytes)',
    headers: ['Transfer-Encoding', 'chunked'],
    expected: { framing: { kind: 'until-end' }, headers: ['Transfer-Encoding', 'chunked'] },
  },
  {
    name: 'Transfer-Encoding with Content-Length drops the length (RFC 9112 §6.3 item 3)',
    headers: ['Content-Length', '6', 'Transfer-Encoding', 'chunked', 'X-A', 'b'],
    expected: { framing: { kind: 'until-end' }, headers: ['Transfer-Encoding', 'chunked', 'X-A', 'b'] },
  },
  {
    name: 'repeated equal lengths become one field',
    headers: ['Content-Length', '6', 'X-A', 'b', 'content-length', '6'],
    expected: { framing: { kind: 'length', bytes: 6 }, headers: ['Content-Length', '6', 'X-A', 'b'] },
  },
  {
    name: 'a list of equal lengths becomes one value',
    headers: ['Content-Length', '6, 6'],
    expected: { framing: { kind: 'length', bytes: 6 }, headers: ['Content-Length', '6'] },
  },
  {
    name: 'leading zeros are normalised',
    headers: ['Content-Length', '006'],
    expected: { framing: { kind: 'length', bytes: 6 }, headers: ['Content-Length', '6'] },
  },
  {
    name: 'conflicting lengths are refused',
    headers: ['Content-Length', '6', 'Content-Length', '7'],
    expected: { problem: 'conflicting Content-Length values 6 and 7' },
  },
  {
    name: 'a list of different lengths is refused',
    headers: ['Content-Length', '6, 60'],
    expected: { problem: 'conflicting Content-Length values 6 and 60' },
  },
  {
    name: 'a length that is not a number is refused',
    headers: ['Content-Length', '6x'],
    expected: { problem: 'invalid Content-Length "6x"' },
  },
  {
    name: 'a negative length is refused',
    headers: ['Content-Length', '-1'],
    expected: { problem: 'invalid Content-Length "-1"' },
  },
  {
    name: 'an empty length is refused',
    headers: ['Content-Length', ''],
    expected: { problem: 'invalid Content-Length ""' },
  },
  {
    name: 'a length beyond 2^53 is refused',
    headers: ['Content-Length', '99999999999999999999'],
    expected: { problem: 'Content-Length 99999999999999999999 is too large' },
  },
  {
    name: 'HEAD has no body whatever its Content-Length',
    method: 'HEAD',
    headers: ['Content-Length', '6'],
    expected: { framing: { kind: 'none' }, headers: ['Content-Length', '6'] },
  },
  {
    name: '204 has no body',
    status: 204,
    headers: [],
    expected: { framing: { kind: 'none' }, headers: [] },
  },
  {
    name: '304 has no body and keeps its Content-Length',
    status: 304,
    headers: ['Content-Length', '1234', 'ETag', '"x"'],
    expected: { framing: { kind: 'none' }, headers: ['Content-Length', '1234', 'ETag', '"x"'] },
  },
  {
    name: '1xx has no body',
    status: 103,
    headers: ['Link', '</a.css>'],
    expected: { framing: { kind: 'none' }, headers: ['Link', '</a.css>'] },
  },
  {
    name: 'an invalid length on HEAD is still refused',
    method: 'HEAD',
    headers: ['Content-Length', 'abc'],
    expected: { problem: 'invalid Content-Length "abc"' },
  },
]

for (const row of decisions) {
  test(`framing: ${row.name}`, () => {
    assert.deepEqual(decideResponseFraming(row.method ?? 'GET', row.status ?? 200, row.headers), row.expected)
  })
}

test('framing: the header list is not copied when nothing changes', () => {
  const headers = ['Content-Length', '6']
  const decision = decideResponseFraming('GET', 200, headers)
  assert.ok('headers' in decision && decision.headers === headers)
})

const NONE: ResponseFraming = { kind: 'none' }
const SIX: ResponseFraming = { kind: 'length', bytes: 6 }
const UNTIL_END: ResponseFraming = { kind: 'until-end' }

const violations: { name: string; framing: ResponseFraming; bytes: number; ended: boolean; expected?: string }[] = [
  { name: 'no body, none received, ended', framing: NONE, bytes: 0, ended: true },
  { name: 'no body, one byte', framing: NONE, bytes: 1, ended: false, expected: 'overrun' },
  { name: 'length, fewer so far', framing: SIX, bytes: 3, ended: false },
  { name: 'length, exact so far', framing: SIX, bytes: 6, ended: false },
  { name: 'length, exact and ended', framing: SIX, bytes: 6, ended: true },
  { name: 'length, one byte over', framing: SIX, bytes: 7, ended: false, expected: 'overrun' },
  { name: 'length, ended short', framing: SIX, bytes: 5, ended: true, expected: 'short' },
  { name: 'length, ended with nothing', framing: SIX, bytes: 0, ended: true, expected: 'short' },
  { name: 'until END_STREAM, any amount', framing: UNTIL_END, bytes: 1e9, ended: false },
  { name: 'until END_STREAM, nothing and ended', framing: UNTIL_END, bytes: 0, ended: true },
]

for (const row of violations) {
  test(`violation: ${row.name} → ${row.expected ?? 'none'}`, () => {
    assert.equal(framingViolation(row.framing, row.bytes, row.ended), row.expected)
  })
}

const satisfied: { name: string; framing: ResponseFraming; bytes: number; expected: boolean }[] = [
  { name: 'no body, nothing yet', framing: { kind: 'none' }, bytes: 0, expected: true },
  { name: 'length 5, 4 bytes', framing: { kind: 'length', bytes: 5 }, bytes: 4, expected: false },
  { name: 'length 5, 5 bytes', framing: { kind: 'length', bytes: 5 }, bytes: 5, expected: true },
  { name: 'length 0, nothing', framing: { kind: 'length', bytes: 0 }, bytes: 0, expected: true },
  { name: 'until the end, 10 bytes', framing: { kind: 'until-end' }, bytes: 10, expected: false },
]

for (const row of satisfied) {
  test(`satisfied: ${row.name} → ${row.expected}`, () => {
    assert.equal(framingSatisfied(row.framing, row.bytes), row.expected)
  })
}

test('breach: words for a broken framing, and none for a kept one', () => {
  assert.equal(framingBreach({ kind: 'length', bytes: 6 }, 7, false), 'overrun of Content-Length 6')
  assert.equal(framingBreach({ kind: 'length', bytes: 6 }, 5, true), 'short of Content-Length 6')
  assert.equal(framingBreach({ kind: 'none' }, 1, false), 'overrun: no body allowed')
  assert.equal(framingBreach({ kind: 'length', bytes: 6 }, 6, true), undefined)
})
