// A WebSocket client over a bare TCP socket that does only what the test tells it (issue 18): the HTTP/1.1 handshake
// by hand, then raw frames. It answers nothing by itself (no close frame, no pong) and keeps its side open after the
// server's FIN (allowHalfOpen), so a test can play the client that never closes, or one that lies. Also the scripted
// app's side of a handshake: the 101 with the right Sec-WebSocket-Accept.
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { getHeader, type RequestHead } from '../../src/protocol/index.js'
import type { ScriptedChannel } from './scripted-extension.js'

export interface RawFrame {
  readonly fin: boolean
  readonly opcode: number
  readonly payload: Buffer
}

/** How the connection ended, seen from the client. */
export interface RawClose {
  /** True when the server ended its side (FIN) before the connection closed. */
  readonly serverEnded: boolean
  /** The socket error that closed it (ECONNRESET after a reset), if any. */
  readonly errorCode: string | undefined
}

export const OPCODE_TEXT = 0x1
export const OPCODE_CLOSE = 0x8

const RFC6455_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/** An unmasked (server to app's client) text frame of up to 125 bytes. */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8')
  return Buffer.concat([Buffer.from([0x80 | OPCODE_TEXT, payload.length]), payload])
}

/** A scripted app accepting the tunnelled handshake: the 101 head with the Sec-WebSocket-Accept of RFC 6455 §4.2.2. */
export function acceptHandshake(head: RequestHead, channel: ScriptedChannel): void {
  const key = getHeader(head.headers, 'sec-websocket-key') as string
  const accept = createHash('sha1').update(`${key}${RFC6455_GUID}`).digest('base64')
  channel.writeHead(
    101,
    ['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Accept', accept],
    'Switching Protocols',
  )
}

export class RawWebSocket {
  readonly socket: Socket
  /** Resolves when the connection closed (the server's reset, or ours). */
  readonly closed: Promise<RawClose>
  #received = Buffer.alloc(0)
  #serverEnded = false
  #errorCode: string | undefined
  #onChange: (() => void) | undefined

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#received = Buffer.concat([this.#received, chunk])
      this.#onChange?.()
    })
    socket.on('end', () => {
      this.#serverEnded = true
      this.#onChange?.()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#errorCode = error.code
    })
    // Not events.once: it rejects on the 'error' that comes before a reset's 'close'.
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#onChange?.()
        resolve({ serverEnded: this.#serverEnded, errorCode: this.#errorCode })
      })
    })
  }

  /** Connects to the front door, sends the handshake for `path` and resolves once the 101 head arrived. */
  static async open(frontDoorUrl: string, path: string): Promise<RawWebSocket> {
    const { hostname, port } = new URL(frontDoorUrl)
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true })
    const client = new RawWebSocket(socket)
    await once(socket, 'connect')
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
      'latin1',
    )
    const head = await client.#take((bytes) => {
      const end = bytes.indexOf('\r\n\r\n')
      return end === -1 ? undefined : end + 4
    })
    const status = head.toString('latin1').split('\r\n')[0]
    if (status !== 'HTTP/1.1 101 Switching Protocols') throw new Error(`handshake answered ${status}`)
    return client
  }

  /** The next whole frame from the server (server frames are unmasked). Rejects if the connection ends first. */
  async nextFrame(): Promise<RawFrame> {
    const bytes = await this.#take((received) => frameLength(received))
    const short = (bytes[1] as number) & 0x7f
    const offset = short === 126 ? 4 : short === 127 ? 10 : 2
    return {
      fin: ((bytes[0] as number) & 0x80) !== 0,
      opcode: (bytes[0] as number) & 0x0f,
      payload: bytes.subarray(offset),
    }
  }

  /** Sends one masked frame (RFC 6455 §5.3: a client masks every frame); payloads up to 125 bytes. */
  send(opcode: number, payload: Buffer | string): void {
    const data = Buffer.from(payload)
    if (data.length > 125) throw new Error('RawWebSocket.send takes payloads up to 125 bytes')
    const mask = randomBytes(4)
    const masked = Buffer.from(data.map((byte, index) => byte ^ (mask[index % 4] as number)))
    this.socket.write(Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | data.length]), mask, masked]))
  }

  /** A close frame with `code` (and no reason). */
  sendClose(code: number): void {
    const payload = Buffer.alloc(2)
    payload.writeUInt16BE(code)
    this.send(OPCODE_CLOSE, payload)
  }

  // Resolves with the first `length(received)` bytes once they arrived, and drops them.
  async #take(length: (received: Buffer) => number | undefined): Promise<Buffer> {
    for (;;) {
      const size = length(this.#received)
      if (size !== undefined && this.#received.length >= size) {
        const bytes = this.#received.subarray(0, size)
        this.#received = this.#received.subarray(size)
        return bytes
      }
      if (this.#serverEnded || this.socket.destroyed) throw new Error('the connection ended before the bytes came')
      await new Promise<void>((resolve) => {
        this.#onChange = resolve
      })
      this.#onChange = undefined
    }
  }
}

/** The length of the unmasked frame at the start of `bytes`, once its header is in. */
function frameLength(bytes: Buffer): number | undefined {
  if (bytes.length < 2) return undefined
  const short = (bytes[1] as number) & 0x7f
  if (short < 126) return 2 + short
  if (short === 126) return bytes.length < 4 ? undefined : 4 + bytes.readUInt16BE(2)
  return bytes.length < 10 ? undefined : 10 + Number(bytes.readBigUInt64BE(2))
}
