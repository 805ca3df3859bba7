// The one HTTP call shape both Lambda APIs use: an undici Pool to AWS_LAMBDA_RUNTIME_API, a status check, and the
// whole (small) body read. Touches only that API's socket.
import { Pool } from 'undici'
import { LambdaApiError } from '../errors.js'

/** A connection pool to the Runtime/Extensions API host; long polls never time out (Lambda decides when they end). */
export function createLambdaApiPool(runtimeApi: string): Pool {
  return new Pool(`http://${runtimeApi}`, { headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 60_000 })
}

export interface LambdaApiResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: Buffer
}

/** Performs one call; a non-2xx status or a transport failure becomes a LambdaApiError naming `operation`. */
export async function callLambdaApi(
  pool: Pool,
  operation: string,
  options: {
    method: 'GET' | 'POST'
    path: string
    headers?: Record<string, string>
    body?: string | Buffer
    signal?: AbortSignal
  },
): Promise<LambdaApiResponse> {
  let response: Awaited<ReturnType<Pool['request']>>
  try {
    response = await pool.request({
      method: options.method,
      path: options.path,
      headers: options.headers,
      body: options.body,
      signal: options.signal,
    })
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason
    throw new LambdaApiError(operation, undefined, (error as Error).message, { cause: error })
  }
  const body = Buffer.from(await response.body.arrayBuffer())
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new LambdaApiError(operation, response.statusCode, body.toString('utf8').slice(0, 500))
  }
  return { status: response.statusCode, headers: response.headers, body }
}

/** A single header value as a string, or undefined. */
export function headerValue(response: LambdaApiResponse, lowerName: string): string | undefined {
  const value = response.headers[lowerName]
  return Array.isArray(value) ? value[0] : value
}
