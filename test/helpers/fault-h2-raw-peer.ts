// A raw HTTP/2 client over node:net that writes frames byte by byte (RFC 9113 §4.1), so it can break the protocol
// in ways node:http2 never would: DATA before HEADERS, frames on stream 0 that belong to streams, oversize frames,
// junk after the preface. It parses what the server sends back into frames, as events. HPACK is the minimal subset:
// literal header fields without indexing and without Huffman coding (RFC 7541 §6.2.2), which every decoder accepts.
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { EventLog } from './fault-stack.js'

export const CONNECTION_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

export const FRAME_TYPE = {
  DATA: 0x0,
  HEADERS: 0x1,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
} as const

export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const

/** RFC 9113 §7 error codes the tests expect. */
export const H2_ERROR = { NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, FRAME_SIZE_ERROR: 0x6 } as const

export interface Frame {
  readonly type: number
  readonly flags: number
  readonly streamId: number
  readonly payload: Buffer
}

/** One frame's bytes: 24-bit length, type, flags, 31-bit stream id, payload. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9)
  header.writeUIntBE(payload.length, 0, 3)
  header.writeUInt8(type, 3)
  header.writeUInt8(flags, 4)
  header.writeUInt32BE(streamId & 0x7fffffff, 5)
  return Buffer.concat([header, payload])
}

/** SETTINGS with the given (identifier, value) pairs (RFC 9113 §6.5.1). */
export function settingsFrame(settings: ReadonlyArray<readonly [number, number]> = []): Buffer {
  const payload = Buffer.alloc(settings.length * 6)
  settings.forEach(([id, value], index) => {
    payload.writeUInt16BE(id, index * 6)
    payload.writeUInt32BE(value, index * 6 + 2)
  })
  return frame(FRAME_TYPE.SETTINGS, 0, 0, payload)
}

function hpackLength(length: number): Buffer {
  // 7-bit prefix integer with H=0 (RFC 7541 §5.1); header names and values here stay far below 127 + 2^14.
  if (length < 127) return Buffer.from([length])
  const rest = length - 127
  if (rest >= 128 * 128) throw new Error('header field too long for this encoder')
  return rest < 128 ? Buffer.from([127, rest]) : Buffer.from([127, (rest % 128) | 0x80, Math.floor(rest / 128)])
}

/** A HEADERS frame carrying `fields` as literal fields without indexing (0x00 prefix, new name). */
export function headersFrame(
  streamId: number,
  fields: ReadonlyArray<readonly [string, string]>,
  endStream = false,
): Buffer {
  const block = Buffer.concat(
    fields.flatMap(([name, value]) => [
      Buffer.from([0x00]),
      hpackLength(name.length),
      Buffer.from(name, 'latin1'),
      hpackLength(value.length),
      Buffer.from(value, 'latin1'),
    ]),
  )
  return frame(FRAME_TYPE.HEADERS, FLAG.END_HEADERS | (endStream ? FLAG.END_STREAM : 0), streamId, block)
}

/** A channel POST (original-protocol.md §3.5) for `lambdaId`, as HEADERS without END_STREAM on `streamId`. */
export function channelPostFrame(streamId: number, lambdaId: string, channelId: string, authority: string): Buffer {
  return headersFrame(streamId, [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':authority', authority],
    [':path', `/api/chunked/request/${lambdaId}/${channelId}`],
    ['x-pool-id', 'default'],
    ['x-lambda-id', lambdaId],
    ['x-channel-id', channelId],
  ])
}

export function dataFrame(streamId: number, payload: Buffer | string, endStream = false): Buffer {
  return frame(FRAME_TYPE.DATA, endStream ? FLAG.END_STREAM : 0, streamId, Buffer.from(payload))
}

/** The GOAWAY frame's last stream id and error code. */
export function goawayOf(received: Frame): { lastStreamId: number; errorCode: number } {
  return { lastStreamId: received.payload.readUInt32BE(0) & 0x7fffffff, errorCode: received.payload.readUInt32BE(4) }
}

/** A connection to an HTTP/2 server that sends exactly the bytes it is given. */
export class RawH2Peer {
  readonly socket: Socket
  /** Frames the server sent, parsed, in order. */
  readonly frames = new EventLog<Frame>()
  /** Resolves when the server closed the connection (or it failed). */
  readonly closed: Promise<void>
  #pending = Buffer.alloc(0)
  #answersControlFrames = false

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    this.closed = once(socket, 'close').then(() => undefined)
  }

  static async connect(port: number): Promise<RawH2Peer> {
    const socket = connect(port, '127.0.0.1')
    const peer = new RawH2Peer(socket)
    await once(socket, 'connect')
    return peer
  }

  /** The preface and an empty SETTINGS frame: the start of every well-behaved connection. */
  start(): void {
    this.send(CONNECTION_PREFACE, settingsFrame())
  }

  send(...chunks: Buffer[]): void {
    this.socket.write(Buffer.concat(chunks))
  }

  /** The next frame of `type` (on `streamId`, when given) the server sends. */
  nextFrame(type: number, streamId?: number): Promise<Frame> {
    return this.frames.next(
      (received) => received.type === type && (streamId === undefined || received.streamId === streamId),
    )
  }

  /**
   * From now on acknowledges the server's SETTINGS and answers its PINGs (RFC 9113 §6.5.3, §6.7), as a live peer
   * must, so a session that lives longer than the server's keep-alive interval is not taken for dead.
   */
  answerControlFrames(): void {
    this.#answersControlFrames = true
    for (const received of this.frames.records) this.#answer(received)
  }

  /** Every DATA payload on `streamId` once the server ended the stream (END_STREAM on DATA or HEADERS). */
  async streamBytes(streamId: number): Promise<Buffer> {
    await this.frames.next(
      (received) =>
        received.streamId === streamId &&
        (received.type === FRAME_TYPE.DATA || received.type === FRAME_TYPE.HEADERS) &&
        (received.flags & FLAG.END_STREAM) !== 0,
    )
    const data = this.frames.records.filter(
      (received) => received.streamId === streamId && received.type === FRAME_TYPE.DATA,
    )
    return Buffer.concat(data.map((received) => received.payload))
  }

  destroy(): void {
    this.socket.destroy()
  }

  #answer(received: Frame): void {
    if (!this.#answersControlFrames || received.streamId !== 0 || (received.flags & FLAG.ACK) !== 0) return
    if (received.type === FRAME_TYPE.SETTINGS) this.send(frame(FRAME_TYPE.SETTINGS, FLAG.ACK, 0))
    else if (received.type === FRAME_TYPE.PING) this.send(frame(FRAME_TYPE.PING, FLAG.ACK, 0, received.payload))
  }

  #onData(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk])
    while (this.#pending.length >= 9) {
      const length = this.#pending.readUIntBE(0, 3)
      if (this.#pending.length < 9 + length) return
      const received: Frame = {
        type: this.#pending.readUInt8(3),
        flags: this.#pending.readUInt8(4),
        streamId: this.#pending.readUInt32BE(5) & 0x7fffffff,
        payload: this.#pending.subarray(9, 9 + length),
      }
      this.frames.push(received)
      this.#answer(received)
      this.#pending = this.#pending.subarray(9 + length)
    }
  }
}
