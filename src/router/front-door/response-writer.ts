// ResponseWriter: what differs between HTTP/1.1 and HTTP/2 when the front door answers one request. The front door
// picks one writer per request; the exchange and the refusals write through it and never ask which protocol it is.
// Types and one pure helper; no I/O.
import type { ServerResponse } from 'node:http'
import type { Http2ServerResponse } from 'node:http2'
import type { RawHeaders } from '../../protocol/index.js'
import type { ErrorStatus } from './error-status.js'

/** The response object of either protocol; both compat classes offer the calls used here. */
export type ClientResponse = ServerResponse | Http2ServerResponse

/**
 * One request's protocol-specific side: what its head says about framing and body, and how its response is written,
 * cut off or answered with an error. Its methods never throw, except `writeHead` (see there).
 */
export interface ResponseWriter {
  /** For the access log. */
  readonly protocol: 'HTTP/1.1' | 'HTTP/2'
  /** Node's compat response. Its 'drain' event and `headersSent` mean the same on both protocols. */
  readonly response: ClientResponse
  /** Response bytes written and not yet handed to the kernel. */
  readonly queuedBytes: number
  /** Why the request head must be refused with 400 (framing that could smuggle a request, a Host that lies), or undefined. */
  framingProblem(): string | undefined
  /** Whether a request body follows the head. */
  hasRequestBody(): boolean
  /**
   * Calls `listener` when the client goes away, until `unwatchClient`. It may run twice for one departure (HTTP/1.1
   * hears the response and the connection close in one emit), so it must ignore a second call.
   */
  watchClient(listener: () => void): void
  unwatchClient(listener: () => void): void
  /**
   * Writes the response head. `closing` asks an HTTP/1.1 client not to reuse the connection. Throws when Node refuses
   * the status or a field; nothing was sent then.
   */
  writeHead(status: number, headers: RawHeaders, closing: boolean): void
  /** Writes body bytes; the writes of one loop turn leave together. */
  write(chunk: Buffer): void
  /** Ends a complete response. */
  end(): void
  /** Cuts off a started response so the client sees it broken, never complete. */
  abort(): void
  /** Lets go of what the writer holds (a corked head or write) when the client went away. */
  release(): void
  /** Answers `answer` as a small text/plain response, or aborts when a response already started. */
  writeError(answer: ErrorStatus, requestId: string | undefined): void
}

/** Pure. The head of a response the router makes up itself, before any protocol-specific field. */
export function errorResponseHeaders(answer: ErrorStatus, requestId: string | undefined): string[] {
  const headers: string[] = [
    'Content-Type',
    'text/plain; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(answer.body)),
  ]
  if (requestId !== undefined) headers.push('X-Request-Id', requestId)
  if (answer.retryAfterS !== undefined) headers.push('Retry-After', String(answer.retryAfterS))
  return headers
}
