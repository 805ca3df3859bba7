// The control channel's HTTP/2 tuning (DESIGN.md §6) and the keep-alive PING that finds dead sessions. Touches one
// session per call and owns its timer.
import type { Http2Session } from 'node:http2'

/** HTTP/2 tuning of the control channel (DESIGN.md §6: Node's 64 KiB default windows cap a connection's throughput). */
export interface ControlHttp2Settings {
  /** Per-stream receive window announced in SETTINGS. */
  readonly initialWindowSize: number
  /** Connection receive window, raised with `session.setLocalWindowSize` on every session. */
  readonly connectionWindowSize: number
  /** nghttp2's per-session memory cap, in MB (Node's default of 10 refuses streams under load). */
  readonly maxSessionMemoryMb: number
  /** Must exceed an instance's channel count + 2 (its ping and close share the connection). */
  readonly maxConcurrentStreams: number
  /** How often the router PINGs each session to find connections that died without a close (see #keepAlive). */
  readonly keepAlivePingIntervalMs: number
  /** A session whose PING is not answered within this is destroyed and its channels are lost. */
  readonly keepAlivePingTimeoutMs: number
}

export const DEFAULT_CONTROL_HTTP2_SETTINGS: ControlHttp2Settings = Object.freeze({
  initialWindowSize: 4 * 1024 * 1024,
  connectionWindowSize: 32 * 1024 * 1024,
  maxSessionMemoryMb: 64,
  maxConcurrentStreams: 1000,
  // Extensions ping every 5 s anyway; one PING frame per session and interval costs nothing.
  keepAlivePingIntervalMs: 5_000,
  keepAlivePingTimeoutMs: 3_000,
})

/**
 * nghttp2 answers a peer's protocol error (DATA on an idle stream, a bad frame size) with GOAWAY, and Node then only
 * stops reading the connection, with no event: the socket is never closed (RFC 9113 §5.4.1 wants it closed) and
 * not even the peer's FIN is read, so the session, its socket and its parked channels would stay until the router
 * closes, and every request sent to such a channel would wait out its head timeout. A PING that gets no answer finds
 * such a session (nothing leaves it any more); destroying it closes its channels as lost. Any byte read from the
 * session since the PING went out also proves it alive: an extension starved of CPU answers late, but its responses
 * still arrive, and destroying its session would fail every request it carries. `onUnanswered` hears of a live
 * session that stopped answering, just before it is destroyed. Owns one timer per session, cleared on 'close'.
 */
export function keepSessionAlive(
  session: Http2Session,
  settings: Pick<ControlHttp2Settings, 'keepAlivePingIntervalMs' | 'keepAlivePingTimeoutMs'>,
  onUnanswered: (timeoutMs: number) => void,
): void {
  const { keepAlivePingIntervalMs, keepAlivePingTimeoutMs } = settings
  let timer: NodeJS.Timeout | undefined
  let answered = false
  let bytesReadAtProbe = 0
  // Judged one poll phase later: after an event-loop stall the expired timer runs before the socket is read, and an
  // answer already waiting there must still count.
  const onDeadline = (): void => {
    setImmediate(() => {
      if (answered || session.destroyed) return
      if (session.socket.bytesRead > bytesReadAtProbe && !session.closed) {
        probe()
        return
      }
      // A session closing gracefully that stops answering is just destroyed; only a live one is an error.
      if (!session.closed) onUnanswered(keepAlivePingTimeoutMs)
      session.destroy()
    })
  }
  const probe = (): void => {
    if (session.closed || session.destroyed) return
    answered = false
    bytesReadAtProbe = session.socket.bytesRead
    timer = setTimeout(onDeadline, keepAlivePingTimeoutMs)
    session.ping((err) => {
      // A cancelled PING means the session is going away anyway; its 'close' clears the timer.
      if (err !== null) return
      answered = true
      clearTimeout(timer)
      timer = setTimeout(probe, keepAlivePingIntervalMs)
    })
  }
  timer = setTimeout(probe, keepAlivePingIntervalMs)
  session.once('close', () => clearTimeout(timer))
}
