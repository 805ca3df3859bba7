// Pure. Decides how long a tunnelled response body may be, from the request method, the status and the framing
// fields of the head the extension sent, and judges the body bytes against it. No I/O.
//
// The tunnel carries body bytes only; END_STREAM is its one end-of-body signal and it has no chunk syntax
// (original-protocol.md §4.2, §4.4: the extensions de-chunk the app's body and may still name Transfer-Encoding).
// The router writes the client's framing itself, from these headers: a Content-Length the body does not match
// would put the client connection out of step (a lying peer could append a whole second response), so the body is
// counted against it. Chunked or undeclared bodies are re-framed by the router and cannot overrun.
import { isHeaderName, type RawHeaders } from '../../protocol/index.js'

/** How much body a response may carry. */
export type ResponseFraming =
  /** HEAD, 1xx, 204, 304: the head is the whole response (RFC 9110 §6.4.1). */
  | { readonly kind: 'none' }
  /** A valid Content-Length: exactly this many bytes, then END_STREAM. */
  | { readonly kind: 'length'; readonly bytes: number }
  /** Chunked upstream or no length: the body runs until END_STREAM, and the router frames it for the client. */
  | { readonly kind: 'until-end' }

/** The framing, and the headers to send the client (one Content-Length at most, none when it may not apply). */
export type FramingDecision =
  | { readonly framing: ResponseFraming; readonly headers: RawHeaders }
  | { readonly problem: string }

/** How a body broke its framing: bytes past the end, or END_STREAM before it. */
export type FramingViolation = 'overrun' | 'short'

const NONE: ResponseFraming = Object.freeze({ kind: 'none' })
const UNTIL_END: ResponseFraming = Object.freeze({ kind: 'until-end' })
const DIGITS = /^\d+$/

/**
 * RFC 9112 §6.3 applied to a response the router relays. Content-Length values (repeated fields or a list) must be
 * one non-negative integer, or the head is refused (item 5: a proxy answers 502). With Transfer-Encoding present,
 * Content-Length is dropped and the body runs until END_STREAM (item 3: an intermediary that forwards such a message
 * must first remove Content-Length). The header list is returned unchanged unless a field had to go.
 */
export function decideResponseFraming(method: string, status: number, headers: RawHeaders): FramingDecision {
  let length: string | undefined
  let lengthFields = 0
  // The first Content-Length field as it came: a single field that already reads as the length is sent unchanged.
  let firstLengthField: string | undefined
  let transferEncoding = false
  for (let index = 0; index + 1 < headers.length; index += 2) {
    const name = headers[index] as string
    if (isHeaderName(name, 'transfer-encoding')) transferEncoding = true
    if (!isHeaderName(name, 'content-length')) continue
    lengthFields++
    const field = headers[index + 1] as string
    firstLengthField ??= field
    // One value (the usual field) is read without splitting it into a list.
    for (const token of field.includes(',') ? field.split(',') : [field]) {
      const value = token.trim()
      if (!DIGITS.test(value)) return { problem: `invalid Content-Length "${field}"` }
      if (length !== undefined && Number(length) !== Number(value)) {
        return { problem: `conflicting Content-Length values ${length} and ${value}` }
      }
      length = value
    }
  }
  const bytes = length === undefined ? undefined : Number(length)
  if (bytes !== undefined && !Number.isSafeInteger(bytes)) return { problem: `Content-Length ${length} is too large` }
  if (method === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) {
    // The length describes the representation (RFC 9110 §8.6), not a body; it is kept, normalised, for the client.
    return { framing: NONE, headers: lengthFields > 1 ? withOneLength(headers, bytes) : headers }
  }
  if (transferEncoding) {
    return { framing: UNTIL_END, headers: lengthFields > 0 ? withOneLength(headers, undefined) : headers }
  }
  if (bytes === undefined) return { framing: UNTIL_END, headers }
  return {
    framing: { kind: 'length', bytes },
    headers: lengthFields > 1 || firstLengthField !== String(bytes) ? withOneLength(headers, bytes) : headers,
  }
}

/**
 * Whether `bodyBytes` received so far break `framing`: any byte of a bodiless response or past Content-Length is an
 * overrun; `ended` (END_STREAM) short of Content-Length is a short body.
 */
export function framingViolation(
  framing: ResponseFraming,
  bodyBytes: number,
  ended: boolean,
): FramingViolation | undefined {
  switch (framing.kind) {
    case 'none':
      return bodyBytes > 0 ? 'overrun' : undefined
    case 'length':
      if (bodyBytes > framing.bytes) return 'overrun'
      return ended && bodyBytes < framing.bytes ? 'short' : undefined
    case 'until-end':
      return undefined
    default: {
      const unreachable: never = framing
      throw new Error(`unknown framing ${String(unreachable)}`)
    }
  }
}

/**
 * Whether `bodyBytes` already make the whole response the framing allows: the head alone when it has no body, or
 * every byte of its Content-Length. A body that runs until END_STREAM is never whole before it.
 */
export function framingSatisfied(framing: ResponseFraming, bodyBytes: number): boolean {
  if (framing.kind === 'none') return true
  return framing.kind === 'length' && bodyBytes === framing.bytes
}

// The headers with every Content-Length field removed and, when `bytes` is given, one put back where the first was.
function withOneLength(headers: RawHeaders, bytes: number | undefined): RawHeaders {
  const out: RawHeaders = []
  let placed = false
  for (let index = 0; index + 1 < headers.length; index += 2) {
    const name = headers[index] as string
    if (isHeaderName(name, 'content-length')) {
      if (!placed && bytes !== undefined) out.push(name, String(bytes))
      placed = true
      continue
    }
    out.push(name, headers[index + 1] as string)
  }
  return out
}

/** The violation as a BadUpstreamFramingError names it. */
export function describeFramingViolation(framing: ResponseFraming, violation: FramingViolation): string {
  return framing.kind === 'length' ? `${violation} of Content-Length ${framing.bytes}` : `${violation}: no body allowed`
}

/** How `bodyBytes` (and END_STREAM, when `ended`) break `framing`, in a BadUpstreamFramingError's words; or undefined. */
export function framingBreach(framing: ResponseFraming, bodyBytes: number, ended: boolean): string | undefined {
  const violation = framingViolation(framing, bodyBytes, ended)
  return violation === undefined ? undefined : describeFramingViolation(framing, violation)
}
