// Http2Sessions: the client-facing HTTP/2 server with its tuning, and every session on it: the connection window, the
// idle GOAWAY, and the reset policing that moves a client to a fresh connection. Owns the sessions and nothing else;
// requests are the front door's.
import {
  createServer as createHttp2Server,
  type Http2Server,
  constants as http2Constants,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import { goawayGracefully, type Logger } from '../../common/index.js'

// HTTP/2 tuning (DESIGN.md §6): Node's 64 KiB default windows throttle uploads and downloads; the stream cap bounds
// what one client connection can hold open; session memory bounds what it can make the router buffer.
const HTTP2_INITIAL_WINDOW_BYTES = 1024 * 1024
const HTTP2_CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024
const HTTP2_MAX_SESSION_MEMORY_MB = 64
// Resets on one client connection before it is asked to reconnect, as a share of its stream cap: well under it (see
// #onSession), as 100 of 256 streams proved under load.
const HTTP2_RESETS_BEFORE_GOAWAY_SHARE = 0.4
// Node's default of 128 pairs is below what HTTP/1.1 clients may send (Node allows 2000); the byte limit is the real
// bound, so both protocols accept the same heads.
const HTTP2_MAX_HEADER_LIST_PAIRS = 2000

export interface Http2SessionsOptions {
  readonly maxRequestHeadBytes: number
  readonly maxConcurrentStreams: number
  /** An idle session gets a graceful GOAWAY after this long. */
  readonly keepAliveTimeoutMs: number
  readonly logger: Logger
  /** True once the front door is closing: a session that starts then is sent GOAWAY at once. */
  readonly closing: () => boolean
}

/** The HTTP/2 server the front door hands h2 connections to, and the sessions it holds. */
export class Http2Sessions {
  /** Receives h2 connections (`emit('connection', socket)`) and emits 'request'. */
  readonly server: Http2Server
  readonly #options: Http2SessionsOptions
  readonly #resetsBeforeGoaway: number
  readonly #sessions = new Set<ServerHttp2Session>()

  constructor(options: Http2SessionsOptions) {
    this.#options = options
    this.#resetsBeforeGoaway = Math.max(1, Math.floor(options.maxConcurrentStreams * HTTP2_RESETS_BEFORE_GOAWAY_SHARE))
    this.server = createHttp2Server({
      maxHeaderListPairs: HTTP2_MAX_HEADER_LIST_PAIRS,
      maxSessionMemory: HTTP2_MAX_SESSION_MEMORY_MB,
      settings: {
        maxConcurrentStreams: options.maxConcurrentStreams,
        initialWindowSize: HTTP2_INITIAL_WINDOW_BYTES,
        maxHeaderListSize: options.maxRequestHeadBytes,
        // RFC 8441: clients may open WebSockets with extended CONNECT (issue 18).
        enableConnectProtocol: true,
      },
    })
    this.server.on('session', this.#onSession)
    this.server.on('sessionError', this.#onSessionError)
    // An idle session gets a graceful GOAWAY: streams still open (a quiet SSE response) finish, new ones go elsewhere.
    this.server.setTimeout(options.keepAliveTimeoutMs)
    this.server.on('timeout', (session: ServerHttp2Session) => goawayGracefully(session))
  }

  /** Sends every open session a graceful GOAWAY: streams in flight finish, new ones go to a fresh connection. */
  goawayAll(): void {
    for (const session of this.#sessions) goawayGracefully(session)
  }

  destroyAll(): void {
    for (const session of this.#sessions) session.destroy()
  }

  readonly #onSession = (session: ServerHttp2Session): void => {
    this.#sessions.add(session)
    session.once('close', () => this.#sessions.delete(session))
    // Node 20 keeps a stream reset while its data still waited for the socket in the session's stream table, which
    // admits only HTTP2_MAX_CONCURRENT_STREAMS: after a few hundred resets on one connection every new stream is
    // refused (ENHANCE_YOUR_CALM), then the session fails with everything multiplexed on it. A graceful GOAWAY moves
    // the client to a fresh connection long before; requests in flight finish.
    let resets = 0
    session.on('stream', (stream: ServerHttp2Stream) => {
      stream.once('close', () => {
        if (stream.rstCode !== http2Constants.NGHTTP2_NO_ERROR && ++resets === this.#resetsBeforeGoaway) {
          goawayGracefully(session)
        }
      })
    })
    session.once('connect', () => session.setLocalWindowSize(HTTP2_CONNECTION_WINDOW_BYTES))
    if (this.#options.closing()) goawayGracefully(session)
  }

  // Node's server listens for every session's 'error' and re-emits it here: each session error is logged once.
  readonly #onSessionError = (error: Error): void => {
    this.#options.logger.debug({ err: error }, 'client HTTP/2 session error')
  }
}
