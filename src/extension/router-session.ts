// Owns one ClientHttp2Session to the router (h2c prior knowledge or TLS + ALPN h2, optionally pinned); every way it
// can die ends in one #lose() that reports once to its owner (grpc-js transport). Touches only its own socket.
import { type ClientHttp2Session, type ClientHttp2Stream, connect as connectHttp2, constants } from 'node:http2'
import { isIP, connect as netConnect, type Socket } from 'node:net'
import { type TLSSocket, connect as tlsConnect } from 'node:tls'
import {
  ControlRequestTimeoutError,
  RouterCertificateMismatchError,
  RouterConnectTimeoutError,
  RouterSessionLostError,
  type SessionLossReason,
} from './errors.js'

const CLOSE_GRACE_MS = 1_000

/** Where and how to reach the router for one invoke. */
export interface RouterTarget {
  /** The DispatcherUrl; only its scheme, host and port are used, as the Rust extension does. */
  readonly url: URL
  /** Pin: the SHA-256 fingerprint of the router's certificate, hex without colons, upper-case. */
  readonly certSha256: string | undefined
  /** Without a pin: verify the chain and host name (true) or accept any certificate like the original (false). */
  readonly tlsVerify: boolean
}

export interface SessionSettings {
  readonly connectTimeoutMs: number
  readonly headersTimeoutMs: number
  readonly pingTimeoutMs: number
  readonly streamWindowBytes: number
  readonly sessionWindowBytes: number
  readonly maxSessionMemoryMb: number
}

/** `connecting` until the router's first SETTINGS frame; `open()` returns only sessions that got that far. */
export type SessionState = 'connecting' | 'ready' | 'draining' | 'lost'

/**
 * Resets `stream` with RST_STREAM so the router fails it at once. Not `stream.close(code)`: Node 20 ends the writable
 * side first, so a peer that already sent END_STREAM sees a clean, empty end instead of a reset. `destroy(error)`
 * forces the RST_STREAM (code INTERNAL_ERROR; Node maps only its internal AbortError to CANCEL).
 */
export function resetStream(stream: ClientHttp2Stream, why: string): void {
  if (!stream.destroyed) stream.destroy(new Error(why))
}

/**
 * Resets `stream` with RST_STREAM REFUSED_STREAM alone: RFC 9113 §8.7, nothing of the request it carries was
 * processed, so the router may send it elsewhere. `close(code)` would end our writable side first (Node 20 ends it
 * before the RST_STREAM and flushes the END_STREAM ahead of it), and the router would read an empty, clean response
 * end before the refusal: the stream's own `_final` is skipped so only the RST_STREAM leaves.
 */
export function refuseStream(stream: ClientHttp2Stream): void {
  if (stream.destroyed || stream.closed) return
  ;(stream as unknown as { _final: (callback: () => void) => void })._final = (callback) => callback()
  stream.close(constants.NGHTTP2_REFUSED_STREAM)
}

/** `AB:CD:…` or `abcd…` → `ABCD…`, for comparing fingerprints. */
export function normalizeFingerprint(text: string): string {
  return text.replaceAll(':', '').toUpperCase()
}

/** One HTTP/2 session. Not reused across invokes; replaced whenever it is lost. */
export class RouterSession {
  readonly id: number
  readonly #session: ClientHttp2Session
  readonly #settings: SessionSettings
  readonly #onLost: (error: RouterSessionLostError) => void
  #state: SessionState = 'connecting'
  #aliveCheck: Promise<boolean> | undefined
  /** Set while `connecting`: ends the connect attempt with this error instead of reporting a loss. */
  #onConnectFailed: ((error: Error) => void) | undefined

  /**
   * One connect attempt, no retry: TCP, TLS (verified or pinned before any HTTP/2 byte is sent) and the router's first
   * SETTINGS frame, all within `connectTimeoutMs`. Rejects with RouterConnectTimeoutError naming the phase that ran
   * out of time, or with the connection's error.
   */
  static async open(
    id: number,
    target: RouterTarget,
    settings: SessionSettings,
    onLost: (error: RouterSessionLostError) => void,
  ): Promise<RouterSession> {
    const startedAtMs = performance.now()
    const socket = await connectSocket(target, settings.connectTimeoutMs)
    const session = connectHttp2(target.url.origin, {
      createConnection: () => socket,
      settings: { enablePush: false, initialWindowSize: settings.streamWindowBytes },
      maxSessionMemory: settings.maxSessionMemoryMb,
      // Until the router's SETTINGS arrive; channels + ping + close must fit (original-protocol.md §3.3).
      peerMaxConcurrentStreams: 1000,
    })
    const routerSession = new RouterSession(id, session, settings, onLost)
    const remainingMs = Math.max(0, settings.connectTimeoutMs - (performance.now() - startedAtMs))
    await routerSession.#awaitRouterSettings(target.url.origin, remainingMs)
    return routerSession
  }

  private constructor(
    id: number,
    session: ClientHttp2Session,
    settings: SessionSettings,
    onLost: (error: RouterSessionLostError) => void,
  ) {
    this.id = id
    this.#session = session
    this.#settings = settings
    this.#onLost = onLost
    // Node 20 defaults cap a connection at 64 KiB in flight; the connection window can only grow after connect.
    session.once('connect', () => session.setLocalWindowSize(settings.sessionWindowBytes))
    session.on('goaway', (errorCode: number, lastStreamId: number) => {
      this.#lose('goaway', `GOAWAY code ${errorCode}, last stream ${lastStreamId}`)
      session.close()
    })
    session.on('error', (error: Error) => this.#lose('error', error.message, error))
    session.once('close', () => this.#lose('closed', 'the connection closed'))
  }

  get state(): SessionState {
    return this.#state
  }

  /**
   * RFC 9113 §3.4: the server's connection preface is a SETTINGS frame, sent at once. A TCP connect alone proves only
   * that something listens; a peer that accepts and stays silent (a wrong port, a stuck proxy, a frozen router) would
   * otherwise take the channels and leave them waiting for HEADERS until the PING check, on every reconnect.
   */
  #awaitRouterSettings(routerUrl: string, remainingMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        settle(new RouterConnectTimeoutError(routerUrl, 'http2-settings', this.#settings.connectTimeoutMs))
        this.#state = 'lost'
        this.#session.destroy()
      }, remainingMs)
      const onSettings = (): void => {
        if (this.#state === 'connecting') this.#state = 'ready'
        settle(undefined)
      }
      const settle = (error: Error | undefined): void => {
        clearTimeout(timer)
        this.#onConnectFailed = undefined
        this.#session.off('remoteSettings', onSettings)
        if (error === undefined) resolve()
        else reject(error)
      }
      this.#onConnectFailed = settle
      this.#session.once('remoteSettings', onSettings)
    })
  }

  /** True while new streams may be opened on this session. */
  get isUsable(): boolean {
    return this.#state === 'ready' && !this.#session.closed && !this.#session.destroyed
  }

  /** Opens a request stream: HEADERS now, no END_STREAM (a channel POST), or with END_STREAM (ping, close). */
  request(headers: Record<string, string>, endStream: boolean): ClientHttp2Stream {
    return this.#session.request(headers, { endStream })
  }

  /**
   * Calls `onSilent` each time a stream has waited `headersTimeoutMs` for its response HEADERS. The router answers
   * these at once, so silence means the session may be dead. The caller calls the returned function on the stream's
   * response and on its close (one listener of its own each, instead of two more per stream here).
   */
  watchForResponse(onSilent: () => void): () => void {
    let timer: NodeJS.Timeout | undefined
    const arm = (): void => {
      timer = setTimeout(() => {
        onSilent()
        void this.checkAlive().then((alive) => {
          if (alive && timer !== undefined) arm()
        })
      }, this.#settings.headersTimeoutMs)
    }
    arm()
    return () => {
      clearTimeout(timer)
      timer = undefined
    }
  }

  /**
   * Sends an HTTP/2 PING. Resolves true on its ack; otherwise the session is declared lost and destroyed. This is the
   * only way to notice Node 20's silent end of a session after a peer protocol error such as DATA before HEADERS:
   * nghttp2 sends GOAWAY(PROTOCOL_ERROR) and stops reading and writing, and no JavaScript event follows.
   */
  checkAlive(): Promise<boolean> {
    if (this.#state === 'lost') return Promise.resolve(false)
    this.#aliveCheck ??= new Promise<boolean>((resolve) => {
      let answered = false
      let verdict: NodeJS.Immediate | undefined
      const timer = setTimeout(() => {
        // Timers run before I/O in each loop turn: after a busy turn (a large body, a starved CPU share) the ack may
        // already sit unread in the socket. Decide only after one more I/O poll, or a live router is declared dead
        // and every request in flight on the session is cut off.
        verdict = setImmediate(() => {
          if (answered) return
          this.destroy('ping-timeout', `no PING ack within ${this.#settings.pingTimeoutMs} ms`)
          resolve(false)
        })
      }, this.#settings.pingTimeoutMs)
      let sent: boolean
      try {
        sent = this.#session.ping((error) => {
          answered = true
          clearTimeout(timer)
          clearImmediate(verdict)
          resolve(error === null)
        })
      } catch {
        // The session closed in the meantime: not alive, and its close already reported the loss.
        sent = false
      }
      if (!sent) {
        clearTimeout(timer)
        resolve(!this.#session.destroyed)
      }
    }).finally(() => {
      this.#aliveCheck = undefined
    })
    return this.#aliveCheck
  }

  /**
   * GET `path` with END_STREAM and resolve with the response status (ping, close). The body is discarded. Rejects
   * with ControlRequestTimeoutError after `timeoutMs`, resetting the stream, or with the stream's error.
   */
  controlRequest(path: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      let stream: ClientHttp2Stream
      try {
        stream = this.request({ ':method': 'GET', ':path': path, ...headers }, true)
      } catch (error) {
        reject(error)
        return
      }
      const timer = setTimeout(() => {
        resetStream(stream, `no response within ${timeoutMs} ms`)
        reject(new ControlRequestTimeoutError(path, timeoutMs))
      }, timeoutMs)
      const stopWatching = this.watchForResponse(() => {})
      stream.once('response', (responseHeaders) => {
        clearTimeout(timer)
        stopWatching()
        stream.resume()
        resolve(Number(responseHeaders[':status']))
      })
      stream.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      stream.once('close', () => {
        clearTimeout(timer)
        stopWatching()
        reject(new Error(`${path} closed without a response (RST code ${stream.rstCode})`))
      })
    })
  }

  /** Stops opening streams here; streams in flight finish, then the connection closes. */
  retire(reason: SessionLossReason, detail: string): void {
    this.#lose(reason, detail)
    if (!this.#session.closed) this.#session.close()
  }

  /**
   * Closes gracefully: frames already queued (a reset just sent) still go out, then GOAWAY and the socket closes.
   * A session that does not finish within CLOSE_GRACE_MS is destroyed.
   */
  close(): void {
    this.#lose('closed', 'closed by the extension')
    if (this.#session.closed || this.#session.destroyed) return
    const timer = setTimeout(() => this.#session.destroy(), CLOSE_GRACE_MS).unref()
    this.#session.close(() => clearTimeout(timer))
  }

  /** Closes the connection at once; every stream on it ends. */
  destroy(reason: SessionLossReason = 'closed', detail = 'closed by the extension'): void {
    this.#lose(reason, detail)
    if (!this.#session.destroyed) this.#session.destroy()
  }

  #lose(reason: SessionLossReason, detail: string, cause?: Error): void {
    if (this.#state === 'connecting') {
      // Not a loss: the attempt fails, and whoever opened the session retries or gives up.
      this.#state = 'lost'
      this.#onConnectFailed?.(cause ?? new Error(`the router connection ended before its HTTP/2 SETTINGS (${detail})`))
      if (!this.#session.destroyed) this.#session.destroy()
      return
    }
    const wasReady = this.#state === 'ready'
    // After a GOAWAY or a retire, streams in flight may still finish here; after anything else nothing can.
    const draining = reason === 'goaway' || reason === 'stream-without-response'
    if (this.#state !== 'lost') this.#state = draining ? 'draining' : 'lost'
    if (wasReady) this.#onLost(new RouterSessionLostError(this.id, reason, detail, { cause }))
  }
}

/** Opens the TCP (and TLS) connection, bounded by `timeoutMs`; TLS is verified or pinned before HTTP/2 starts. */
function connectSocket(target: RouterTarget, timeoutMs: number): Promise<Socket | TLSSocket> {
  const { url } = target
  const secure = url.protocol === 'https:'
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const port = Number(url.port) || (secure ? 443 : 80)
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tlsConnect({
          host,
          port,
          ALPNProtocols: ['h2'],
          // RFC 6066 §3: SNI carries host names only.
          ...(isIP(host) === 0 ? { servername: host } : {}),
          rejectUnauthorized: target.certSha256 === undefined && target.tlsVerify,
        })
      : netConnect({ host, port })
    socket.setNoDelay(true)
    const fail = (error: Error): void => {
      clearTimeout(timer)
      socket.destroy()
      reject(error)
    }
    const timer = setTimeout(() => {
      const phase = secure && !socket.connecting ? 'tls' : 'tcp'
      fail(new RouterConnectTimeoutError(url.origin, phase, timeoutMs))
    }, timeoutMs)
    socket.once('error', fail)
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer)
      socket.off('error', fail)
      if (secure) {
        const tls = socket as TLSSocket
        if (tls.alpnProtocol !== 'h2') {
          fail(new Error(`the router did not negotiate h2 (ALPN: ${String(tls.alpnProtocol)})`))
          return
        }
        if (target.certSha256 !== undefined) {
          const actual = normalizeFingerprint(tls.getPeerCertificate().fingerprint256 ?? '')
          if (actual !== target.certSha256) {
            fail(new RouterCertificateMismatchError(url.origin, target.certSha256, actual))
            return
          }
        }
      }
      resolve(socket)
    })
  })
}
