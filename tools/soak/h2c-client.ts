// Sends soak requests over HTTP/2 with prior knowledge (h2c) through node:http2, spread over a few sessions that are
// replaced when they die. Each request streams its upload with back-pressure, checks the response as it arrives,
// and stops at a planned abort (RST_STREAM CANCEL) or at the soak's timeout.
import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants as http2 } from 'node:http2'
import type { BodyCheck } from './body-check.js'
import type { Observation } from './outcome.js'
import type { RequestPlan } from './request-mix.js'
import { describeError, uploadPieces } from './upload.js'

// Larger than Node's 64 KiB defaults so multi-MiB bodies are not paced by window updates (DESIGN.md §6).
const STREAM_WINDOW_BYTES = 1024 * 1024
const SESSION_WINDOW_BYTES = 16 * 1024 * 1024
const MAX_REFUSED_RETRIES = 3

export class H2cClient {
  readonly #origin: string
  readonly #sessions: Array<ClientHttp2Session | undefined>
  #next = 0
  #closed = false

  constructor(origin: string, sessionCount: number) {
    this.#origin = origin
    this.#sessions = new Array(Math.max(1, sessionCount)).fill(undefined)
  }

  /** Requests sent again because the server refused their stream unprocessed (REFUSED_STREAM, RFC 9113 §8.7). */
  refusedRetries = 0

  /**
   * Sends one request. A stream refused with REFUSED_STREAM (it raced a graceful GOAWAY) was not processed, so it is
   * sent again on a fresh session, as any HTTP/2 client would; up to MAX_REFUSED_RETRIES times.
   */
  async execute(
    plan: RequestPlan,
    upload: Buffer | undefined,
    check: BodyCheck,
    timeoutMs: number,
  ): Promise<Observation> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(plan, upload, check, timeoutMs, attempt < MAX_REFUSED_RETRIES)
      if (!outcome.refused) return outcome.observation
      this.refusedRetries++
    }
  }

  #attempt(
    plan: RequestPlan,
    upload: Buffer | undefined,
    check: BodyCheck,
    timeoutMs: number,
    mayRetry: boolean,
  ): Promise<{ refused: false; observation: Observation } | { refused: true }> {
    return new Promise((resolve) => {
      let timedOut = false
      let abortedAsPlanned = false
      let status: number | undefined
      let ended = false
      let error: string | undefined
      let stream: ClientHttp2Stream
      const headers: Record<string, string> = { ':method': plan.method, ':path': plan.target }
      if (upload !== undefined && plan.declaresLength) headers['content-length'] = String(upload.length)
      try {
        stream = this.#session().request(headers, { endStream: upload === undefined || upload.length === 0 })
      } catch (caught) {
        resolve({
          observation: {
            status,
            body: check.result(),
            ended,
            abortedAsPlanned,
            error: describeError(caught),
            timedOut,
          },
          refused: false,
        })
        return
      }
      const timer = setTimeout(() => {
        timedOut = true
        stream.close(http2.NGHTTP2_CANCEL)
      }, timeoutMs)
      const abortNow = (): void => {
        abortedAsPlanned = true
        stream.close(http2.NGHTTP2_CANCEL)
      }
      const downloadStop = plan.abort?.side === 'download' ? plan.abort.afterBytes : undefined
      stream.on('response', (responseHeaders) => {
        status = Number(responseHeaders[':status'])
      })
      stream.on('data', (chunk: Buffer) => {
        if (abortedAsPlanned || timedOut) return
        check.push(chunk)
        if (downloadStop !== undefined && check.receivedBytes >= downloadStop) abortNow()
      })
      stream.on('end', () => {
        if (!abortedAsPlanned && !timedOut) ended = true
      })
      stream.on('error', (caught: Error) => {
        if (!abortedAsPlanned && !timedOut) error ??= describeError(caught)
      })
      stream.on('close', () => {
        clearTimeout(timer)
        // Refused before anything came back: the server never saw it, and the check has consumed nothing yet.
        const refused =
          stream.rstCode === http2.NGHTTP2_REFUSED_STREAM && status === undefined && check.receivedBytes === 0
        if (refused && mayRetry) {
          resolve({ refused: true })
          return
        }
        if (!abortedAsPlanned && !timedOut && error === undefined && stream.rstCode !== http2.NGHTTP2_NO_ERROR) {
          error = `stream closed with RST_STREAM code ${stream.rstCode}`
        }
        if (!abortedAsPlanned && !timedOut && error === undefined && !ended) {
          error = 'stream closed before the response ended'
        }
        resolve({
          observation: { status, body: check.result(), ended, abortedAsPlanned, error, timedOut },
          refused: false,
        })
      })
      if (upload !== undefined && upload.length > 0) {
        const stopAfter = plan.abort?.side === 'upload' ? plan.abort.afterBytes : undefined
        void writeUpload(stream, upload, stopAfter, abortNow)
      }
    })
  }

  /** Closes every session; requests still open on them end with an error. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(
      this.#sessions.map(
        (session) =>
          new Promise<void>((resolve) => {
            if (session === undefined || session.destroyed) {
              resolve()
              return
            }
            session.close(() => resolve())
            session.destroy()
          }),
      ),
    )
  }

  #session(): ClientHttp2Session {
    if (this.#closed) throw new Error('the h2c client is closed')
    const index = this.#next++ % this.#sessions.length
    const current = this.#sessions[index]
    if (current !== undefined && !current.closed && !current.destroyed) return current
    const session = connect(this.#origin, { settings: { initialWindowSize: STREAM_WINDOW_BYTES } })
    // Session errors reach every open stream as stream errors; the session is replaced on next use.
    session.on('error', () => {})
    session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW_BYTES))
    this.#sessions[index] = session
    return session
  }
}

// Writes with back-pressure; stops at the planned byte with a CANCEL so the router sees a cut-off upload.
async function writeUpload(
  stream: ClientHttp2Stream,
  upload: Buffer,
  stopAfter: number | undefined,
  abortNow: () => void,
): Promise<void> {
  for (const piece of uploadPieces(upload, stopAfter)) {
    if (stream.destroyed || stream.closed) return
    if (!stream.write(piece)) await drainedOrClosed(stream)
  }
  if (stream.destroyed || stream.closed) return
  if (stopAfter !== undefined) abortNow()
  else stream.end()
}

function drainedOrClosed(stream: ClientHttp2Stream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
  })
}
