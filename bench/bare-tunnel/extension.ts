// The bare tunnel's extension: the benchmarks' reference floor (issue 16), not product code. One h2c session to the
// bare router, BARE_CHANNELS channel POSTs parked on it (original-protocol.md §3.5, §4.1), each carrying one exchange
// relayed to the app through an undici Pool, and a new POST on the same channel id once a stream closes. Happy path
// only: no hygiene, limits, timeouts, pings, metrics or logs. Reads BARE_ROUTER_URL, BARE_APP_URL, BARE_CHANNELS;
// prints `bare-extension parked <n> channels` once the router answered the first n POSTs.
import { randomUUID } from 'node:crypto'
import { type ClientHttp2Stream, connect } from 'node:http2'
import { connect as connectTcp } from 'node:net'
import { PassThrough } from 'node:stream'
import { type Dispatcher, Pool } from 'undici'
import {
  channelPath,
  createRequestHeadParser,
  DEFAULT_POOL_ID,
  HEADER_CHANNEL_ID,
  HEADER_LAMBDA_ID,
  HEADER_POOL_ID,
  HOP_BY_HOP_HEADERS,
  type RawHeaders,
  type RequestHead,
  serializeResponseHead,
  TUNNEL_CONTENT_TYPE,
  TUNNEL_HEADER_CHANNEL_ID,
  TUNNEL_HEADER_LAMBDA_ID,
} from '../../src/protocol/index.js'
import { BARE_HTTP2 } from './http2.js'

const routerUrl = process.env.BARE_ROUTER_URL as string
const channels = Number(process.env.BARE_CHANNELS ?? '100')
const lambdaId = randomUUID()
// The product's app pool settings (src/extension/relay.ts): the router owns timeouts, so undici's are off.
const app = new Pool(process.env.BARE_APP_URL as string, { headersTimeout: 0, bodyTimeout: 0 })
const session = connect(routerUrl, {
  // As the product's extension does (src/extension/router-session.ts): no Nagle delay on small frames.
  createConnection: (url) => connectTcp({ host: url.hostname, port: Number(url.port), noDelay: true }),
  settings: { enablePush: false, initialWindowSize: BARE_HTTP2.streamWindowBytes },
  maxSessionMemory: BARE_HTTP2.maxSessionMemoryMb,
  peerMaxConcurrentStreams: 1000,
})
session.once('connect', () => session.setLocalWindowSize(BARE_HTTP2.sessionWindowBytes))
// The router is gone: nothing left to do.
session.once('close', () => process.exit(0))
process.once('SIGTERM', () => process.exit(0))

let answered = 0

function open(channelId: string): void {
  const stream = session.request(
    {
      ':method': 'POST',
      ':path': channelPath(lambdaId, channelId),
      'content-type': TUNNEL_CONTENT_TYPE,
      [HEADER_POOL_ID]: DEFAULT_POOL_ID,
      [HEADER_LAMBDA_ID]: lambdaId,
      [HEADER_CHANNEL_ID]: channelId,
    },
    { endStream: false },
  )
  if (answered < channels) {
    stream.once('response', () => {
      if (++answered === channels) process.stdout.write(`bare-extension parked ${channels} channels\n`)
    })
  }
  const parser = createRequestHeadParser()
  const onData = (chunk: Buffer): void => {
    const parsed = parser.push(chunk)
    if (parsed === undefined) return
    stream.pause()
    stream.off('data', onData)
    relay(stream, channelId, parsed.head, parsed.rest)
  }
  stream.on('data', onData)
  stream.on('error', () => undefined)
  stream.once('close', () => {
    if (!session.closed) open(channelId)
  })
}

function relay(stream: ClientHttp2Stream, channelId: string, head: RequestHead, rest: Buffer): void {
  const headers: RawHeaders = []
  for (let index = 0; index + 1 < head.headers.length; index += 2) {
    const name = head.headers[index] as string
    if (!HOP_BY_HOP_HEADERS.has(name.toLowerCase())) headers.push(name, head.headers[index + 1] as string)
  }
  let body: PassThrough | null = null
  if (head.method === 'GET' || head.method === 'HEAD') {
    stream.resume()
  } else {
    body = new PassThrough()
    if (rest.length > 0) body.write(rest)
    stream.pipe(body)
  }
  const handler: Dispatcher.DispatchHandler = {
    onConnect: () => undefined,
    onHeaders: (status, rawHeaders, resume) => {
      const out: RawHeaders = [TUNNEL_HEADER_LAMBDA_ID, lambdaId, TUNNEL_HEADER_CHANNEL_ID, channelId]
      for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
        const name = (rawHeaders[index] as Buffer).toString('latin1')
        if (!HOP_BY_HOP_HEADERS.has(name.toLowerCase())) {
          out.push(name, (rawHeaders[index + 1] as Buffer).toString('latin1'))
        }
      }
      // The head, the body bytes of the same read and the end leave as one write, as Node's HTTP/1.1 server does.
      stream.cork()
      stream.write(serializeResponseHead({ status, headers: out }))
      process.nextTick(() => stream.uncork())
      stream.on('drain', resume)
      return true
    },
    onData: (chunk) => stream.write(chunk),
    onComplete: () => stream.end(),
    onError: () => stream.close(),
  }
  app.dispatch({ method: head.method as Dispatcher.HttpMethod, path: head.target, headers, body }, handler)
}

for (let index = 0; index < channels; index++) open(randomUUID())
