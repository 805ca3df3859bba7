// The demo app's routes: a pure route table plus one handler per route, written against plain node:http.
// Handlers may touch only their own request and response; timers they start are cleared when the request closes.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { STATUS_CODES } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/** Size of each piece the generated bodies (`/bytes`, `/text`) are written in. */
export const DEMO_CHUNK_BYTES = 64 * 1024

// A prime period, so a body shifted by any whole number of 64 KiB chunks no longer matches the pattern.
const PATTERN_PERIOD_BYTES = 251

/** The byte at `offset` of every `/bytes` body. Tests use it to check bodies without keeping a copy. */
export function patternByteAt(offset: number): number {
  return offset % PATTERN_PERIOD_BYTES
}

/** The first `length` bytes of the `/bytes` pattern, for tests that compare whole bodies. */
export function patternBytes(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length)
  for (let offset = 0; offset < length; offset++) bytes[offset] = patternByteAt(offset)
  return bytes
}

const TEXT_LINE = 'The quick brown fox jumps over the lazy dog; lambda dispatch streams this line again.\n'

/** Everything a handler may use besides its request and response. */
export interface RouteContext {
  readonly query: URLSearchParams
  readonly params: readonly string[]
  /** Ends the process abruptly; `/exit-mid-response` and an event asking to exit call it. Tests inject a spy. */
  readonly exitProcess: (code: number) => void
  /** A period-aligned source for `/bytes`: slices of it are the pattern at any offset, without copying. */
  readonly patternSource: Buffer
  readonly textSource: Buffer
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, context: RouteContext) => void

interface Route {
  readonly methods: readonly string[]
  /** Exact path, or a prefix ending in '/' whose remainder becomes `params[0]`. */
  readonly path: string
  readonly handler: RouteHandler
}

export type RouteMatch =
  | { readonly kind: 'route'; readonly handler: RouteHandler; readonly params: readonly string[] }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' }

/** Builds the sources the generated bodies are sliced from. Called once per server, never at import. */
export function createBodySources(): { patternSource: Buffer; textSource: Buffer } {
  const patternSource = patternBytes(PATTERN_PERIOD_BYTES + DEMO_CHUNK_BYTES)
  const textSource = Buffer.from(TEXT_LINE.repeat(Math.ceil((DEMO_CHUNK_BYTES * 2) / TEXT_LINE.length)))
  return { patternSource, textSource }
}

/** Pure: finds the route for a method and path. HEAD is served wherever GET is. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  for (const route of ROUTES) {
    const params = matchPath(route.path, pathname)
    if (params === undefined) continue
    const effectiveMethod = method === 'HEAD' ? 'GET' : method
    if (!route.methods.includes(effectiveMethod)) {
      return {
        kind: 'method-not-allowed',
        allow: route.methods.includes('GET') ? [...route.methods, 'HEAD'] : route.methods,
      }
    }
    return { kind: 'route', handler: route.handler, params }
  }
  return { kind: 'not-found' }
}

function matchPath(pattern: string, pathname: string): string[] | undefined {
  if (!pattern.endsWith('/')) return pattern === pathname ? [] : undefined
  if (!pathname.startsWith(pattern)) return undefined
  const rest = pathname.slice(pattern.length)
  return rest.length > 0 && !rest.includes('/') ? [rest] : undefined
}

/** Pure: reads a non-negative safe integer query parameter; `undefined` when absent, `null` when invalid. */
export function readCount(query: URLSearchParams, name: string): number | null | undefined {
  const text = query.get(name)
  if (text === null || text === '') return undefined
  if (!/^\d+$/.test(text)) return null
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : null
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(text)
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(body.length),
    ...headers,
  })
  res.end(body)
}

function badRequest(res: ServerResponse, problem: string): void {
  sendText(res, 400, `${problem}\n`)
}

/** Reads a count parameter or answers 400; returns `undefined` when the handler must stop. */
function requireCount(res: ServerResponse, query: URLSearchParams, name: string, fallback: number): number | undefined {
  const value = readCount(query, name)
  if (value === null) {
    badRequest(res, `query parameter ${name} must be a non-negative integer`)
    return undefined
  }
  return value ?? fallback
}

/** Yields `totalBytes` of `source`'s cyclic content in pieces of at most DEMO_CHUNK_BYTES, zero-copy. */
function* slices(source: Buffer, periodBytes: number, totalBytes: number): Generator<Buffer> {
  for (let offset = 0; offset < totalBytes; offset += DEMO_CHUNK_BYTES) {
    const start = offset % periodBytes
    yield source.subarray(start, start + Math.min(DEMO_CHUNK_BYTES, totalBytes - offset))
  }
}

/** Streams a generated body with back-pressure; a client that goes away just ends the pipeline. */
function streamBody(req: IncomingMessage, res: ServerResponse, pieces: Iterable<Buffer>): void {
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  pipeline(Readable.from(pieces, { objectMode: false }), res).catch(() => {
    // The client closed the connection mid-body; nothing is left to clean up.
  })
}

function sendGenerated(
  req: IncomingMessage,
  res: ServerResponse,
  context: RouteContext,
  source: Buffer,
  periodBytes: number,
  defaultType: string,
): void {
  const totalBytes = requireCount(res, context.query, 'n', 0)
  if (totalBytes === undefined) return
  const chunked = context.query.get('chunked') === '1'
  res.writeHead(200, {
    'content-type': context.query.get('type') || defaultType,
    ...(chunked ? {} : { 'content-length': String(totalBytes) }),
  })
  streamBody(req, res, slices(source, periodBytes, totalBytes))
}

const health: RouteHandler = (_req, res) => sendText(res, 200, 'OK')

const ping: RouteHandler = (_req, res) => sendText(res, 200, 'pong')

const echo: RouteHandler = (req, res) => {
  res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' })
  pipeline(req, res).catch(() => {
    // Either side went away; the other is already destroyed by pipeline.
  })
}

const delayed: RouteHandler = (req, res, context) => {
  const delayMs = requireCount(res, context.query, 'ms', 0)
  if (delayMs === undefined) return
  const timer = setTimeout(() => sendText(res, 200, `delayed ${delayMs} ms`), delayMs)
  res.once('close', () => clearTimeout(timer))
  req.resume()
}

const bytes: RouteHandler = (req, res, context) =>
  sendGenerated(req, res, context, context.patternSource, PATTERN_PERIOD_BYTES, 'application/octet-stream')

const text: RouteHandler = (req, res, context) =>
  sendGenerated(req, res, context, context.textSource, TEXT_LINE.length, 'text/plain; charset=utf-8')

const sse: RouteHandler = (_req, res, context) => {
  const eventCount = requireCount(res, context.query, 'n', 5)
  const intervalMs = requireCount(res, context.query, 'interval', 100)
  if (eventCount === undefined || intervalMs === undefined) return
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  // Send the head now: an SSE client must see the stream open before the first event.
  res.flushHeaders()
  let sent = 0
  let timer: NodeJS.Timeout | undefined
  const sendNext = (): void => {
    if (sent >= eventCount) {
      res.end()
      return
    }
    res.write(`data: ${sent}\n\n`)
    sent++
    timer = setTimeout(sendNext, intervalMs)
  }
  res.once('close', () => clearTimeout(timer))
  sendNext()
}

const status: RouteHandler = (_req, res, context) => {
  const code = Number(context.params[0])
  if (!Number.isInteger(code) || code < 200 || code > 599) {
    badRequest(res, 'status must be an integer 200-599')
    return
  }
  if (code === 204 || code === 304) {
    res.writeHead(code)
    res.end()
    return
  }
  sendText(res, code, `${code} ${STATUS_CODES[code] ?? 'Unknown'}\n`)
}

const headers: RouteHandler = (req, res) => {
  const describe = (): void => {
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      headers: req.rawHeaders,
    })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
    res.end(body)
  }
  // Read the whole body first so a POST's bytes are consumed before the answer.
  req.resume()
  req.once('end', describe)
}

// Lambda's largest invoke payload is 6 MB; an event body beyond this is refused rather than buffered.
const MAX_EVENT_BYTES = 8 * 1024 * 1024

/**
 * Pure: a one-line summary of a Lambda event. A batch (`Records`: SQS, SNS, S3, DynamoDB, Kinesis) gives its first
 * record's `eventSource` (`EventSource` for SNS) and the record count; an EventBridge event its `source` and
 * `detail-type`; anything else `{"received":"unknown"}`.
 */
export function summarizeEvent(event: unknown): Record<string, string | number> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return { received: 'unknown' }
  const fields = event as Record<string, unknown>
  if (Array.isArray(fields.Records)) {
    const first: unknown = fields.Records[0]
    const record = typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : {}
    const source = record.eventSource ?? record.EventSource
    return { received: typeof source === 'string' ? source : 'unknown', records: fields.Records.length }
  }
  if (typeof fields.source === 'string') {
    const detailType = fields['detail-type']
    return { received: fields.source, ...(typeof detailType === 'string' ? { detailType } : {}) }
  }
  return { received: 'unknown' }
}

/** What an event's optional `demo` field asks of `/events`, so tests can make it fail. */
export interface EventDemoDirective {
  /** Answer with this status (200–599) instead of 200. */
  readonly status?: number
  /** Never answer. */
  readonly hang?: boolean
  /** Answer 200 with this many bytes of `/bytes` pattern instead of the summary. */
  readonly bytes?: number
  /** End the process (exit code 1) without answering. */
  readonly exit?: boolean
}

/** Pure: reads the event's `demo` field; `undefined` when absent or not an object. Unusable values are ignored. */
export function readEventDirective(event: unknown): EventDemoDirective | undefined {
  if (typeof event !== 'object' || event === null) return undefined
  const demo = (event as Record<string, unknown>).demo
  if (typeof demo !== 'object' || demo === null) return undefined
  const fields = demo as Record<string, unknown>
  const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0
  return {
    ...(isCount(fields.status) && fields.status >= 200 && fields.status <= 599 ? { status: fields.status } : {}),
    ...(fields.hang === true ? { hang: true } : {}),
    ...(isCount(fields.bytes) ? { bytes: fields.bytes } : {}),
    ...(fields.exit === true ? { exit: true } : {}),
  }
}

// aws-lambda-web-adapter's pass-through target: a Lambda event POSTed as JSON, answered with its summary.
const events: RouteHandler = (req, res, context) => {
  const chunks: Buffer[] = []
  let receivedBytes = 0
  req.on('data', (chunk: Buffer) => {
    receivedBytes += chunk.length
    if (receivedBytes <= MAX_EVENT_BYTES) chunks.push(chunk)
  })
  req.once('end', () => {
    if (receivedBytes > MAX_EVENT_BYTES) {
      sendText(res, 413, `an event is at most ${MAX_EVENT_BYTES} bytes\n`)
      return
    }
    let event: unknown
    try {
      event = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      badRequest(res, 'the event is not JSON')
      return
    }
    const directive = readEventDirective(event) ?? {}
    if (directive.hang) return
    if (directive.exit) {
      context.exitProcess(1)
      return
    }
    if (directive.bytes !== undefined) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(directive.bytes) })
      streamBody(req, res, slices(context.patternSource, PATTERN_PERIOD_BYTES, directive.bytes))
      return
    }
    const body = JSON.stringify(summarizeEvent(event))
    res.writeHead(directive.status ?? 200, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    })
    res.end(body)
  })
}

// Fault routes: they exist so fault tests can make the app misbehave on purpose.

const hang: RouteHandler = (req) => {
  req.resume()
}

const abortMidResponse: RouteHandler = (req, res, context) => {
  const sentBytes = requireCount(res, context.query, 'n', 1024)
  if (sentBytes === undefined) return
  if (sentBytes < 1) {
    badRequest(res, 'query parameter n must be at least 1')
    return
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(sentBytes * 2) })
  const pieces = [...slices(context.patternSource, PATTERN_PERIOD_BYTES, sentBytes)]
  const last = pieces.length - 1
  // Destroy only once the last piece reached the socket, so the peer sees exactly n bytes, then a reset.
  for (const [index, piece] of pieces.entries()) {
    res.write(piece, index === last ? () => req.socket.destroy() : undefined)
  }
}

const exitMidResponse: RouteHandler = (_req, res, context) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1048576' })
  res.write(context.patternSource.subarray(0, 1024), () => context.exitProcess(1))
}

const setCookies: RouteHandler = (_req, res) => {
  res.setHeader('set-cookie', ['session=abc123; Path=/; HttpOnly', 'theme=dark; Path=/; Max-Age=3600'])
  sendText(res, 200, 'cookies set')
}

const ROUTES: readonly Route[] = [
  { methods: ['GET'], path: '/health', handler: health },
  { methods: ['GET'], path: '/ping', handler: ping },
  { methods: ['POST', 'PUT'], path: '/echo', handler: echo },
  { methods: ['GET'], path: '/delay', handler: delayed },
  { methods: ['GET'], path: '/bytes', handler: bytes },
  { methods: ['GET'], path: '/text', handler: text },
  { methods: ['GET'], path: '/sse', handler: sse },
  { methods: ['GET'], path: '/status/', handler: status },
  { methods: ['GET', 'POST'], path: '/headers', handler: headers },
  { methods: ['GET'], path: '/hang', handler: hang },
  { methods: ['GET'], path: '/abort-mid-response', handler: abortMidResponse },
  { methods: ['GET'], path: '/exit-mid-response', handler: exitMidResponse },
  { methods: ['GET'], path: '/set-cookies', handler: setCookies },
  { methods: ['POST'], path: '/events', handler: events },
]

/** Answers a request that matched no route: 404, or 405 with `Allow` for a known path. */
export function sendNoRoute(res: ServerResponse, match: Exclude<RouteMatch, { kind: 'route' }>): void {
  if (match.kind === 'method-not-allowed') sendText(res, 405, 'Method Not Allowed\n', { allow: match.allow.join(', ') })
  else sendText(res, 404, 'Not Found\n')
}
