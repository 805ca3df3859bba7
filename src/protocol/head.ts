// Types of the tunnelled HTTP/1.1 heads, and the line syntax both directions share (RFC 9112 §3–§5). Pure.
import { type HeadKind, MalformedHeadError, TooManyHeadersError } from './errors.js'

/**
 * Header fields as a flat list, `[name0, value0, name1, value1, …]`, in arrival order with the name's case as
 * received. Repeated names keep every value (Set-Cookie). Node's `writeHead` and undici accept this shape directly.
 */
export type RawHeaders = string[]

/** A tunnelled request head: `METHOD target HTTP/1.1`, then header lines (original-protocol.md §4.2). */
export interface RequestHead {
  method: string
  target: string
  httpVersion: string
  headers: RawHeaders
}

/** A tunnelled response head: `HTTP/1.1 code reason`, then header lines (original-protocol.md §4.4). */
export interface ResponseHead {
  status: number
  reason: string
  httpVersion: string
  headers: RawHeaders
}

/** Bounds on a head. There is no fixed cliff: both are configuration. */
export interface HeadLimits {
  /** Largest head accepted, from the first byte through the empty line that ends it. */
  maxHeadBytes: number
  /** Most header lines accepted. */
  maxHeaderCount: number
}

/** 64 KiB and 128 fields: twice the original's 32 KiB router buffer and its extension's 64-header parse. */
export const DEFAULT_HEAD_LIMITS: Readonly<HeadLimits> = Object.freeze({ maxHeadBytes: 64 * 1024, maxHeaderCount: 128 })

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// RFC 9110 §5.5: field-value is VCHAR, SP, HTAB and obs-text; every other control byte is refused.
const INVALID_VALUE_BYTE = /[\x00-\x08\x0a-\x1f\x7f]/
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e\x80-\xff]+) (HTTP\/\d\.\d)$/
const STATUS_LINE = /^(HTTP\/\d\.\d) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/

/**
 * Splits a complete head (latin1 text up to and including the empty line) into its start line and header list.
 * Throws MalformedHeadError for broken syntax and TooManyHeadersError past `maxHeaderCount`.
 */
export function splitHead(
  kind: HeadKind,
  text: string,
  maxHeaderCount: number,
): { startLine: string; headers: RawHeaders } {
  if (text.includes('\0')) throw new MalformedHeadError(kind, 'nul', lineOf(text, text.indexOf('\0')))
  // Lines are read in place by offset (no array of lines, one slice per name and value): every head of every request
  // passes here. The text ends with the empty line's LF, so the empty line runs from the LF before that one; anything
  // after the last LF is not part of the head.
  const lastLf = text.lastIndexOf('\n')
  if (lastLf === -1) throw new MalformedHeadError(kind, 'bare-cr', 0)
  const emptyLineStart = lastLf === 0 ? 0 : text.lastIndexOf('\n', lastLf - 1) + 1
  const headers: RawHeaders = []
  let startLine = ''
  let index = 0
  // The first CR at or after the line being read (amortised: each CR is found once).
  let cr = text.indexOf('\r')
  for (let lineStart = 0; lineStart < emptyLineStart; index++) {
    const lf = text.indexOf('\n', lineStart)
    let lineEnd = lf
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--
    if (cr !== -1 && cr < lineStart) cr = text.indexOf('\r', lineStart)
    if (cr !== -1 && cr < lineEnd) throw new MalformedHeadError(kind, 'bare-cr', index + 1)
    const nextLineStart = lf + 1
    if (index === 0) {
      startLine = text.slice(lineStart, lineEnd)
      lineStart = nextLineStart
      continue
    }
    if (index > maxHeaderCount) throw new TooManyHeadersError(kind, maxHeaderCount)
    // An empty line's first char is its CR or LF, never a space.
    const first = text.charCodeAt(lineStart)
    if (first === 0x20 || first === 0x09) throw new MalformedHeadError(kind, 'obs-fold', index + 1)
    const colon = text.indexOf(':', lineStart)
    if (colon === -1 || colon >= lineEnd) throw new MalformedHeadError(kind, 'header-without-colon', index + 1)
    const name = text.slice(lineStart, colon)
    if (!TOKEN.test(name)) throw new MalformedHeadError(kind, 'invalid-header-name', index + 1)
    // Trimmed by offset, one slice: `slice().trim()` made a second string of every value after its leading space.
    let valueStart = colon + 1
    let valueEnd = lineEnd
    while (valueStart < valueEnd && isTrimmedByTrim(text.charCodeAt(valueStart))) valueStart++
    while (valueEnd > valueStart && isTrimmedByTrim(text.charCodeAt(valueEnd - 1))) valueEnd--
    const value = text.slice(valueStart, valueEnd)
    if (INVALID_VALUE_BYTE.test(value)) throw new MalformedHeadError(kind, 'invalid-header-value', index + 1)
    headers.push(name, value)
    lineStart = nextLineStart
  }
  const emptyLineLength = lastLf - emptyLineStart
  if (emptyLineLength > 1 || (emptyLineLength === 1 && text.charCodeAt(emptyLineStart) !== 0x0d)) {
    throw new MalformedHeadError(kind, 'bare-cr', index + 1)
  }
  return { startLine, headers }
}

export function parseRequestLine(startLine: string): Pick<RequestHead, 'method' | 'target' | 'httpVersion'> {
  const match = REQUEST_LINE.exec(startLine)
  if (!match) throw new MalformedHeadError('request', 'bad-request-line', 1)
  return { method: match[1] as string, target: match[2] as string, httpVersion: match[3] as string }
}

export function parseStatusLine(startLine: string): Pick<ResponseHead, 'status' | 'reason' | 'httpVersion'> {
  const match = STATUS_LINE.exec(startLine)
  if (!match) throw new MalformedHeadError('response', 'bad-status-line', 1)
  return { httpVersion: match[1] as string, status: Number(match[2]), reason: match[3] ?? '' }
}

// What String.prototype.trim() removes from latin1 text: TAB, LF, VT, FF, CR, SP and NBSP.
function isTrimmedByTrim(code: number): boolean {
  return (code >= 0x09 && code <= 0x0d) || code === 0x20 || code === 0xa0
}

function lineOf(text: string, offset: number): number {
  let line = 1
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) line++
  return line
}

/** Appends header lines (`Name: value\r\n`) to `out`. Callers pass values that came through an HTTP parser. */
export function appendHeaderLines(out: string, headers: RawHeaders): string {
  let text = out
  for (let index = 0; index + 1 < headers.length; index += 2) {
    text += `${headers[index]}: ${headers[index + 1]}\r\n`
  }
  return text
}

/**
 * Whether header name `name` is `lowerName` in any case. Header names are tokens (ASCII), so a name of another length
 * cannot match and is not lowered: on the per-request paths most names are of another length, and each
 * toLowerCase() makes a new string.
 */
export function isHeaderName(name: string, lowerName: string): boolean {
  return name.length === lowerName.length && (name === lowerName || name.toLowerCase() === lowerName)
}

/** Value of the first header named `lowerName` (compared case-insensitively), or undefined. */
export function getHeader(headers: RawHeaders, lowerName: string): string | undefined {
  for (let index = 0; index + 1 < headers.length; index += 2) {
    if (isHeaderName(headers[index] as string, lowerName)) return headers[index + 1]
  }
  return undefined
}
