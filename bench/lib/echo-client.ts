// Large-body client: POSTs a generated body to /echo, streaming it with back-pressure, and hashes the echo as it
// arrives. The body is a fixed pseudo-random 1 MiB block repeated, so the expected hash is computed once per size.
import { createHash } from 'node:crypto'
import { request } from 'node:http'

const BLOCK_BYTES = 1024 * 1024

/** The repeated block: xorshift32 bytes from a fixed seed (incompressible, reproducible). */
export function bodyBlock(): Buffer {
  const block = Buffer.allocUnsafe(BLOCK_BYTES)
  let state = 0x9e3779b9
  for (let offset = 0; offset < BLOCK_BYTES; offset += 4) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    block.writeUInt32LE(state >>> 0, offset)
  }
  return block
}

/** The body's bytes in order: whole blocks, then a partial last block. */
export function* bodyChunks(block: Buffer, totalBytes: number): Generator<Buffer> {
  for (let sent = 0; sent < totalBytes; sent += block.length) {
    yield sent + block.length <= totalBytes ? block : block.subarray(0, totalBytes - sent)
  }
}

/** SHA-256 of the generated body of `totalBytes`, hex. */
export function expectedDigest(block: Buffer, totalBytes: number): string {
  const hash = createHash('sha256')
  for (const chunk of bodyChunks(block, totalBytes)) hash.update(chunk)
  return hash.digest('hex')
}

export interface EchoResult {
  readonly status: number
  readonly receivedBytes: number
  readonly digest: string
  /** From the first byte written until the last byte of the echo arrived. */
  readonly seconds: number
}

/** One POST of `totalBytes` to `${baseUrl}/echo` over HTTP/1.1 (Content-Length, a fresh connection). */
export function postEcho(baseUrl: string, block: Buffer, totalBytes: number): Promise<EchoResult> {
  const url = new URL('/echo', baseUrl)
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const hash = createHash('sha256')
    let receivedBytes = 0
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(totalBytes) },
      },
      (res) => {
        res.on('data', (chunk: Buffer) => {
          receivedBytes += chunk.length
          hash.update(chunk)
        })
        res.once('end', () => {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9
          resolve({ status: res.statusCode ?? 0, receivedBytes, digest: hash.digest('hex'), seconds })
        })
        res.once('error', reject)
      },
    )
    req.once('error', reject)
    const chunks = bodyChunks(block, totalBytes)
    const writeMore = (): void => {
      for (let next = chunks.next(); !next.done; next = chunks.next()) {
        if (!req.write(next.value)) {
          req.once('drain', writeMore)
          return
        }
      }
      req.end()
    }
    writeMore()
  })
}
