// Reading tshark's pcap stream record by record, at any chunk boundary (tools/verify-frames/pcap-stream.ts): the
// capture's end marker is found by its TCP port.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { PcapStreamReader } from '../../../tools/verify-frames/pcap-stream.js'

function globalHeader(littleEndian: boolean): Buffer {
  const header = Buffer.alloc(24)
  const write = (value: number, offset: number) =>
    littleEndian ? header.writeUInt32LE(value, offset) : header.writeUInt32BE(value, offset)
  write(0xa1b2c3d4, 0)
  write(65535, 16)
  write(1, 20)
  return header
}

/** One Ethernet + IPv4 + TCP packet from `sourcePort` to `destinationPort`, as a pcap record. */
function tcpRecord(littleEndian: boolean, sourcePort: number, destinationPort: number): Buffer {
  const packet = Buffer.alloc(14 + 20 + 20)
  packet.writeUInt16BE(0x0800, 12)
  packet[14] = 0x45
  packet[14 + 9] = 6
  packet.writeUInt16BE(sourcePort, 34)
  packet.writeUInt16BE(destinationPort, 36)
  const header = Buffer.alloc(16)
  const write = (value: number, offset: number) =>
    littleEndian ? header.writeUInt32LE(value, offset) : header.writeUInt32BE(value, offset)
  write(packet.length, 8)
  write(packet.length, 12)
  return Buffer.concat([header, packet])
}

for (const littleEndian of [true, false]) {
  test(`${littleEndian ? 'little' : 'big'}-endian pcap records give their TCP ports however the stream is cut`, () => {
    const stream = Buffer.concat([
      globalHeader(littleEndian),
      tcpRecord(littleEndian, 53334, 45999),
      tcpRecord(littleEndian, 45999, 53334),
      tcpRecord(littleEndian, 40000, 45999),
    ])
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 6 }), (cuts) => {
        const reader = new PcapStreamReader()
        const packets = []
        let offset = 0
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          packets.push(...reader.push(stream.subarray(offset, cut)))
          offset = cut
        }
        packets.push(...reader.push(stream.subarray(offset)))
        assert.deepEqual(packets, [
          { sourcePort: 53334, destinationPort: 45999 },
          { sourcePort: 45999, destinationPort: 53334 },
          { sourcePort: 40000, destinationPort: 45999 },
        ])
        assert.equal(reader.packets, 3)
      }),
      { numRuns: 50 },
    )
  })
}

test('a stream that is not pcap is refused', () => {
  assert.throws(() => new PcapStreamReader().push(Buffer.alloc(24, 0x0a)), /not a pcap stream/)
})
