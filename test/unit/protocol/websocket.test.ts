// Issue 18: the pure WebSocket pieces both ends share: recognising a handshake and the capability, the close frame,
// and where frames end in a byte stream however it is split.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  advertisesWebSocket,
  CLOSE_GOING_AWAY,
  isWebSocketHandshake,
  listsWebSocket,
  serializeCloseFrame,
  WebSocketFrameCursor,
} from '../../../src/protocol/index.js'

const handshakeCases: ReadonlyArray<{ name: string; method: string; headers: string[]; expected: boolean }> = [
  {
    name: 'a GET with Upgrade: websocket and Connection: Upgrade',
    method: 'GET',
    headers: ['Upgrade', 'websocket', 'Connection', 'Upgrade'],
    expected: true,
  },
  {
    name: 'tokens in any case and in lists',
    method: 'GET',
    headers: ['upgrade', 'WebSocket', 'connection', 'keep-alive, UPGRADE'],
    expected: true,
  },
  { name: 'no Connection: upgrade', method: 'GET', headers: ['Upgrade', 'websocket'], expected: false },
  {
    name: 'another protocol (h2c)',
    method: 'GET',
    headers: ['Upgrade', 'h2c', 'Connection', 'Upgrade, HTTP2-Settings'],
    expected: false,
  },
  {
    name: 'a POST',
    method: 'POST',
    headers: ['Upgrade', 'websocket', 'Connection', 'Upgrade'],
    expected: false,
  },
]

for (const row of handshakeCases) {
  test(`isWebSocketHandshake: ${row.name} → ${row.expected}`, () => {
    assert.equal(isWebSocketHandshake(row.method, row.headers), row.expected)
  })
}

const capabilityCases: ReadonlyArray<{ name: string; headers: string[]; expected: boolean }> = [
  { name: 'the websocket token', headers: ['x-lambda-dispatch-capabilities', 'websocket'], expected: true },
  { name: 'among other tokens', headers: ['X-Lambda-Dispatch-Capabilities', 'gzip, WebSocket'], expected: true },
  { name: 'no header (the original extension)', headers: ['x-lambda-id', 'a'], expected: false },
  { name: 'other tokens only', headers: ['x-lambda-dispatch-capabilities', 'websockets'], expected: false },
  { name: 'padded, in another case', headers: ['x-lambda-dispatch-capabilities', ' WEBSOCKET '], expected: true },
  {
    name: 'in a second header of the same name',
    headers: ['x-lambda-dispatch-capabilities', 'gzip', 'x-lambda-dispatch-capabilities', 'websocket'],
    expected: true,
  },
  { name: 'under another name', headers: ['x-lambda-dispatch-capability', 'websocket'], expected: false },
]

for (const row of capabilityCases) {
  test(`advertisesWebSocket: ${row.name} → ${row.expected}`, () => {
    assert.equal(advertisesWebSocket(row.headers, 'x-lambda-dispatch-capabilities'), row.expected)
  })
}

const listedCases: ReadonlyArray<{ name: string; value: string | string[] | undefined; expected: boolean }> = [
  { name: 'the bare token, as this router sends it', value: 'websocket', expected: true },
  { name: 'the token in any case with spaces around', value: ' WebSocket ', expected: true },
  { name: 'among other tokens', value: 'gzip,websocket', expected: true },
  { name: 'in the second of repeated headers', value: ['gzip', 'x, WEBSOCKET'], expected: true },
  { name: 'no header (the original router)', value: undefined, expected: false },
  { name: 'a longer token only', value: 'websockets', expected: false },
  { name: 'repeated headers without it', value: ['gzip', 'br'], expected: false },
]

for (const row of listedCases) {
  test(`listsWebSocket: ${row.name} → ${row.expected}`, () => {
    assert.equal(listsWebSocket(row.value), row.expected)
  })
}

test('the close frame is an unmasked FIN close with the code and the reason', () => {
  const frame = serializeCloseFrame(CLOSE_GOING_AWAY, 'instance leaving')
  assert.deepEqual([...frame.subarray(0, 4)], [0x88, 2 + 16, 0x03, 0xe9])
  assert.equal(frame.subarray(4).toString('utf8'), 'instance leaving')
  assert.equal(serializeCloseFrame(1001, 'x'.repeat(500)).length, 2 + 125, 'the payload stays within 125 bytes')
})

// A frame header (RFC 6455 §5.2) for a payload of `length` bytes, masked or not, using the shortest length form.
function frame(length: number, masked: boolean): Buffer {
  const lengthBytes =
    length < 126
      ? [length]
      : length < 65536
        ? [126, length >> 8, length & 0xff]
        : [127, 0, 0, 0, 0, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff]
  if (masked) lengthBytes[0] = (lengthBytes[0] as number) | 0x80
  return Buffer.concat([Buffer.from([0x82, ...lengthBytes]), Buffer.alloc(masked ? 4 : 0), Buffer.alloc(length, 7)])
}

test('the frame cursor finds the first frame end in a chunk and says when the stream is between frames', () => {
  const cursor = new WebSocketFrameCursor()
  assert.equal(cursor.atBoundary, true)
  const two = Buffer.concat([frame(3, false), frame(200, true)])
  assert.equal(cursor.push(two.subarray(0, 4)), -1)
  assert.equal(cursor.atBoundary, false)
  assert.equal(cursor.push(two.subarray(4, 10)), 1, 'the first frame ends one byte into the second chunk')
  assert.equal(cursor.atBoundary, false)
  assert.equal(cursor.push(two.subarray(10)), two.length - 10)
  assert.equal(cursor.atBoundary, true)
  assert.equal(cursor.push(frame(0, false)), 2, 'an empty frame ends with its header')
})

test('frame ends are found at the same offsets however the stream is split', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(70_000)), fc.boolean()), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 20 }),
      (frames, cuts) => {
        const bytes = Buffer.concat(frames.map(([length, masked]) => frame(length, masked)))
        const ends: number[] = []
        let offset = 0
        for (const [length, masked] of frames) {
          offset += frame(length, masked).length
          ends.push(offset)
        }
        // Each chunk reports the first frame end inside it, or -1 when none ends there.
        const cursor = new WebSocketFrameCursor()
        let position = 0
        let cutIndex = 0
        while (position < bytes.length) {
          const size = cuts.length === 0 ? bytes.length : (cuts[cutIndex++ % cuts.length] as number)
          const chunk = bytes.subarray(position, position + size)
          const expected = ends.find((end) => end > position && end <= position + chunk.length)
          assert.equal(cursor.push(chunk), expected === undefined ? -1 : expected - position)
          position += chunk.length
          assert.equal(cursor.atBoundary, ends.includes(position))
        }
      },
    ),
  )
})
