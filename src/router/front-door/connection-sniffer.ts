// ConnectionSniffer: the one place that relies on Node's undocumented or private HTTP internals. It takes the plain
// port's connections from Node's HTTP/1.1 server, tells h2c from HTTP/1.1 by the first bytes (within an absolute
// deadline from the first byte; idle before it), and hands each socket to the server for its protocol. Owns one timer
// per undecided connection.
import type { Server as HttpServer } from 'node:http'
import type { Http2Server } from 'node:http2'
import { Server as NetServer, type Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { classifyConnection } from './preface.js'

/** Routes a front door's connections to its HTTP/1.1 or HTTP/2 server. */
export class ConnectionSniffer {
  readonly #http2: Http2Server
  readonly #handOffHttp1: (socket: Socket) => void
  readonly #prefaceTimeoutMs: number
  readonly #idleTimeoutMs: number
  readonly #onPrefaceTimeout: () => void
  // Plain connections whose protocol is not known yet: no server owns them, so destroyUndecided() ends them.
  readonly #sniffing = new Set<Socket>()

  /**
   * Takes over `http1`'s 'connection' event: from now on its plain connections are sniffed first. `onPrefaceTimeout`
   * is called (must not throw) for each connection closed because its protocol did not show within
   * `prefaceTimeoutMs` of its first byte. A connection silent for `idleTimeoutMs` from accept is ended with a FIN.
   */
  constructor(
    http1: HttpServer,
    http2: Http2Server,
    options: {
      readonly prefaceTimeoutMs: number
      readonly idleTimeoutMs: number
      readonly onPrefaceTimeout: () => void
    },
  ) {
    this.#http2 = http2
    this.#prefaceTimeoutMs = options.prefaceTimeoutMs
    this.#idleTimeoutMs = options.idleTimeoutMs
    this.#onPrefaceTimeout = options.onPrefaceTimeout
    // Node's own connection listener is what `emit('connection')` reaches (documented for injecting sockets); the
    // plain port first decides which protocol a connection speaks, then hands it to HTTP/1.1 or HTTP/2.
    const http1Listeners = http1.listeners('connection') as ((socket: Socket) => void)[]
    http1.removeAllListeners('connection')
    this.#handOffHttp1 = (socket) => {
      for (const listener of http1Listeners) listener.call(http1, socket)
    }
    http1.on('connection', this.#sniff)
  }

  /** A TLS connection's protocol was chosen by ALPN: it goes straight to its server. */
  readonly handOffSecure = (socket: TLSSocket): void => {
    if (socket.alpnProtocol === 'h2') this.#http2.emit('connection', socket)
    else this.#handOffHttp1(socket)
  }

  /** Destroys every connection still being sniffed (the servers do not know them yet). */
  destroyUndecided(): void {
    for (const socket of this.#sniffing) socket.destroy()
  }

  // Reads just enough of a new plain connection to tell h2c prior knowledge (RFC 9113 §3.4) from HTTP/1.1, then
  // gives the socket, with those bytes put back, to the server for its protocol. Two bounds:
  // - Before its first byte the connection is idle, as a keep-alive connection between requests is: clients open
  //   connections ahead of their first request (undici's pools, browsers' preconnect), so it is held for the idle
  //   timeout, then ended with a FIN. Closing it at the short preface bound instead raced the client's first request:
  //   data arriving as the socket was destroyed made the kernel answer with a reset (ECONNRESET at the client).
  // - From the first byte, the preface deadline is absolute: an idle timer would let a peer that trickles the
  //   preface a byte at a time hold the connection forever.
  readonly #sniff = (socket: Socket): void => {
    let seen: Buffer | undefined
    const giveUp = (): void => {
      cleanup()
      socket.destroy()
    }
    const onIdle = (): void => {
      cleanup()
      socket.end(() => socket.destroy())
    }
    const onDeadline = (): void => {
      this.#onPrefaceTimeout()
      giveUp()
    }
    let deadline = setTimeout(onIdle, this.#idleTimeoutMs)
    const cleanup = (): void => {
      this.#sniffing.delete(socket)
      clearTimeout(deadline)
      socket.removeListener('data', onData)
      socket.removeListener('end', giveUp)
      socket.removeListener('error', giveUp)
      socket.removeListener('close', cleanup)
    }
    const onData = (chunk: Buffer): void => {
      if (seen === undefined) {
        clearTimeout(deadline)
        deadline = setTimeout(onDeadline, this.#prefaceTimeoutMs)
      }
      seen = seen === undefined ? chunk : Buffer.concat([seen, chunk])
      const kind = classifyConnection(seen)
      if (kind === 'undecided') return
      cleanup()
      if (kind === 'h2') {
        // The session reads what is buffered on its first tick, then takes the socket's handle (Node reads the
        // stream's buffer in ServerHttp2Session's constructor); paused, the stream does not emit it to nobody.
        socket.pause()
        socket.unshift(seen)
        this.#http2.emit('connection', socket)
        return
      }
      // Still flowing: the bytes put back are emitted to the HTTP/1.1 parser's 'data' listener right after this
      // handler returns, before any later read can reach the handle the parser consumes.
      socket.unshift(seen)
      this.#handOffHttp1(socket)
    }
    this.#sniffing.add(socket)
    socket.on('data', onData)
    socket.once('end', giveUp)
    socket.once('error', giveUp)
    socket.once('close', cleanup)
  }
}

/**
 * Stops `server` accepting, and nothing else. http.Server's close would also run closeIdleConnections, and Node 20
 * counts a connection as idle once its request is fully read, even while its response is still streaming: that would
 * cut off the very requests shutdown lets finish.
 */
export function stopAccepting(server: NetServer): void {
  NetServer.prototype.close.call(server)
}

/** True when a response has started on this HTTP/1.1 connection (Node's private `socket._httpMessage`). */
export function responseStartedOn(socket: Socket): boolean {
  return (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true
}
