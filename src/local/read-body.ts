// Reads an HTTP request body into memory up to a limit, counting (and dropping) whatever comes beyond it.
import type { IncomingMessage } from 'node:http'

export interface BodyRead {
  /** The body when it fits the limit; empty when it does not. */
  readonly bytes: Buffer
  readonly totalBytes: number
  readonly isOverLimit: boolean
}

/** Rejects when the peer goes away before the body ended; the caller then has nobody to answer. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyRead> {
  const chunks: Buffer[] = []
  let totalBytes = 0
  // Keep reading past the limit so the client sees our error answer instead of a reset mid-upload.
  for await (const chunk of req) {
    const piece = chunk as Buffer
    totalBytes += piece.length
    if (totalBytes <= limitBytes) chunks.push(piece)
    else chunks.length = 0
  }
  const isOverLimit = totalBytes > limitBytes
  return { bytes: isOverLimit ? Buffer.alloc(0) : Buffer.concat(chunks, totalBytes), totalBytes, isOverLimit }
}
