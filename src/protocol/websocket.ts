// WebSocket facts both ends need (issue 18): recognising a handshake, the capability token, the close frame the
// router writes to a client, and where frames end in a byte stream (RFC 6455 §5.2). Pure: no I/O.
import { CAPABILITY_WEBSOCKET } from './constants.js'
import { isHeaderName, type RawHeaders } from './head.js'

/** RFC 6455 §7.4.1: the endpoint is going away (instance leaving, router shutting down, idle timeout). */
export const CLOSE_GOING_AWAY = 1001

/** The hop-by-hop pair a handshake needs on the tunnelled head (the front door strips hop-by-hop names). */
export const WEBSOCKET_UPGRADE_HEADERS: RawHeaders = ['Connection', 'Upgrade', 'Upgrade', 'websocket']

// Whether any header `lowerName` lists `token` (comma-separated, any case). Read for every channel POST and handshake.
function hasToken(headers: RawHeaders, lowerName: string, token: string): boolean {
  for (let index = 0; index + 1 < headers.length; index += 2) {
    if (isHeaderName(headers[index] as string, lowerName) && listsToken(headers[index + 1] as string, token))
      return true
  }
  return false
}

// A value that is the token alone, the usual case (our extension's capability, `Upgrade: websocket`), is not split.
function listsToken(list: string, token: string): boolean {
  if (list === token) return true
  for (const part of list.split(',')) if (part.trim().toLowerCase() === token) return true
  return false
}

/** RFC 6455 §4.1: a GET with `Upgrade: websocket` and `Connection: upgrade` (tokens, any case). */
export function isWebSocketHandshake(method: string, headers: RawHeaders): boolean {
  return method === 'GET' && hasToken(headers, 'upgrade', 'websocket') && hasToken(headers, 'connection', 'upgrade')
}

/** True when a capability header's value (HTTP/2: a string, or a list when repeated) lists the WebSocket token. */
export function listsWebSocket(value: string | readonly string[] | undefined): boolean {
  if (typeof value === 'string') return listsToken(value, CAPABILITY_WEBSOCKET)
  if (value === undefined) return false
  for (const list of value) if (listsToken(list, CAPABILITY_WEBSOCKET)) return true
  return false
}

/** True when a channel POST's headers list the WebSocket capability (HEADER_CAPABILITIES, comma-separated). */
export function advertisesWebSocket(headers: RawHeaders, lowerName: string): boolean {
  return hasToken(headers, lowerName, CAPABILITY_WEBSOCKET)
}

/** An unmasked close frame (server to client, RFC 6455 §5.5.1); the reason is cut to fit the 125-byte payload. */
export function serializeCloseFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 123)
  const frame = Buffer.alloc(4 + text.length)
  frame[0] = 0x88
  frame[1] = 2 + text.length
  frame.writeUInt16BE(code, 2)
  text.copy(frame, 4)
  return frame
}

/**
 * Follows frame boundaries through a byte stream cut at arbitrary points, so a close frame can be slipped in between
 * two frames and never inside one. Control frames may come between the fragments of a message (RFC 6455 §5.4), so
 * every frame end is a boundary.
 */
export class WebSocketFrameCursor {
  // Bytes of the current frame's header seen so far (at most 14), and the payload bytes still to come.
  #header: number[] = []
  #payloadLeft = 0

  /** True between frames: nothing of a frame is pending. */
  get atBoundary(): boolean {
    return this.#header.length === 0 && this.#payloadLeft === 0
  }

  /**
   * Consumes `chunk` and returns the offset just past the first frame end inside it (1…length), or -1 when no frame
   * ends in it.
   */
  push(chunk: Uint8Array): number {
    let first = -1
    let index = 0
    while (index < chunk.length) {
      if (this.#payloadLeft > 0) {
        const take = Math.min(this.#payloadLeft, chunk.length - index)
        this.#payloadLeft -= take
        index += take
        if (this.#payloadLeft === 0 && first === -1) first = index
        continue
      }
      this.#header.push(chunk[index] as number)
      index++
      const payload = this.#payloadLength()
      if (payload === undefined) continue
      this.#header = []
      this.#payloadLeft = payload
      if (payload === 0 && first === -1) first = index
    }
    return first
  }

  // The payload length once the whole header is in, else undefined.
  #payloadLength(): number | undefined {
    const header = this.#header
    if (header.length < 2) return undefined
    const second = header[1] as number
    const masked = (second & 0x80) !== 0
    const short = second & 0x7f
    const extended = short === 126 ? 2 : short === 127 ? 8 : 0
    const total = 2 + extended + (masked ? 4 : 0)
    if (header.length < total) return undefined
    if (extended === 0) return short
    let length = 0
    for (let offset = 2; offset < 2 + extended; offset++) length = length * 256 + (header[offset] as number)
    return length
  }
}
