// The frame-order checker over decoded frames (tools/verify-frames/check-frames.ts), fed synthetic captures: clean
// exchanges pass; DATA before HEADERS in either direction, PROTOCOL_ERROR resets and GOAWAYs, and captures that
// start mid-connection are each caught and located.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  checkFrames,
  type DecodedFrame,
  PROTOCOL_ERROR,
  FRAME_TYPES as T,
  type ViolationKind,
  violationTotal,
} from '../../../tools/verify-frames/check-frames.js'

let packet = 0
/** A frame on connection `c`, sent by the router (`r`) or the extension (`e`). */
function f(c: number, by: 'r' | 'e', streamId: number, type: number, flags = 0, errorCode?: number): DecodedFrame {
  packet++
  return {
    packet,
    connection: c,
    fromRouter: by === 'r',
    streamId,
    type,
    flags,
    ...(errorCode === undefined ? {} : { errorCode }),
  }
}

/** Connection setup: SETTINGS both ways and their ACKs. */
function open(c: number): DecodedFrame[] {
  return [f(c, 'e', 0, T.SETTINGS), f(c, 'r', 0, T.SETTINGS), f(c, 'e', 0, T.SETTINGS, 1), f(c, 'r', 0, T.SETTINGS, 1)]
}

/** One channel exchange the right way round: POST HEADERS, 200 HEADERS, request DATA, response DATA, ends. */
function exchange(c: number, id: number): DecodedFrame[] {
  return [
    f(c, 'e', id, T.HEADERS, 0x4),
    f(c, 'r', id, T.HEADERS, 0x4),
    f(c, 'r', id, T.DATA),
    f(c, 'r', id, T.DATA, 0x1),
    f(c, 'e', id, T.DATA),
    f(c, 'e', id, T.DATA, 0x1),
  ]
}

const cases: {
  name: string
  frames: DecodedFrame[]
  violations: Partial<Record<ViolationKind, number>>
  first?: { kind: ViolationKind; streamId: number; sender: 'router' | 'extension' }
}[] = [
  {
    name: 'two connections of clean exchanges, with a CANCEL reset and a graceful GOAWAY, pass',
    frames: [
      ...open(0),
      ...exchange(0, 1),
      ...exchange(0, 3),
      ...open(1),
      ...exchange(1, 1),
      f(1, 'r', 3, T.RST_STREAM, 0, 8),
      f(1, 'r', 0, T.GOAWAY, 0, 0),
    ],
    violations: {},
  },
  {
    name: 'router DATA before its response HEADERS (the original race) is caught',
    frames: [...open(0), f(0, 'e', 1, T.HEADERS, 0x4), f(0, 'r', 1, T.DATA), f(0, 'r', 1, T.HEADERS, 0x4)],
    violations: { 'data-before-headers': 1 },
    first: { kind: 'data-before-headers', streamId: 1, sender: 'router' },
  },
  {
    name: "the extension's HEADERS do not license the router's DATA: directions are separate",
    frames: [...open(0), f(0, 'e', 5, T.HEADERS), f(0, 'e', 5, T.DATA), f(0, 'r', 5, T.DATA)],
    violations: { 'data-before-headers': 1 },
    first: { kind: 'data-before-headers', streamId: 5, sender: 'router' },
  },
  {
    name: 'extension DATA on a stream it never opened is caught',
    frames: [...open(0), f(0, 'e', 7, T.DATA)],
    violations: { 'data-before-headers': 1 },
    first: { kind: 'data-before-headers', streamId: 7, sender: 'extension' },
  },
  {
    name: 'HEADERS on the same stream id of another connection do not count',
    frames: [...open(0), ...open(1), f(0, 'e', 1, T.HEADERS), f(0, 'r', 1, T.HEADERS), f(1, 'r', 1, T.DATA)],
    violations: { 'data-before-headers': 1 },
  },
  {
    name: 'a RST_STREAM with PROTOCOL_ERROR is caught',
    frames: [...open(0), ...exchange(0, 1), f(0, 'e', 3, T.HEADERS), f(0, 'e', 3, T.RST_STREAM, 0, PROTOCOL_ERROR)],
    violations: { 'rst-protocol-error': 1 },
    first: { kind: 'rst-protocol-error', streamId: 3, sender: 'extension' },
  },
  {
    name: 'a GOAWAY with PROTOCOL_ERROR is caught',
    frames: [...open(0), f(0, 'e', 0, T.GOAWAY, 0, PROTOCOL_ERROR)],
    violations: { 'goaway-protocol-error': 1 },
  },
  {
    name: 'a connection whose capture starts mid-stream (no SETTINGS first) is caught, with its DATA',
    frames: [f(4, 'r', 9, T.DATA), f(4, 'e', 9, T.DATA)],
    violations: { 'connection-without-settings': 2, 'data-before-headers': 2 },
  },
]

for (const row of cases) {
  test(`checkFrames: ${row.name}`, () => {
    const result = checkFrames(row.frames)
    const expected = {
      'data-before-headers': 0,
      'rst-protocol-error': 0,
      'goaway-protocol-error': 0,
      'connection-without-settings': 0,
      ...row.violations,
    }
    assert.deepEqual(result.violationCounts, expected)
    assert.equal(result.frames, row.frames.length)
    if (row.first !== undefined) {
      const first = result.violations[0]
      assert.equal(first?.kind, row.first.kind)
      assert.equal(first?.streamId, row.first.streamId)
      assert.equal(first?.sender, row.first.sender)
    }
  })
}

test('streams are counted once per connection, stream id and direction; frames by type and codes are tallied', () => {
  const result = checkFrames([...open(0), ...exchange(0, 1), ...exchange(0, 3), f(0, 'r', 5, T.RST_STREAM, 0, 8)])
  assert.equal(result.connections, 1)
  assert.equal(result.streams, 5)
  assert.deepEqual(result.framesByType, { SETTINGS: 4, HEADERS: 4, DATA: 8, RST_STREAM: 1 })
  assert.deepEqual(result.resetsByCode, { 8: 1 })
  assert.equal(violationTotal(result), 0)
})

test('only the first violations are kept, every one is counted', () => {
  const frames = [...open(0)]
  for (let id = 1; id < 100; id += 2) frames.push(f(0, 'r', id, T.DATA))
  const result = checkFrames(frames, 5)
  assert.equal(result.violationCounts['data-before-headers'], 50)
  assert.equal(result.violations.length, 5)
})
