// Pure. Reads a classic pcap byte stream (as `tshark -F pcap -w -` writes it) record by record and reports each TCP
// packet's ports, so the capture can wait, event by event, until a marker packet has come through. Loopback on Linux
// is link type 1 (Ethernet); IPv4 and IPv6 both parse.

export interface PcapPacket {
  readonly sourcePort: number | undefined
  readonly destinationPort: number | undefined
}

const GLOBAL_HEADER_BYTES = 24
const RECORD_HEADER_BYTES = 16
const LINKTYPE_ETHERNET = 1
const ETHERNET_HEADER_BYTES = 14
const TCP = 6

/** Incremental: push() chunks as they arrive; each returns the packets completed by it. */
export class PcapStreamReader {
  #buffer: Buffer = Buffer.alloc(0)
  #littleEndian: boolean | undefined
  #linkType = 0
  #packets = 0

  /** Packets read so far. */
  get packets(): number {
    return this.#packets
  }

  push(chunk: Buffer): PcapPacket[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    const packets: PcapPacket[] = []
    if (this.#littleEndian === undefined) {
      if (this.#buffer.length < GLOBAL_HEADER_BYTES) return packets
      const magic = this.#buffer.readUInt32LE(0)
      // 0xa1b2c3d4 (µs) or 0xa1b23c4d (ns) in the writer's byte order.
      if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) this.#littleEndian = true
      else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) this.#littleEndian = false
      else throw new Error(`not a pcap stream (magic 0x${magic.toString(16)})`)
      this.#linkType = this.#read32(20)
      this.#buffer = this.#buffer.subarray(GLOBAL_HEADER_BYTES)
    }
    let offset = 0
    while (offset + RECORD_HEADER_BYTES <= this.#buffer.length) {
      const capturedBytes = this.#read32(offset + 8)
      const end = offset + RECORD_HEADER_BYTES + capturedBytes
      if (end > this.#buffer.length) break
      packets.push(this.#ports(this.#buffer.subarray(offset + RECORD_HEADER_BYTES, end)))
      this.#packets++
      offset = end
    }
    this.#buffer = this.#buffer.subarray(offset)
    return packets
  }

  #read32(offset: number): number {
    return this.#littleEndian ? this.#buffer.readUInt32LE(offset) : this.#buffer.readUInt32BE(offset)
  }

  #ports(data: Buffer): PcapPacket {
    const none = { sourcePort: undefined, destinationPort: undefined }
    if (this.#linkType !== LINKTYPE_ETHERNET || data.length < ETHERNET_HEADER_BYTES) return none
    const etherType = data.readUInt16BE(12)
    let tcpOffset: number
    if (etherType === 0x0800) {
      const ip = ETHERNET_HEADER_BYTES
      if (data.length < ip + 20 || data[ip + 9] !== TCP) return none
      tcpOffset = ip + ((data[ip] as number) & 0x0f) * 4
    } else if (etherType === 0x86dd) {
      const ip = ETHERNET_HEADER_BYTES
      if (data.length < ip + 40 || data[ip + 6] !== TCP) return none
      tcpOffset = ip + 40
    } else {
      return none
    }
    if (data.length < tcpOffset + 4) return none
    return { sourcePort: data.readUInt16BE(tcpOffset), destinationPort: data.readUInt16BE(tcpOffset + 2) }
  }
}
