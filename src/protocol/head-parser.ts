// Incremental parser for tunnelled heads in both directions. Real state: the bytes buffered so far and the limits.
// Pure: no I/O, no timers. Callers feed stream chunks and get the head plus the first body bytes.
import { type HeadKind, HeadTooLargeError, IncompleteHeadError } from './errors.js'
import {
  DEFAULT_HEAD_LIMITS,
  type HeadLimits,
  parseRequestLine,
  parseStatusLine,
  type RequestHead,
  type ResponseHead,
  splitHead,
} from './head.js'

const LF = 0x0a
const CR = 0x0d

/** A complete head and the bytes after it, which start the body (possibly empty). */
export interface ParsedHead<H> {
  head: H
  rest: Buffer
}

// Where the terminator search stands at the end of the bytes seen so far: nothing, after an LF, after LF CR.
type TerminatorState = 0 | 1 | 2

/**
 * Accumulates chunks until the empty line that ends a head (`\r\n\r\n`, or `\n\n` per RFC 9112 §2.2), then parses it.
 * Each byte is scanned once, so feeding one byte at a time costs no more than one big chunk.
 */
export class HeadParser<H> {
  readonly #kind: HeadKind
  readonly #limits: HeadLimits
  readonly #parse: (text: string, limits: HeadLimits) => H
  #chunks: Buffer[] = []
  #bufferedBytes = 0
  #state: TerminatorState = 0
  #done = false

  constructor(
    kind: HeadKind,
    parse: (text: string, limits: HeadLimits) => H,
    limits: HeadLimits = DEFAULT_HEAD_LIMITS,
  ) {
    this.#kind = kind
    this.#parse = parse
    this.#limits = limits
  }

  /** Bytes held while the head is incomplete. */
  get bufferedBytes(): number {
    return this.#bufferedBytes
  }

  /**
   * Feeds one chunk. Returns the head and the leftover bytes once the head is complete, `undefined` while it is not.
   * Throws HeadTooLargeError, TooManyHeadersError or MalformedHeadError; a parser that threw must not be fed again.
   */
  push(chunk: Buffer): ParsedHead<H> | undefined {
    if (this.#done) throw new Error('HeadParser.push called after the head was complete')
    const end = this.#findTerminator(chunk)
    if (end === -1) {
      this.#bufferedBytes += chunk.length
      if (this.#bufferedBytes > this.#limits.maxHeadBytes) {
        throw new HeadTooLargeError(this.#kind, this.#limits.maxHeadBytes, this.#bufferedBytes)
      }
      this.#chunks.push(chunk)
      return undefined
    }
    const headBytes = this.#bufferedBytes + end + 1
    if (headBytes > this.#limits.maxHeadBytes) {
      throw new HeadTooLargeError(this.#kind, this.#limits.maxHeadBytes, headBytes)
    }
    this.#done = true
    const text =
      this.#chunks.length === 0
        ? chunk.toString('latin1', 0, end + 1)
        : Buffer.concat([...this.#chunks, chunk.subarray(0, end + 1)], headBytes).toString('latin1')
    this.#chunks = []
    this.#bufferedBytes = 0
    return { head: this.#parse(text, this.#limits), rest: chunk.subarray(end + 1) }
  }

  /** The stream ended: throws IncompleteHeadError, since a complete head would have been returned by push(). */
  end(): never {
    throw new IncompleteHeadError(this.#kind, this.#bufferedBytes)
  }

  // Index in `chunk` of the LF that completes the empty line, or -1; carries partial matches across chunks.
  #findTerminator(chunk: Buffer): number {
    let index = 0
    if (this.#state !== 0 && chunk.length > 0) {
      const first = chunk[0]
      if (first === LF) return 0
      if (this.#state === 1 && first === CR) {
        if (chunk.length === 1) {
          this.#state = 2
          return -1
        }
        if (chunk[1] === LF) return 1
      }
      this.#state = 0
    }
    for (;;) {
      const lf = chunk.indexOf(LF, index)
      if (lf === -1) return -1
      const next = lf + 1
      if (next === chunk.length) {
        this.#state = 1
        return -1
      }
      const after = chunk[next]
      if (after === LF) return next
      if (after === CR) {
        if (next + 1 === chunk.length) {
          this.#state = 2
          return -1
        }
        if (chunk[next + 1] === LF) return next + 1
      }
      index = next
    }
  }
}

// The head objects are built whole, not by spreading the start line's fields into a new object: one per request.
function parseRequestText(text: string, limits: HeadLimits): RequestHead {
  const { startLine, headers } = splitHead('request', text, limits.maxHeaderCount)
  const { method, target, httpVersion } = parseRequestLine(startLine)
  return { method, target, httpVersion, headers }
}

function parseResponseText(text: string, limits: HeadLimits): ResponseHead {
  const { startLine, headers } = splitHead('response', text, limits.maxHeaderCount)
  const { httpVersion, status, reason } = parseStatusLine(startLine)
  return { httpVersion, status, reason, headers }
}

/** A parser for the request head the router writes into a channel (original-protocol.md §4.2). */
export function createRequestHeadParser(limits?: HeadLimits): HeadParser<RequestHead> {
  return new HeadParser('request', parseRequestText, limits)
}

/** A parser for the response head the extension writes back (original-protocol.md §4.4). */
export function createResponseHeadParser(limits?: HeadLimits): HeadParser<ResponseHead> {
  return new HeadParser('response', parseResponseText, limits)
}
