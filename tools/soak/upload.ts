// The request body of an upload: consecutive slices of the payload, optionally stopping at a planned byte.
// Shared by both clients so they send the same bytes in the same pieces.

/** Pieces are at most this large, like a socket write; a planned abort may end the last piece early. */
export const UPLOAD_PIECE_BYTES = 64 * 1024

/** The slices of `upload` to send, in order, ending at `stopAfterBytes` when it is given. Zero-copy. */
export function* uploadPieces(upload: Buffer, stopAfterBytes: number | undefined): Generator<Buffer> {
  const end = Math.min(upload.length, stopAfterBytes ?? upload.length)
  for (let offset = 0; offset < end; offset += UPLOAD_PIECE_BYTES) {
    yield upload.subarray(offset, Math.min(end, offset + UPLOAD_PIECE_BYTES))
  }
}

/** Describes a client error in one line: its code (undici, Node) and message, and its cause's. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { code?: unknown }).code
  const cause = error.cause instanceof Error ? ` (cause: ${describeError(error.cause)})` : ''
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}${cause}`
}
