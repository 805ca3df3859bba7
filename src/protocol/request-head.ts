// Serializes the request head the router writes into a channel, and recognises the goaway pseudo-request. Pure.
import { GOAWAY_PATH, TUNNEL_HEADER_CHANNEL_ID, TUNNEL_HEADER_LAMBDA_ID } from './constants.js'
import { appendHeaderLines, type RawHeaders, type RequestHead } from './head.js'

/**
 * `METHOD target HTTP/1.1\r\n`, one `Name: value\r\n` per header, then `\r\n` (original-protocol.md §4.2).
 * The version is always HTTP/1.1, as the original writes it. Bytes are latin1, so obs-text survives unchanged.
 */
export function serializeRequestHead(head: { method: string; target: string; headers: RawHeaders }): Buffer {
  const text = appendHeaderLines(`${head.method} ${head.target} HTTP/1.1\r\n`, head.headers)
  return Buffer.from(`${text}\r\n`, 'latin1')
}

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
