// Pure. Builds the header list tunnelled to the app from a client's: hygiene (hop-by-hop, internal and router-control
// names removed, HTTP/2 pseudo-headers dropped, Host synthesized from :authority), X-Forwarded-For/Proto/Host and
// the request id. No I/O.
import { filterClientRequestHeaders, type RawHeaders } from '../../protocol/index.js'

/** What the front door knows about the connection a request came in on. */
export interface ForwardingFacts {
  /** The peer address of the client connection; undefined when the socket is already gone. */
  readonly clientAddress: string | undefined
  readonly proto: 'http' | 'https'
  /**
   * A load balancer in front sets the forwarding headers: keep X-Forwarded-Proto/Host and Forwarded, and append the
   * peer to X-Forwarded-For. False (nothing trusted in front): the client's X-Forwarded-For, X-Forwarded-Proto/Host
   * and Forwarded are dropped and replaced by what this router saw, so an app that reads the leftmost address cannot
   * be fooled.
   */
  readonly trustForwardedHeaders: boolean
}

/** The tunnelled header list and the request id it carries. */
export interface UpstreamHeaders {
  readonly headers: RawHeaders
  readonly requestId: string
}

const MAX_REQUEST_ID_LENGTH = 200
const REQUEST_ID = /^[A-Za-z0-9._~:@/+=-]+$/
const COLON = 0x3a
const LOWER_H = 0x68
const LOWER_X = 0x78
const LOWER_F = 0x66
const FORWARDED = 'forwarded'
const IPV4_MAPPED_PREFIX = '::ffff:'

/**
 * Whether a client-sent X-Request-Id is kept: 1–200 characters of letters, digits and `._~:@/+=-` (UUIDs, ULIDs,
 * trace ids). Anything else is replaced so logs and the app never see attacker-shaped text.
 */
export function isValidRequestId(value: string): boolean {
  return value.length > 0 && value.length <= MAX_REQUEST_ID_LENGTH && REQUEST_ID.test(value)
}

/**
 * The client's headers as the app should see them. `rawHeaders` is Node's flat list (HTTP/2 lists include
 * pseudo-headers); `newRequestId` is called only when the client sent no valid X-Request-Id.
 */
export function buildUpstreamHeaders(
  rawHeaders: RawHeaders,
  facts: ForwardingFacts,
  newRequestId: () => string,
): UpstreamHeaders {
  // A fresh array we own, compacted in place below: no second copy on the per-request path.
  const headers = filterClientRequestHeaders(rawHeaders)
  let write = 0
  let forwardedFor: string | undefined
  let host: string | undefined
  let authority: string | undefined
  let requestId: string | undefined
  let keptProto = false
  let keptHost = false
  for (let read = 0; read + 1 < headers.length; read += 2) {
    const name = headers[read] as string
    const value = headers[read + 1] as string
    const first = name.charCodeAt(0)
    if (first === COLON) {
      if (name === ':authority') authority = value
      continue
    }
    const folded = first | 0x20
    // RFC 7239 Forwarded says the same as X-Forwarded-*; from an untrusted client it is dropped, not rewritten.
    if (
      folded === LOWER_F &&
      !facts.trustForwardedHeaders &&
      name.length === FORWARDED.length &&
      name.toLowerCase() === FORWARDED
    ) {
      continue
    }
    if (folded === LOWER_X || folded === LOWER_H) {
      switch (name.toLowerCase()) {
        case 'host':
          host ??= value
          break
        case 'x-forwarded-for':
          if (facts.trustForwardedHeaders)
            forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`
          continue
        case 'x-forwarded-proto':
          if (!facts.trustForwardedHeaders) continue
          keptProto = true
          break
        case 'x-forwarded-host':
          if (!facts.trustForwardedHeaders) continue
          keptHost = true
          break
        case 'x-request-id':
          if (requestId === undefined && isValidRequestId(value)) requestId = value
          continue
      }
    }
    headers[write++] = name
    headers[write++] = value
  }
  headers.length = write
  // RFC 9113 §8.3.1: an HTTP/2 request carries :authority instead of Host; the tunnelled HTTP/1.1 head needs Host.
  if (host === undefined && authority !== undefined) {
    host = authority
    headers.push('Host', authority)
  }
  const client = clientAddressText(facts.clientAddress)
  headers.push('X-Forwarded-For', forwardedFor === undefined ? client : `${forwardedFor}, ${client}`)
  if (!keptProto) headers.push('X-Forwarded-Proto', facts.proto)
  if (!keptHost && host !== undefined) headers.push('X-Forwarded-Host', host)
  requestId ??= newRequestId()
  headers.push('X-Request-Id', requestId)
  return { headers, requestId }
}

// Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; apps expect the dotted form. RFC 7239 §6.3 "unknown"
// stands in when the socket is already gone.
function clientAddressText(address: string | undefined): string {
  if (address === undefined) return 'unknown'
  return address.startsWith(IPV4_MAPPED_PREFIX) && address.includes('.')
    ? address.slice(IPV4_MAPPED_PREFIX.length)
    : address
}
