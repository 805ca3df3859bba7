// One HTTP/1.1 keep-alive connection over node:net that keeps every byte the server sent and reads responses out of
// them itself (Content-Length, chunked, or bodiless), so a test sees exactly what a client on that connection would
// take as the next response, and whether anything arrived between or after them.
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'

export interface RawHttp1Response {
  readonly status: number
  /** Lower-cased names, in order. */
  readonly headers: readonly (readonly [string, string])[]
  readonly body: Buffer
  /** The response's bytes exactly as they came off the connection. */
  readonly raw: Buffer
}

export class RawHttp1Connection {
  readonly socket: Socket
  /** Resolves when the server closed the connection (or it failed). */
  readonly closed: Promise<void>
  #received = Buffer.alloc(0)
  #parsedUpTo = 0
  #isClosed = false
  #onChange: (() => void) | undefined

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      this.#received = Buffer.concat([this.#received, chunk])
      this.#onChange?.()
    })
    this.closed = once(socket, 'close').then(() => {
      this.#isClosed = true
      this.#onChange?.()
    })
  }

  static async connect(port: number): Promise<RawHttp1Connection> {
    const socket = connect(port, '127.0.0.1')
    const connection = new RawHttp1Connection(socket)
    await once(socket, 'connect')
    return connection
  }

  /** Every byte received so far. */
  get received(): Buffer {
    return this.#received
  }

  send(text: string): void {
    this.socket.write(text, 'latin1')
  }

  /** Resolves once at least `count` bytes have arrived (or the connection closed). */
  async receivedAtLeast(count: number): Promise<void> {
    while (this.#received.length < count && !this.#isClosed) await this.#changed()
  }

  /**
   * The next whole response after the previous one. `bodiless` for answers to HEAD (a 1xx, 204 or 304 is bodiless
   * anyway). Rejects when the connection closes before a whole response arrived.
   */
  async nextResponse(options: { bodiless?: boolean } = {}): Promise<RawHttp1Response> {
    for (;;) {
      const response = this.#parse(options.bodiless ?? false)
      if (response !== undefined) {
        this.#parsedUpTo += response.raw.length
        return response
      }
      if (this.#isClosed) {
        const rest = this.#received.subarray(this.#parsedUpTo).toString('latin1')
        throw new Error(`connection closed before a whole response; it sent ${JSON.stringify(rest)}`)
      }
      await this.#changed()
    }
  }

  destroy(): void {
    this.socket.destroy()
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => {
      this.#onChange = () => {
        this.#onChange = undefined
        resolve()
      }
    })
  }

  #parse(bodiless: boolean): RawHttp1Response | undefined {
    const bytes = this.#received.subarray(this.#parsedUpTo)
    const headEnd = bytes.indexOf('\r\n\r\n')
    if (headEnd === -1) return undefined
    const [statusLine = '', ...lines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n')
    const status = Number(statusLine.split(' ')[1])
    const headers = lines.map((line) => {
      const colon = line.indexOf(':')
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const
    })
    const header = (name: string): string | undefined => headers.find(([key]) => key === name)?.[1]
    let offset = headEnd + 4
    let body: Buffer = Buffer.alloc(0)
    if (bodiless || status < 200 || status === 204 || status === 304) {
      // no body
    } else if (header('transfer-encoding') !== undefined) {
      const chunked = parseChunkedBody(bytes, offset)
      if (chunked === undefined) return undefined
      body = chunked.body
      offset = chunked.end
    } else {
      const length = Number(header('content-length') ?? Number.NaN)
      if (Number.isNaN(length)) {
        // Delimited by the connection's close.
        if (!this.#isClosed) return undefined
        body = bytes.subarray(offset)
        offset = bytes.length
      } else {
        if (bytes.length < offset + length) return undefined
        body = bytes.subarray(offset, offset + length)
        offset += length
      }
    }
    return { status, headers, body, raw: bytes.subarray(0, offset) }
  }
}

/**
 * A chunked body (RFC 9112 §7.1, no trailers) starting at `offset` in `bytes`: the body and the offset just past it,
 * or undefined while it is incomplete.
 */
export function parseChunkedBody(bytes: Buffer, offset: number): { body: Buffer; end: number } | undefined {
  const chunks: Buffer[] = []
  let at = offset
  for (;;) {
    const sizeEnd = bytes.indexOf('\r\n', at)
    if (sizeEnd === -1) return undefined
    const size = Number.parseInt(bytes.subarray(at, sizeEnd).toString('latin1'), 16)
    if (bytes.length < sizeEnd + 2 + size + 2) return undefined
    chunks.push(bytes.subarray(sizeEnd + 2, sizeEnd + 2 + size))
    at = sizeEnd + 2 + size + 2
    if (size === 0) return { body: Buffer.concat(chunks), end: at }
  }
}
