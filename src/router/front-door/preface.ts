// Pure. Tells an HTTP/2 prior-knowledge connection from an HTTP/1.1 one by its first bytes, so both share one port.
// No I/O.

/** RFC 9113 §3.4: every h2c prior-knowledge connection starts with these 24 bytes. */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

export type ConnectionKind = 'h2' | 'http1' | 'undecided'

/**
 * 'h2' once all 24 preface bytes are present, 'http1' as soon as one byte differs (no HTTP/1.1 method starts with
 * "PRI *"), 'undecided' while the bytes so far are a prefix of the preface.
 */
export function classifyConnection(firstBytes: Buffer): ConnectionKind {
  const length = Math.min(firstBytes.length, HTTP2_PREFACE.length)
  for (let index = 0; index < length; index++) {
    if (firstBytes[index] !== HTTP2_PREFACE[index]) return 'http1'
  }
  return length === HTTP2_PREFACE.length ? 'h2' : 'undecided'
}
