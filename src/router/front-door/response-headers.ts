// Pure. Makes a response header list safe to send on an HTTP/2 stream: connection-specific fields are illegal there
// (RFC 9113 §8.2.2) and Node throws on them, and on a second value for a single-value field. No I/O.
import type { RawHeaders } from '../../protocol/index.js'

// RFC 9113 §8.2.2, plus Proxy-Connection, which Node also refuses.
const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
])

// Node's http2 refuses a repeated value for these (lib/internal/http2/util.js kSingleValueHeaders); the first wins,
// as an HTTP/1.1 recipient of a duplicate would most likely read it.
const SINGLE_VALUE: ReadonlySet<string> = new Set([
  'access-control-allow-credentials',
  'access-control-max-age',
  'access-control-request-method',
  'age',
  'authorization',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-md5',
  'content-range',
  'content-type',
  'date',
  'dnt',
  'etag',
  'expires',
  'from',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'range',
  'referer',
  'retry-after',
  'tk',
  'upgrade-insecure-requests',
  'user-agent',
  'x-content-type-options',
])

/** A copy of `headers` fit for an HTTP/2 response: lower-case names, no connection-specific or pseudo fields. */
export function toHttp2ResponseHeaders(headers: RawHeaders): RawHeaders {
  const out: RawHeaders = []
  let seen: Set<string> | undefined
  for (let index = 0; index + 1 < headers.length; index += 2) {
    const name = (headers[index] as string).toLowerCase()
    if (name.charCodeAt(0) === 0x3a || CONNECTION_SPECIFIC.has(name)) continue
    if (SINGLE_VALUE.has(name)) {
      seen ??= new Set()
      if (seen.has(name)) continue
      seen.add(name)
    }
    out.push(name, headers[index + 1] as string)
  }
  return out
}
