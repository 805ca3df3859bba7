// Reading tshark's `-T fields` lines into frames (tools/verify-frames/decode.ts): several frames per packet, error
// codes matched to their own RST_STREAM or GOAWAY, lost segments, malformed packets and inconsistent columns.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FRAME_TYPES as T } from '../../../tools/verify-frames/check-frames.js'
import { parseFieldLine, SegmentGaps, TSHARK_FIELDS } from '../../../tools/verify-frames/decode.js'

const PORT = 45999
/** A line in TSHARK_FIELDS order. */
function line(values: Partial<Record<(typeof TSHARK_FIELDS)[number], string>>): string {
  return TSHARK_FIELDS.map((field) => values[field] ?? '').join('\t')
}

test('a packet with several frames keeps their order, and each RST_STREAM gets its own code', () => {
  const parsed = parseFieldLine(
    line({
      'frame.number': '42',
      'tcp.stream': '3',
      'tcp.srcport': String(PORT),
      'http2.streamid': '1,3,5,0',
      'http2.type': '0,3,3,7',
      'http2.flags': '0x01,0x00,0x00,0x00',
      'http2.rst_stream.error': '8,1',
      'http2.goaway.error': '0',
      'frame.protocols': 'eth:ethertype:ip:tcp:http2',
    }),
    PORT,
  )
  assert.equal(parsed.problem, undefined)
  assert.deepEqual(parsed.frames, [
    { packet: 42, connection: 3, fromRouter: true, streamId: 1, type: T.DATA, flags: 1 },
    { packet: 42, connection: 3, fromRouter: true, streamId: 3, type: T.RST_STREAM, flags: 0, errorCode: 8 },
    { packet: 42, connection: 3, fromRouter: true, streamId: 5, type: T.RST_STREAM, flags: 0, errorCode: 1 },
    { packet: 42, connection: 3, fromRouter: true, streamId: 0, type: T.GOAWAY, flags: 0, errorCode: 0 },
  ])
})

test('a packet from an extension port is sent by the extension', () => {
  const parsed = parseFieldLine(
    line({
      'frame.number': '7',
      'tcp.stream': '0',
      'tcp.srcport': '53334',
      'http2.streamid': '1',
      'http2.type': '1',
      'http2.flags': '0x04',
    }),
    PORT,
  )
  assert.equal(parsed.frames[0]?.fromRouter, false)
  assert.equal(parsed.frames[0]?.type, T.HEADERS)
})

test('a bare ACK carries no frame', () => {
  const parsed = parseFieldLine(
    line({ 'frame.number': '8', 'tcp.stream': '0', 'tcp.srcport': '53334', 'tcp.seq': '120' }),
    PORT,
  )
  assert.deepEqual(parsed, {
    frames: [],
    lostSegment: false,
    malformed: false,
    segment: { connection: 0, fromRouter: false, seq: 120, nextSeq: 120 },
    problem: undefined,
  })
})

test('a gap in the TCP sequence and a malformed packet are reported', () => {
  const lost = parseFieldLine(line({ 'frame.number': '9', 'tcp.analysis.lost_segment': '1' }), PORT)
  assert.equal(lost.lostSegment, true)
  const ackLost = parseFieldLine(line({ 'frame.number': '9', 'tcp.analysis.ack_lost_segment': '1' }), PORT)
  assert.equal(ackLost.lostSegment, true)
  const malformed = parseFieldLine(
    line({ 'frame.number': '10', 'frame.protocols': 'eth:ip:tcp:http2:_ws.malformed' }),
    PORT,
  )
  assert.equal(malformed.malformed, true)
})

test('columns that do not line up are a decode problem, not frames', () => {
  const uneven = parseFieldLine(
    line({ 'frame.number': '11', 'http2.streamid': '1,3', 'http2.type': '0', 'http2.flags': '0x00' }),
    PORT,
  )
  assert.deepEqual(uneven.frames, [])
  assert.match(uneven.problem ?? '', /packet 11: 2 stream ids, 1 types, 1 flags/)
  const codes = parseFieldLine(
    line({ 'frame.number': '12', 'http2.streamid': '1', 'http2.type': '3', 'http2.flags': '0x00' }),
    PORT,
  )
  assert.match(codes.problem ?? '', /1 RST_STREAM frames with 0 codes/)
})

const r = (seq: number, nextSeq: number) => ({ connection: 1, fromRouter: true, seq, nextSeq })

test('a gap tshark flags that the next captured segment fills is a reordering, not a loss', () => {
  const gaps = new SegmentGaps()
  gaps.observe(r(1, 1001), false)
  gaps.observe(r(2001, 3001), true)
  gaps.observe(r(1001, 2001), false)
  gaps.observe(r(3001, 4001), false)
  assert.equal(gaps.unfilled, 0)
})

test('a gap no later segment fills is a loss, counted once per gap and per direction', () => {
  const gaps = new SegmentGaps()
  gaps.observe(r(1, 1001), false)
  gaps.observe(r(2001, 3001), true)
  gaps.observe(r(1001, 1501), false)
  assert.equal(gaps.unfilled, 1, 'half of the gap is still missing')
  gaps.observe({ connection: 1, fromRouter: false, seq: 1, nextSeq: 1 }, false)
  gaps.observe({ connection: 1, fromRouter: false, seq: 500, nextSeq: 600 }, true)
  assert.equal(gaps.unfilled, 2)
})
