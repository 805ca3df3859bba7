// Checks one response body against what it must be, chunk by chunk as it arrives: every byte is compared with the
// expected byte at its offset, and bodies above HASHED_MIN_BYTES are also hashed on both sides (SHA-256), a second
// check for the large ones. Keeps no copy of the body; memory is one hash state per side and a short head.
import { createHash, type Hash } from 'node:crypto'
import type { ExpectedBody } from './request-mix.js'

/** The bytes a body must consist of, readable at any offset. */
export interface ExpectedSource {
  readonly length: number
  /** `length` bytes from `offset`; the caller never asks past the end. */
  slice(offset: number, length: number): Buffer
}

export interface BodyCheckResult {
  readonly receivedBytes: number
  readonly expectedBytes: number
  /** Offset of the first byte that differs, or of the first byte past the expected end; undefined when none does. */
  readonly firstMismatchAt: number | undefined
  /** True when every received byte matched the expected byte at its offset (a short body may still be intact). */
  readonly prefixIntact: boolean
  /** SHA-256 of each side in hex; both '' for a body of at most HASHED_MIN_BYTES (compared byte for byte only). */
  readonly receivedSha256: string
  readonly expectedSha256: string
  /** The first bytes received, for failure reports. */
  readonly head: string
}

/** True when the body was exactly the expected one: same length, every byte equal, and the same SHA-256. */
export function isExactBody(result: BodyCheckResult): boolean {
  return (
    result.receivedBytes === result.expectedBytes &&
    result.firstMismatchAt === undefined &&
    result.receivedSha256 === result.expectedSha256
  )
}

/**
 * Bodies longer than this are hashed as well as compared. The byte comparison alone is complete; hashing the many
 * small bodies of a churn run would cost the soak's client more CPU than the router spends on them (issue 17).
 */
export const HASHED_MIN_BYTES = 64 * 1024

const HEAD_BYTES = 160
const PATTERN_PERIOD_BYTES = 251
// Compared and hashed in pieces of at most this size, so a pattern slice never needs a fresh allocation.
const MAX_PIECE_BYTES = 256 * 1024

/** Byte i of the demo app's `/bytes` body is `i % 251`. Built here, independently of the app's own code. */
function createPatternBlock(): Buffer {
  const block = Buffer.allocUnsafe(PATTERN_PERIOD_BYTES + MAX_PIECE_BYTES)
  for (let index = 0; index < block.length; index++) block[index] = index % PATTERN_PERIOD_BYTES
  return block
}

/** Builds the expected-body sources for one run: the pattern is made once, echo bodies point into the payload. */
export class ExpectedBodies {
  readonly #pattern = createPatternBlock()
  readonly #payloadBlock: Buffer

  constructor(payloadBlock: Buffer) {
    this.#payloadBlock = payloadBlock
  }

  sourceFor(body: ExpectedBody, upload: { offset: number; bytes: number }): ExpectedSource {
    switch (body.kind) {
      case 'text': {
        const bytes = Buffer.from(body.text)
        return { length: bytes.length, slice: (offset, length) => bytes.subarray(offset, offset + length) }
      }
      case 'pattern': {
        const pattern = this.#pattern
        return {
          length: body.length,
          slice: (offset, length) => {
            const start = offset % PATTERN_PERIOD_BYTES
            return pattern.subarray(start, start + length)
          },
        }
      }
      case 'echo': {
        const block = this.#payloadBlock
        return {
          length: upload.bytes,
          slice: (offset, length) => block.subarray(upload.offset + offset, upload.offset + offset + length),
        }
      }
      default: {
        const unreachable: never = body
        throw new Error(`unknown expected body ${String(unreachable)}`)
      }
    }
  }
}

/** Feeds received chunks in order with push(); result() finishes both hashes (when the body is hashed). */
export class BodyCheck {
  readonly #expected: ExpectedSource
  /** Both undefined for a body of at most HASHED_MIN_BYTES. */
  readonly #receivedHash: Hash | undefined
  readonly #expectedHash: Hash | undefined
  #receivedBytes = 0
  #expectedHashedBytes = 0
  #firstMismatchAt: number | undefined
  #head = ''

  constructor(expected: ExpectedSource) {
    this.#expected = expected
    if (expected.length > HASHED_MIN_BYTES) {
      this.#receivedHash = createHash('sha256')
      this.#expectedHash = createHash('sha256')
    }
  }

  get receivedBytes(): number {
    return this.#receivedBytes
  }

  /** True while every byte so far matched the expected bytes at its offset. */
  get isPrefixIntact(): boolean {
    return this.#firstMismatchAt === undefined
  }

  push(chunk: Buffer): void {
    if (this.#head.length < HEAD_BYTES && this.#receivedBytes < HEAD_BYTES) {
      this.#head += chunk.subarray(0, HEAD_BYTES - this.#receivedBytes).toString('latin1')
    }
    this.#receivedHash?.update(chunk)
    let done = 0
    while (done < chunk.length) {
      const offset = this.#receivedBytes + done
      const length = Math.min(chunk.length - done, this.#expected.length - offset, MAX_PIECE_BYTES)
      if (length <= 0) {
        this.#firstMismatchAt ??= offset
        break
      }
      const expected = this.#expected.slice(offset, length)
      this.#expectedHash?.update(expected)
      this.#expectedHashedBytes = offset + length
      if (this.#firstMismatchAt === undefined) {
        const received = chunk.subarray(done, done + length)
        if (!expected.equals(received)) this.#firstMismatchAt = offset + firstDifference(expected, received)
      }
      done += length
    }
    this.#receivedBytes += chunk.length
  }

  /** Finishes both hashes (the expected one over the whole expected body) and reports. Call once. */
  result(): BodyCheckResult {
    const expectedHash = this.#expectedHash
    while (expectedHash !== undefined && this.#expectedHashedBytes < this.#expected.length) {
      const length = Math.min(MAX_PIECE_BYTES, this.#expected.length - this.#expectedHashedBytes)
      expectedHash.update(this.#expected.slice(this.#expectedHashedBytes, length))
      this.#expectedHashedBytes += length
    }
    return {
      receivedBytes: this.#receivedBytes,
      expectedBytes: this.#expected.length,
      firstMismatchAt:
        this.#firstMismatchAt ?? (this.#receivedBytes < this.#expected.length ? this.#receivedBytes : undefined),
      prefixIntact: this.#firstMismatchAt === undefined,
      receivedSha256: this.#receivedHash?.digest('hex') ?? '',
      expectedSha256: expectedHash?.digest('hex') ?? '',
      head: this.#head,
    }
  }
}

function firstDifference(a: Buffer, b: Buffer): number {
  const length = Math.min(a.length, b.length)
  for (let index = 0; index < length; index++) if (a[index] !== b[index]) return index
  return length
}
