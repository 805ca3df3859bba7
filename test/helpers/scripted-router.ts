// A scripted router control channel on node:http2 (h2c or TLS): it parks the extension's channel POSTs, writes
// tunnelled requests into them, parses the framed responses, answers ping/close, and records what it saw.
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import {
  constants,
  createSecureServer,
  createServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { Readable } from 'node:stream'
import {
  createResponseHeadParser,
  type ResponseHead,
  serializeGoaway,
  serializeRequestHead,
  TUNNEL_CONTENT_TYPE,
  tunnelOpenHeaders,
} from '../../src/protocol/index.js'
import { deferred } from './deferred.js'

export interface ScriptedRouterOptions {
  readonly tls?: { readonly key: string; readonly cert: string }
  /** The router's 200 to a channel POST lists `websocket` in X-Lambda-Dispatch-Capabilities, as ours does (issue 18). */
  readonly tunnelsWebSockets?: boolean
  /** The status for each channel POST; default 200. 0 destroys the whole session instead of answering. */
  readonly channelStatus?: (post: ChannelPost) => number
  /** An RST_STREAM code to reset a channel POST with before any HEADERS, instead of answering it; undefined answers. */
  readonly channelReset?: (post: ChannelPost) => number | undefined
  readonly pingStatus?: number
  readonly closeStatus?: number
  /** After answering /close, send goaway into every parked channel of that lambda, as the original does (default). */
  readonly goawayOnClose?: boolean
}

/** One channel POST as the router received it. */
export interface ChannelPost {
  readonly lambdaId: string
  readonly channelId: string
  readonly headers: IncomingHttpHeaders
  readonly sessionNumber: number
  /** Bytes the extension sent on the stream before the router's response HEADERS; the invariant says 0. */
  readonly bytesBeforeHeaders: number
}

/** What came back through one channel for one tunnelled request. */
export interface TunnelResult {
  readonly head: ResponseHead | undefined
  readonly body: Buffer
  readonly bodySha256: string
  /** The raw bytes of the framed response, head included. */
  readonly raw: Buffer
  /** True when the extension reset the stream instead of ending it. */
  readonly reset: boolean
  readonly rstCode: number
}

export interface TunnelExchange {
  readonly channel: ParkedChannel
  readonly head: Promise<ResponseHead>
  /** Called for each body chunk as it arrives (after the head). */
  onBodyChunk(listener: (chunk: Buffer) => void): void
  readonly done: Promise<TunnelResult>
}

export interface TunnelRequest {
  readonly method: string
  readonly target: string
  readonly headers?: string[]
}

export interface ParkedChannel extends ChannelPost {
  /** Writes the framed request (and body, then END_STREAM) into the channel. */
  send(request: TunnelRequest, body?: Buffer | Readable, options?: { endStream?: boolean }): TunnelExchange
  /** Writes `bytes` exactly as given (a golden transcript), then END_STREAM. */
  sendRaw(bytes: Buffer): TunnelExchange
  /** Writes the exact goaway pseudo-request and ends; resolves when the extension ended its side. */
  goaway(): Promise<void>
  /** Resets the stream (RST_STREAM). */
  reset(code?: number): void
  readonly stream: ServerHttp2Stream
}

export interface ScriptedRouter {
  /** The DispatcherUrl to put in the invoke. */
  readonly url: string
  readonly posts: ChannelPost[]
  readonly pings: IncomingHttpHeaders[]
  readonly closes: IncomingHttpHeaders[]
  /** Sessions accepted so far. */
  readonly sessionCount: number
  /** Takes the oldest parked channel (matching `predicate`, when given), waiting for one to arrive if needed. */
  nextChannel(predicate?: (channel: ParkedChannel) => boolean): Promise<ParkedChannel>
  /** The channels parked right now, oldest first (not taken). */
  parkedChannels(): readonly ParkedChannel[]
  /** Resolves once at least `count` channels are parked. */
  waitForParked(count: number): Promise<void>
  nextPing(): Promise<IncomingHttpHeaders>
  nextClose(): Promise<IncomingHttpHeaders>
  /** Changes how later channel POSTs, pings and closes are answered. */
  configure(changes: Omit<ScriptedRouterOptions, 'tls'>): void
  /** Sends `request` on the next parked channel and waits for the whole response. */
  request(request: TunnelRequest, body?: Buffer | Readable): Promise<TunnelResult>
  /** Sends goaway into every parked channel; resolves when each was answered. */
  goawayParked(): Promise<number>
  /** Sends an HTTP/2 GOAWAY on every session and closes them gracefully. */
  goawaySessions(): void
  /** Drops every connection at once, as a crashed router or a broken network would. */
  destroySessions(): void
  close(): Promise<void>
}

const STREAM_WINDOW_BYTES = 4 * 1024 * 1024
const SESSION_WINDOW_BYTES = 32 * 1024 * 1024

export async function startScriptedRouter(initial: ScriptedRouterOptions = {}): Promise<ScriptedRouter> {
  let options = { ...initial }
  const posts: ChannelPost[] = []
  const pings: IncomingHttpHeaders[] = []
  const closes: IncomingHttpHeaders[] = []
  const parked: ParkedChannel[] = []
  const channelWaiters: Array<{
    predicate: (channel: ParkedChannel) => boolean
    resolve: (channel: ParkedChannel) => void
  }> = []
  const parkedWaiters: Array<{ count: number; resolve: () => void }> = []
  const pingWaiters: Array<(headers: IncomingHttpHeaders) => void> = []
  const closeWaiters: Array<(headers: IncomingHttpHeaders) => void> = []
  const sessions = new Set<Http2Session>()
  let sessionCount = 0

  const settings = { initialWindowSize: STREAM_WINDOW_BYTES }
  const server: Http2Server = options.tls
    ? createSecureServer({ ...options.tls, settings, allowHTTP1: false })
    : createServer({ settings })

  server.on('session', (session: Http2Session) => {
    sessionCount++
    sessions.add(session)
    ;(session as Http2Session & { number?: number }).number = sessionCount
    session.setLocalWindowSize(SESSION_WINDOW_BYTES)
    session.once('close', () => sessions.delete(session))
    session.on('error', () => {})
  })

  const publish = (channel: ParkedChannel): void => {
    const waiter = channelWaiters.find((entry) => entry.predicate(channel))
    if (waiter) {
      channelWaiters.splice(channelWaiters.indexOf(waiter), 1)
      waiter.resolve(channel)
      return
    }
    parked.push(channel)
    for (const entry of [...parkedWaiters]) {
      if (parked.length < entry.count) continue
      parkedWaiters.splice(parkedWaiters.indexOf(entry), 1)
      entry.resolve()
    }
  }

  const unpark = (channel: ParkedChannel): void => {
    const index = parked.indexOf(channel)
    if (index !== -1) parked.splice(index, 1)
  }

  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on('error', () => {})
    const path = String(headers[':path'])
    const control = /^\/api\/chunked\/(ping|close)\/([^/]+)$/.exec(path)
    if (control) {
      const [, kind, lambdaId] = control
      stream.resume()
      if (kind === 'ping') {
        pings.push(headers)
        stream.respond({ ':status': options.pingStatus ?? 200 }, { endStream: true })
        pingWaiters.shift()?.(headers)
      } else {
        closes.push(headers)
        stream.respond({ ':status': options.closeStatus ?? 200 }, { endStream: true })
        closeWaiters.shift()?.(headers)
        if (options.goawayOnClose ?? true) {
          for (const channel of [...parked]) if (channel.lambdaId === lambdaId) void channel.goaway()
        }
      }
      return
    }
    const match = /^\/api\/chunked\/request\/([^/]+)\/([^/]+)$/.exec(path)
    if (!match || headers[':method'] !== 'POST') {
      stream.respond({ ':status': 404 }, { endStream: true })
      return
    }
    let bytesBeforeHeaders = 0
    const countEarly = (chunk: Buffer): void => {
      bytesBeforeHeaders += chunk.length
    }
    stream.on('data', countEarly)
    const post: ChannelPost = {
      lambdaId: match[1] as string,
      channelId: match[2] as string,
      headers,
      sessionNumber: (stream.session as Http2Session & { number?: number }).number ?? 0,
      get bytesBeforeHeaders() {
        return bytesBeforeHeaders
      },
    }
    posts.push(post)
    const resetCode = options.channelReset?.(post)
    if (resetCode !== undefined) {
      stream.close(resetCode)
      return
    }
    const status = options.channelStatus?.(post) ?? 200
    if (status === 0) {
      stream.session?.destroy()
      return
    }
    if (status !== 200) {
      stream.respond({ ':status': status, 'content-type': 'text/plain' })
      stream.end(`status ${status}`)
      return
    }
    // DESIGN.md §2.5: HEADERS go out before the channel becomes visible to anything that writes into it.
    stream.respond(
      options.tunnelsWebSockets ? tunnelOpenHeaders() : { ':status': 200, 'content-type': TUNNEL_CONTENT_TYPE },
    )
    stream.off('data', countEarly)
    stream.pause()
    const channel = makeChannel(post, stream, () => unpark(channel))
    stream.once('close', () => unpark(channel))
    publish(channel)
  })

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const scheme = options.tls ? 'https' : 'http'

  const nextChannel = (predicate: (channel: ParkedChannel) => boolean = () => true): Promise<ParkedChannel> => {
    const channel = parked.find(predicate)
    if (channel) {
      parked.splice(parked.indexOf(channel), 1)
      return Promise.resolve(channel)
    }
    return new Promise((resolve) => channelWaiters.push({ predicate, resolve }))
  }

  return {
    url: `${scheme}://127.0.0.1:${port}/api/chunked`,
    posts,
    pings,
    closes,
    get sessionCount() {
      return sessionCount
    },
    configure(changes) {
      options = { ...options, ...changes }
    },
    nextChannel,
    parkedChannels: () => [...parked],
    waitForParked: (count) =>
      parked.length >= count ? Promise.resolve() : new Promise((resolve) => parkedWaiters.push({ count, resolve })),
    nextPing: () => new Promise((resolve) => pingWaiters.push(resolve)),
    nextClose: () => new Promise((resolve) => closeWaiters.push(resolve)),
    async request(request, body) {
      return (await nextChannel()).send(request, body).done
    },
    async goawayParked() {
      const channels = parked.splice(0)
      await Promise.all(channels.map((channel) => channel.goaway()))
      return channels.length
    },
    goawaySessions() {
      for (const session of sessions) {
        session.goaway(constants.NGHTTP2_NO_ERROR)
        session.close()
      }
    },
    destroySessions() {
      for (const session of sessions) session.destroy()
    },
    async close() {
      for (const session of sessions) session.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}

function makeChannel(post: ChannelPost, stream: ServerHttp2Stream, taken: () => void): ParkedChannel {
  return {
    ...post,
    stream,
    send(request, body, sendOptions = {}) {
      taken()
      const head = serializeRequestHead({
        method: request.method,
        target: request.target,
        headers: request.headers ?? [],
      })
      return exchange(this, stream, head, body, sendOptions.endStream ?? true)
    },
    sendRaw(bytes) {
      taken()
      return exchange(this, stream, bytes, undefined, true)
    },
    async goaway() {
      taken()
      stream.end(serializeGoaway(post.lambdaId, post.channelId))
      stream.resume()
      // Not events.once: a reset from the extension emits 'error', and the goaway is still over then.
      if (!stream.closed) await new Promise((resolve) => stream.once('close', resolve))
    },
    reset(code = constants.NGHTTP2_CANCEL) {
      taken()
      stream.close(code)
    },
  }
}

function exchange(
  channel: ParkedChannel,
  stream: ServerHttp2Stream,
  headBytes: Buffer,
  body: Buffer | Readable | undefined,
  endStream: boolean,
): TunnelExchange {
  const parser = createResponseHeadParser()
  const listeners: Array<(chunk: Buffer) => void> = []
  const rawChunks: Buffer[] = []
  const bodyChunks: Buffer[] = []
  const hash = createHash('sha256')
  let head: ResponseHead | undefined
  const { promise: headPromise, resolve: resolveHead, reject: rejectHead } = deferred<ResponseHead>()
  headPromise.catch(() => {})
  const onBody = (chunk: Buffer): void => {
    if (chunk.length === 0) return
    bodyChunks.push(chunk)
    hash.update(chunk)
    for (const listener of listeners) listener(chunk)
  }
  stream.on('data', (chunk: Buffer) => {
    rawChunks.push(chunk)
    if (head !== undefined) {
      onBody(chunk)
      return
    }
    const parsed = parser.push(chunk)
    if (parsed === undefined) return
    head = parsed.head
    resolveHead(parsed.head)
    onBody(parsed.rest)
  })
  const done = new Promise<TunnelResult>((resolve) => {
    stream.once('close', () => {
      if (head === undefined) rejectHead(new Error(`no response head (RST code ${stream.rstCode})`))
      resolve({
        head,
        body: Buffer.concat(bodyChunks),
        bodySha256: hash.digest('hex'),
        raw: Buffer.concat(rawChunks),
        reset: stream.rstCode !== constants.NGHTTP2_NO_ERROR,
        rstCode: stream.rstCode,
      })
    })
  })
  stream.resume()
  if (body === undefined) {
    if (endStream) stream.end(headBytes)
    else stream.write(headBytes)
  } else if (Buffer.isBuffer(body)) {
    stream.write(headBytes)
    if (endStream) stream.end(body)
    else stream.write(body)
  } else {
    stream.write(headBytes)
    body.pipe(stream, { end: endStream })
  }
  return { channel, head: headPromise, onBodyChunk: (listener) => listeners.push(listener), done }
}
