// Serializes the request head the router writes into a channel, and recognises the goaway pseudo-request. Pure.
import { GOAWAY_PATH, TUNNEL_HEADER_CHANNEL_ID, TUNNEL_HEADER_LAMBDA_ID } from './constants.js'
import type { RawHeaders, RequestHead } from './head.js'

/**
 * `METHOD target HTTP/1.1\r\n`, one `Name: value\r\n` per header, then `\r\n` (original-protocol.md §4.2).
 * The version is always HTTP/1.1, as the original writes it. Bytes are latin1, so obs-text survives unchanged.
 */
export function serializeRequestHead(head: { method: string; target: string; headers: RawHeaders }): Buffer {
  // Written piece by piece into a buffer of the exact size (a latin1 character is one byte): one head per proxied
  // request, and building it as one string first made a string per header line, then a copy of the whole.
  const headers = head.headers
  let length = head.method.length + head.target.length + REQUEST_LINE_END.length + 3
  for (let index = 0; index + 1 < headers.length; index += 2) {
    length += (headers[index] as string).length + (headers[index + 1] as string).length + 4
  }
  const out = Buffer.allocUnsafe(length)
  let at = out.write(head.method, 0, 'latin1')
  out[at++] = SPACE
  at += out.write(head.target, at, 'latin1')
  at += out.write(REQUEST_LINE_END, at, 'latin1')
  for (let index = 0; index + 1 < headers.length; index += 2) {
    at += out.write(headers[index] as string, at, 'latin1')
    out[at++] = COLON
    out[at++] = SPACE
    at += out.write(headers[index + 1] as string, at, 'latin1')
    out[at++] = CR
    out[at++] = LF
  }
  out[at++] = CR
  out[at] = LF
  return out
}

const REQUEST_LINE_END = ' HTTP/1.1\r\n'
const SPACE = 0x20
const COLON = 0x3a
const CR = 0x0d
const LF = 0x0a

/** The exact goaway pseudo-request (original-protocol.md §4.1); the router ends the stream right after it. */
export function serializeGoaway(lambdaId: string, channelId: string): Buffer {
  return serializeRequestHead({
    method: 'GET',
    target: GOAWAY_PATH,
    headers: [TUNNEL_HEADER_LAMBDA_ID, lambdaId, TUNNEL_HEADER_CHANNEL_ID, channelId],
  })
}

/** True for the goaway pseudo-request. As in the original, the method is ignored and the target must match exactly. */
export function isGoaway(head: Pick<RequestHead, 'target'>): boolean {
  return head.target === GOAWAY_PATH
}
