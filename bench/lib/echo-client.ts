// Large-body client: POSTs a generated body to /echo, streaming it with back-pressure, and checks every byte of the
// echo as it arrives against the same pattern (a memcmp per chunk: cheap enough that the client does not compete
// with the paths it measures for CPU, as hashing at a few hundred MB/s would). The body is a fixed pseudo-random
// 1 MiB block repeated.
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

/** Checks a stream of chunks against `block` repeated, wherever the chunk boundaries fall. */
export class PatternCheck {
  readonly #block: Buffer
  #offset = 0
  #firstMismatch: number | undefined

  constructor(block: Buffer) {
    this.#block = block
  }

  /** Bytes checked so far. */
  get bytes(): number {
    return this.#offset
  }

  /** Offset of the first byte that differed, or undefined when all matched. */
  get firstMismatch(): number | undefined {
    return this.#firstMismatch
  }

  update(chunk: Buffer): void {
    const block = this.#block
    let position = 0
    while (position < chunk.length) {
      const inBlock = this.#offset % block.length
      const length = Math.min(chunk.length - position, block.length - inBlock)
      if (
        this.#firstMismatch === undefined &&
        chunk.compare(block, inBlock, inBlock + length, position, position + length) !== 0
      ) {
        // Rare path: find the exact byte.
        let index = 0
        while (chunk[position + index] === block[inBlock + index]) index++
        this.#firstMismatch = this.#offset + index
      }
      position += length
      this.#offset += length
    }
  }
}

export interface EchoResult {
  readonly status: number
  readonly receivedBytes: number
  /** True when every received byte matched the body sent. */
  readonly intact: boolean
  /** From the first byte written until the last byte of the echo arrived. */
  readonly seconds: number
}

/**
 * One POST of `totalBytes` to `${baseUrl}/echo` over HTTP/1.1 (Content-Length, a fresh connection). Rejects when no
 * byte moved either way for `stallMs` (a proxy that relays half-duplex deadlocks on a streaming echo).
 */
export function postEcho(baseUrl: string, block: Buffer, totalBytes: number, stallMs = 10_000): Promise<EchoResult> {
  const url = new URL('/echo', baseUrl)
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const check = new PatternCheck(block)
    let lastMoved = Date.now()
    const stallTimer = setInterval(() => {
      if (Date.now() - lastMoved < stallMs) return
      req.destroy(new Error(`stalled: no byte moved for ${stallMs / 1000} s after ${check.bytes} echoed bytes`))
    }, 250)
    const fail = (error: Error): void => {
      clearInterval(stallTimer)
      reject(error)
    }
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(totalBytes) },
      },
      (res) => {
        res.on('data', (chunk: Buffer) => {
          lastMoved = Date.now()
          check.update(chunk)
        })
        res.once('end', () => {
          clearInterval(stallTimer)
          const seconds = Number(process.hrtime.bigint() - started) / 1e9
          resolve({
            status: res.statusCode ?? 0,
            receivedBytes: check.bytes,
            intact: check.firstMismatch === undefined,
            seconds,
          })
        })
        res.once('error', fail)
      },
    )
    req.once('error', fail)
    const chunks = bodyChunks(block, totalBytes)
    const writeMore = (): void => {
      lastMoved = Date.now()
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
