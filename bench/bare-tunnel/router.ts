// The bare tunnel's router: the benchmarks' reference floor (issue 16), not product code. An HTTP/1.1 front door and
// an h2c control listener; each client request is written into one parked channel stream and the tunnelled response
// is relayed back (original-protocol.md §4.1–§4.4, happy path only). No hygiene, limits, timeouts, metrics or logs.
// Prints `bare-router listening: front=<url> control=<url>` once both listen; SIGTERM exits (and writes --cpu-prof).
import { once } from 'node:events'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createH2Server, type ServerHttp2Stream } from 'node:http2'
import type { AddressInfo } from 'node:net'
import {
  CONTROL_PATH_PREFIX,
  createResponseHeadParser,
  serializeRequestHead,
  TUNNEL_CONTENT_TYPE,
} from '../../src/protocol/index.js'
import { BARE_HTTP2 } from './http2.js'

const CHANNEL_PATH_PREFIX = `${CONTROL_PATH_PREFIX}/request/`

/** Channel streams whose 200 went out and that wait for a request. */
const parked: ServerHttp2Stream[] = []
/** Client requests that found no parked channel, oldest first. */
const waiting: Array<(stream: ServerHttp2Stream) => void> = []

function park(stream: ServerHttp2Stream): void {
  const next = waiting.shift()
  if (next === undefined) parked.push(stream)
  else next(stream)
}

function takeParked(): ServerHttp2Stream | undefined {
  let stream = parked.pop()
  while (stream?.destroyed) stream = parked.pop()
  return stream
}

/** One exchange: the request head (and body) into the stream, the tunnelled response out to the client. */
function exchange(stream: ServerHttp2Stream, req: IncomingMessage, res: ServerResponse): void {
  const head = serializeRequestHead({
    method: req.method as string,
    target: req.url as string,
    headers: req.rawHeaders,
  })
  if (req.method === 'GET' || req.method === 'HEAD') {
    stream.end(head)
  } else {
    stream.write(head)
    req.pipe(stream)
  }
  const parser = createResponseHeadParser()
  let started = false
  stream.on('data', (chunk: Buffer) => {
    let body = chunk
    if (!started) {
      const parsed = parser.push(chunk)
      if (parsed === undefined) return
      started = true
      res.writeHead(parsed.head.status, parsed.head.headers)
      if (parsed.rest.length === 0) return
      body = parsed.rest
    }
    if (!res.write(body)) {
      stream.pause()
      res.once('drain', () => stream.resume())
    }
  })
  stream.once('end', () => res.end())
  stream.once('error', () => res.destroy())
}

const control = createH2Server({
  settings: { initialWindowSize: BARE_HTTP2.streamWindowBytes, maxConcurrentStreams: 1000 },
  maxSessionMemory: BARE_HTTP2.maxSessionMemoryMb,
})
control.on('session', (session) => session.setLocalWindowSize(BARE_HTTP2.sessionWindowBytes))
control.on('stream', (stream, headers) => {
  stream.on('error', () => undefined)
  if (!String(headers[':path']).startsWith(CHANNEL_PATH_PREFIX)) {
    stream.respond({ ':status': 404 }, { endStream: true })
    return
  }
  // original-protocol.md §4.1: the 200 goes out at once; the stream then waits for a request.
  stream.respond({ ':status': 200, 'content-type': TUNNEL_CONTENT_TYPE })
  park(stream)
})

const front = createHttpServer((req, res) => {
  const stream = takeParked()
  if (stream === undefined) waiting.push((next) => exchange(next, req, res))
  else exchange(stream, req, res)
})

control.listen(0, '127.0.0.1')
front.listen(0, '127.0.0.1')
await Promise.all([once(control, 'listening'), once(front, 'listening')])
process.once('SIGTERM', () => process.exit(0))
const url = (server: { address(): AddressInfo | string | null }): string =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}`
process.stdout.write(`bare-router listening: front=${url(front)} control=${url(control)}\n`)
