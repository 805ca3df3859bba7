// A scripted extension peer: a node:http2 client that speaks the control channel like the Rust extension
// (original-protocol.md §3.5, §4) and can be told to misbehave (wrong ids, resets, silence, bad heads). Tests use it
// to drive the real router over real HTTP/2 on loopback. Never a stub of router code.
import { once } from 'node:events'
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2'
import { refuseStream } from '../../src/extension/router-session.js'
import {
  channelPath,
  closePath,
  createRequestHeadParser,
  HEADER_CAPABILITIES,
  HEADER_CHANNEL_TOKEN,
  type HeadParser,
  isGoaway,
  pingPath,
  type RequestHead,
} from '../../src/protocol/index.js'
import { deferred } from './deferred.js'

/** How a channel POST or a ping/close identifies itself; `null` leaves a header out, an array repeats it. */
export interface ControlHeaderOptions {
  readonly poolId?: string | readonly string[] | null
  readonly lambdaIdHeader?: string | readonly string[] | null
  /** The channel token header (WaiterRequest ChannelToken); absent by default, as from the original extension. */
  readonly channelToken?: string | readonly string[]
  /** X-Lambda-Dispatch-Capabilities on channel POSTs (issue 18); absent by default, as from the original extension. */
  readonly capabilities?: string
  /** Overrides the path (e.g. the `poolId/…` variants, or nonsense for 404s). */
  readonly path?: string
  readonly method?: string
}

/** A complete control answer (ping, close, refused channel). */
export interface ControlAnswer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** One channel stream seen from the extension: what the router sent, and ways to answer or misbehave. */
export class ScriptedChannel {
  readonly lambdaId: string
  readonly channelId: string
  readonly stream: ClientHttp2Stream
  /** The router's response HEADERS, or undefined if the stream ended or was reset without them. */
  readonly response: Promise<{ status: number; headers: IncomingHttpHeaders } | undefined>
  /** The tunnelled request head, or undefined if the stream ended first. */
  readonly requestHead: Promise<RequestHead | undefined>
  /** Everything after the head until the router's END_STREAM (or the stream's end/reset). */
  readonly requestBody: Promise<Buffer>
  /** Every byte the router sent on the stream (a refusal's text body, or a whole tunnelled request). */
  readonly raw: Promise<Buffer>
  /** Resolves when the stream closed; rstCode is the RST_STREAM code (0 for a clean close). */
  readonly closed: Promise<{ rstCode: number }>
  /** DATA chunks received from the router, counted from the first byte (the ordering test wants 0). */
  dataEvents = 0
  readonly #parser: HeadParser<RequestHead> = createRequestHeadParser()
  readonly #bodyChunks: Buffer[] = []
  readonly #rawChunks: Buffer[] = []
  #headDone = false
  readonly #head = deferred<RequestHead | undefined>()
  readonly #body = deferred<Buffer>()
  #onBodyChunk: ((chunk: Buffer) => void) | undefined

  constructor(stream: ClientHttp2Stream, lambdaId: string, channelId: string) {
    this.stream = stream
    this.lambdaId = lambdaId
    this.channelId = channelId
    stream.on('error', () => {})
    this.response = new Promise((resolve) => {
      stream.once('response', (headers) => resolve({ status: Number(headers[':status']), headers }))
      stream.once('close', () => resolve(undefined))
    })
    this.requestHead = this.#head.promise
    this.requestBody = this.#body.promise
    this.closed = new Promise((resolve) => stream.once('close', () => resolve({ rstCode: stream.rstCode ?? 0 })))
    const { promise: raw, resolve: resolveRaw } = deferred<Buffer>()
    this.raw = raw
    stream.on('data', (chunk: Buffer) => {
      this.dataEvents++
      this.#rawChunks.push(chunk)
      if (this.#headDone) {
        this.#bodyChunks.push(chunk)
        this.#onBodyChunk?.(chunk)
        return
      }
      let parsed: { head: RequestHead; rest: Buffer } | undefined
      try {
        parsed = this.#parser.push(chunk)
      } catch {
        return
      }
      if (parsed === undefined) return
      this.#headDone = true
      if (parsed.rest.length > 0) this.#bodyChunks.push(parsed.rest)
      this.#head.resolve(parsed.head)
    })
    const finish = (): void => {
      if (!this.#headDone) this.#head.resolve(undefined)
      this.#body.resolve(Buffer.concat(this.#bodyChunks))
      resolveRaw(Buffer.concat(this.#rawChunks))
    }
    stream.once('end', finish)
    stream.once('close', finish)
  }

  /** Calls `listener` for each later request-body chunk (to watch streaming as it happens). */
  onBodyChunk(listener: (chunk: Buffer) => void): void {
    this.#onBodyChunk = listener
  }

  /** Writes a response head (`HTTP/1.1 status reason`, headers, blank line), without ending the stream. */
  writeHead(status: number, headers: readonly string[] = [], reason = 'OK'): void {
    let text = `HTTP/1.1 ${status} ${reason}\r\nX-Lambda-Id: ${this.lambdaId}\r\nX-Channel-Id: ${this.channelId}\r\n`
    for (let index = 0; index + 1 < headers.length; index += 2) text += `${headers[index]}: ${headers[index + 1]}\r\n`
    this.stream.write(Buffer.from(`${text}\r\n`, 'latin1'))
  }

  /** A whole response: head, body, END_STREAM. */
  respond(status: number, headers: readonly string[] = [], body: string | Buffer = ''): void {
    this.writeHead(status, headers)
    this.stream.end(body)
  }

  write(data: string | Buffer): boolean {
    return this.stream.write(data)
  }

  end(data?: string | Buffer): void {
    if (data === undefined) this.stream.end()
    else this.stream.end(data)
  }

  /**
   * Sends RST_STREAM(INTERNAL_ERROR) at once. (`stream.close(code)` would first end the writable side, which is a
   * clean END_STREAM whenever the router already ended its side.)
   */
  reset(): void {
    this.stream.destroy(new Error('scripted reset'))
  }

  /** Sends RST_STREAM(REFUSED_STREAM) alone, as our extension refuses a request that never reached its app. */
  refuse(): void {
    refuseStream(this.stream)
  }
}

/** What one served channel loop saw. */
export interface ServeResult {
  readonly requestCount: number
  readonly goaways: number
  readonly refusals: number
}

/** The app behind a serving extension: answers one tunnelled request on its channel. */
export type ScriptedApp = (head: RequestHead, channel: ScriptedChannel) => void | Promise<void>

/** The default app: 200 `ok` for everything, after the request body ended. */
export const okApp: ScriptedApp = async (_head, channel) => {
  await channel.requestBody
  channel.respond(200, ['Content-Type', 'text/plain'], 'ok')
}

/** An HTTP/2 connection to the router's control port, with channel, ping and close helpers. */
export class ScriptedExtension {
  readonly session: ClientHttp2Session
  readonly authority: string
  readonly channels: ScriptedChannel[] = []

  private constructor(session: ClientHttp2Session, authority: string) {
    this.session = session
    this.authority = authority
  }

  /** Connects with prior knowledge (http://) or TLS ALPN h2 (https://, any certificate), as the Rust extension does. */
  static async connect(url: string, options: { ca?: string | Buffer } = {}): Promise<ScriptedExtension> {
    const { origin } = new URL(url)
    const session = connect(origin, {
      settings: { initialWindowSize: 4 * 1024 * 1024 },
      ...(origin.startsWith('https:') ? { rejectUnauthorized: false, ALPNProtocols: ['h2'], ...options } : {}),
    })
    session.on('error', () => {})
    await once(session, 'connect')
    return new ScriptedExtension(session, origin)
  }

  /** Opens a channel POST with the §3.5 headers (HEADERS without END_STREAM). */
  openChannel(lambdaId: string, channelId: string, options: ControlHeaderOptions = {}): ScriptedChannel {
    const headers = this.#headers(
      options.method ?? 'POST',
      options.path ?? channelPath(lambdaId, channelId),
      lambdaId,
      options,
    )
    headers['content-type'] = 'application/octet-stream'
    headers['x-channel-id'] = channelId
    const channel = new ScriptedChannel(this.session.request(headers, { endStream: false }), lambdaId, channelId)
    this.channels.push(channel)
    return channel
  }

  /** GET /api/chunked/ping/{id}, keeping the request body open until the answer, like the Rust extension. */
  ping(lambdaId: string, options: ControlHeaderOptions = {}): Promise<ControlAnswer> {
    return this.#control(options.path ?? pingPath(lambdaId), lambdaId, options)
  }

  close(lambdaId: string, options: ControlHeaderOptions = {}): Promise<ControlAnswer> {
    return this.#control(options.path ?? closePath(lambdaId), lambdaId, options)
  }

  /**
   * Runs one channel like the extension's channel loop: POST, wait for 200, read the request, let `app` answer, and
   * POST again with the same id, until a goaway or a non-200 status. Resolves with what it saw.
   */
  async serveChannel(
    lambdaId: string,
    channelId: string,
    app: ScriptedApp,
    options: ControlHeaderOptions = {},
  ): Promise<ServeResult> {
    let requestCount = 0
    for (;;) {
      if (this.session.destroyed || this.session.closed) return { requestCount, goaways: 0, refusals: 0 }
      const channel = this.openChannel(lambdaId, channelId, options)
      const response = await channel.response
      if (response === undefined) return { requestCount, goaways: 0, refusals: 0 }
      if (response.status !== 200) {
        channel.end()
        return { requestCount, goaways: 0, refusals: 1 }
      }
      const head = await channel.requestHead
      if (head === undefined) {
        if (!channel.stream.destroyed) channel.end()
        continue
      }
      if (isGoaway(head)) {
        channel.end()
        return { requestCount, goaways: 1, refusals: 0 }
      }
      await app(head, channel)
      requestCount++
      await channel.closed
    }
  }

  /** Serves `channelCount` channels at once; resolves when every loop stopped (goaway or 409). */
  async serve(
    lambdaId: string,
    channelIds: readonly string[],
    app: ScriptedApp = okApp,
    options: ControlHeaderOptions = {},
  ): Promise<ServeResult> {
    const results = await Promise.all(channelIds.map((id) => this.serveChannel(lambdaId, id, app, options)))
    return {
      requestCount: results.reduce((sum, result) => sum + result.requestCount, 0),
      goaways: results.reduce((sum, result) => sum + result.goaways, 0),
      refusals: results.reduce((sum, result) => sum + result.refusals, 0),
    }
  }

  /** Destroys the connection on the next turn: Node 20 spins in a destroy() made in the turn of a stream 'close'. */
  destroy(): void {
    setImmediate(() => this.session.destroy())
  }

  async #control(path: string, lambdaId: string, options: ControlHeaderOptions): Promise<ControlAnswer> {
    const stream = this.session.request(this.#headers(options.method ?? 'GET', path, lambdaId, options), {
      endStream: false,
    })
    stream.on('error', () => {})
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders]
    // ping.rs: the request body is closed only after the response arrived.
    stream.end()
    if (!stream.readableEnded) await once(stream, 'end')
    return { status: Number(headers[':status']), headers, body: Buffer.concat(chunks).toString('utf8') }
  }

  #headers(method: string, path: string, lambdaId: string, options: ControlHeaderOptions): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = {
      ':method': method,
      ':path': path,
      date: new Date().toUTCString(),
    }
    const poolId = options.poolId === undefined ? 'default' : options.poolId
    if (poolId !== null) headers['x-pool-id'] = typeof poolId === 'string' ? poolId : [...poolId]
    const lambdaIdHeader = options.lambdaIdHeader === undefined ? lambdaId : options.lambdaIdHeader
    if (lambdaIdHeader !== null) {
      headers['x-lambda-id'] = typeof lambdaIdHeader === 'string' ? lambdaIdHeader : [...lambdaIdHeader]
    }
    if (options.capabilities !== undefined) headers[HEADER_CAPABILITIES] = options.capabilities
    const token = options.channelToken
    if (token !== undefined) {
      headers[HEADER_CHANNEL_TOKEN] = typeof token === 'string' ? token : [...token]
    }
    return headers
  }
}
