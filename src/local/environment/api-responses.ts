// Small helpers shared by the Runtime and Extensions API handlers: JSON answers in the shapes Lambda uses.
import type { ServerResponse } from 'node:http'

/** Writes a JSON answer unless the peer already went away. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.destroyed || res.headersSent) return
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  })
  res.end(text)
}

/** Lambda's `{errorMessage, errorType}` error answer (403 for state and identity problems). */
export function sendApiError(res: ServerResponse, status: number, errorType: string, errorMessage: string): void {
  sendJson(res, status, { errorMessage, errorType })
}

/** The 202 `{"status":"OK"}` Lambda answers to posted responses and errors. */
export function sendAccepted(res: ServerResponse): void {
  sendJson(res, 202, { status: 'OK' })
}

/** The value of a single-valued request header, or undefined. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
