// Response compression: the pure choice (shouldCompress), the header rewrite, and a gzip stream that flushes after
// every chunk so SSE and other streamed bodies keep arriving as they are written. No I/O beyond zlib.
import { constants, createGzip, type Gzip } from 'node:zlib'
import type { RawHeaders } from '../protocol/index.js'

/** Bodies with a known length at or below this are sent as they are (original-protocol.md §7.4: > 1024). */
export const MIN_COMPRESS_BYTES = 1024

const COMPRESSIBLE_PREFIXES = [
  'text/',
  'application/json',
  'application/javascript',
  'application/x-javascript',
  'application/xml',
  'application/xhtml+xml',
  'image/svg+xml',
]

/** True when an `Accept-Encoding` value accepts gzip with a non-zero q (RFC 9110 §12.5.3), `*` included. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false
  let wildcard = false
  for (const part of acceptEncoding.split(',')) {
    const [token = '', ...params] = part.split(';')
    const coding = token.trim().toLowerCase()
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') continue
    const q = params.map((param) => /^\s*q\s*=\s*([\d.]+)\s*$/i.exec(param)).find((match) => match !== null)
    const accepted = q === undefined || Number(q?.[1]) > 0
    if (coding === '*') wildcard = accepted
    else return accepted
  }
  return wildcard
}

/** Text-like types that gzip well; anything with a `+json` or `+xml` suffix too. */
export function isCompressibleType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const type = contentType.trim().toLowerCase()
  const essence = type.split(';', 1)[0] as string
  return (
    COMPRESSIBLE_PREFIXES.some((prefix) => type.startsWith(prefix)) ||
    essence.endsWith('+json') ||
    essence.endsWith('+xml')
  )
}

/** The facts shouldCompress decides on; header values are the app's, undefined when absent. */
export interface CompressionInput {
  readonly enabled: boolean
  readonly method: string
  readonly status: number
  readonly acceptEncoding: string | undefined
  readonly contentType: string | undefined
  readonly contentEncoding: string | undefined
  readonly contentLength: string | undefined
  readonly cacheControl: string | undefined
}

/**
 * gzip when enabled, the client accepts it, the response has a body that is not already encoded or ranged, the type
 * is compressible, `no-transform` is absent, and the body is either of unknown length (chunked, streamed) or larger
 * than MIN_COMPRESS_BYTES. The original skipped every chunked body.
 */
export function shouldCompress(input: CompressionInput): boolean {
  if (!input.enabled || input.method === 'HEAD') return false
  if (input.status < 200 || input.status === 204 || input.status === 206 || input.status === 304) return false
  if (input.contentEncoding !== undefined && input.contentEncoding.trim().toLowerCase() !== 'identity') return false
  if (input.cacheControl?.toLowerCase().includes('no-transform')) return false
  if (!isCompressibleType(input.contentType) || !acceptsGzip(input.acceptEncoding)) return false
  if (input.contentLength === undefined) return true
  const length = Number(input.contentLength)
  return !Number.isFinite(length) || length > MIN_COMPRESS_BYTES
}

/**
 * Response headers for a gzipped body: `Content-Encoding: gzip` first (as the original), no Content-Length, an
 * `Accept-Encoding` entry in Vary, and strong ETags made weak (the bytes differ from the identity body's).
 */
export function compressedHeaders(headers: RawHeaders): RawHeaders {
  const out: RawHeaders = ['content-encoding', 'gzip']
  let varyDone = false
  for (let index = 0; index + 1 < headers.length; index += 2) {
    const name = headers[index] as string
    let value = headers[index + 1] as string
    const lower = name.toLowerCase()
    if (lower === 'content-length' || lower === 'content-encoding') continue
    if (lower === 'etag' && value.startsWith('"')) value = `W/${value}`
    if (lower === 'vary') {
      const tokens = value.split(',').map((token) => token.trim().toLowerCase())
      if (!tokens.includes('accept-encoding') && !tokens.includes('*') && !varyDone) value = `${value}, Accept-Encoding`
      varyDone = true
    }
    out.push(name, value)
  }
  if (!varyDone) out.push('vary', 'Accept-Encoding')
  return out
}

/** A gzip stream that sync-flushes after each write, so every app chunk leaves as soon as it is compressed. */
export function createGzipEncoder(): Gzip {
  return createGzip({ flush: constants.Z_SYNC_FLUSH })
}
