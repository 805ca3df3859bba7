// The API Gateway HTTP API (payload format 2.0) event and result shapes the scale-up baseline uses, and the pure
// conversions on both sides: gateway request → event, event → app request (the adapter), app response → result,
// result → gateway response. Only the fields a web adapter needs.

/** Payload format 2.0 request event (the subset AWS Lambda Web Adapter reads). */
export interface ApiGatewayEvent {
  readonly version: '2.0'
  readonly rawPath: string
  readonly rawQueryString: string
  readonly headers: Record<string, string>
  readonly requestContext: { readonly http: { readonly method: string; readonly path: string } }
  readonly body?: string
  readonly isBase64Encoded: boolean
}

/** Payload format 2.0 result. */
export interface ApiGatewayResult {
  readonly statusCode: number
  readonly headers: Record<string, string>
  readonly body: string
  readonly isBase64Encoded: boolean
}

export interface PlainMessage {
  readonly headers: Record<string, string>
  readonly body: Buffer
}

// Hop-by-hop fields never cross API Gateway (RFC 9110 §7.6.1); the content length is recomputed on each side.
const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'content-length'])

function cleanHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (value === undefined || DROPPED.has(lower)) continue
    // Payload 2.0 joins repeated headers with commas (cookies travel apart in `cookies`; the benchmark sends none).
    out[lower] = Array.isArray(value) ? value.join(',') : value
  }
  return out
}

function isText(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const type = contentType.toLowerCase()
  return type.startsWith('text/') || type.includes('json') || type.includes('xml')
}

/** What API Gateway sends the function for one client request. */
export function toApiGatewayEvent(request: {
  method: string
  target: string
  headers: Readonly<Record<string, string | string[] | undefined>>
  body: Buffer
}): ApiGatewayEvent {
  const query = request.target.indexOf('?')
  const rawPath = query === -1 ? request.target : request.target.slice(0, query)
  const headers = cleanHeaders(request.headers)
  const base = {
    version: '2.0' as const,
    rawPath,
    rawQueryString: query === -1 ? '' : request.target.slice(query + 1),
    headers,
    requestContext: { http: { method: request.method, path: rawPath } },
  }
  if (request.body.length === 0) return { ...base, isBase64Encoded: false }
  const text = isText(headers['content-type'])
  return { ...base, body: request.body.toString(text ? 'utf8' : 'base64'), isBase64Encoded: !text }
}

/** The HTTP request the adapter makes to the app for an event. */
export function toAppRequest(event: ApiGatewayEvent): { method: string; path: string } & PlainMessage {
  const path = event.rawQueryString === '' ? event.rawPath : `${event.rawPath}?${event.rawQueryString}`
  const body =
    event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
  return { method: event.requestContext.http.method, path, headers: { ...event.headers }, body }
}

/** The result the adapter returns for the app's response: text as text, anything else base64. */
export function toApiGatewayResult(
  status: number,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: Buffer,
): ApiGatewayResult {
  const clean = cleanHeaders(headers)
  const text = isText(clean['content-type'])
  return {
    statusCode: status,
    headers: clean,
    body: body.toString(text ? 'utf8' : 'base64'),
    isBase64Encoded: !text,
  }
}

/** What API Gateway answers the client for a function's result; undefined when the payload is not a result. */
export function fromApiGatewayResult(payload: unknown): ({ status: number } & PlainMessage) | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined
  const result = payload as Partial<ApiGatewayResult>
  if (typeof result.statusCode !== 'number' || typeof result.body !== 'string') return undefined
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(result.headers ?? {})) if (typeof value === 'string') headers[name] = value
  return {
    status: result.statusCode,
    headers,
    body: Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
  }
}
