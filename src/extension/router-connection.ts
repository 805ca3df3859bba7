// One invoke's link to the router: the current RouterSession, replaced when lost (bounded connect attempts, backoff
// after losses without progress), and the requests that carry the instance's identity (channel POST headers, ping,
// close). Owns every session it opens and its backoff waits; close() ends them all. Touches only its sessions; every
// state change goes through #transition().
import { delay } from '../common/index.js'
import {
  CAPABILITY_WEBSOCKET,
  channelPath,
  closePath,
  HEADER_CAPABILITIES,
  HEADER_CHANNEL_ID,
  HEADER_CHANNEL_TOKEN,
  HEADER_LAMBDA_ID,
  HEADER_POOL_ID,
  pingPath,
  TUNNEL_CONTENT_TYPE,
} from '../protocol/index.js'
import { type ExtensionError, type RouterSessionLostError, RouterUnreachableError } from './errors.js'
import { connectAttemptTimeoutMs, MAX_SESSION_LOSSES_WITHOUT_PROGRESS, reconnectDelayMs } from './lifetime.js'
import { canTransition, type RouterConnectionState } from './router-connection-states.js'
import { RouterSession, type RouterTarget, type SessionSettings } from './router-session.js'
import type { ExtensionTelemetry } from './telemetry.js'

// The original router may hold a /close answer up to 5 s while it starts a replacement (original-protocol.md §6.2).
const CLOSE_RESPONSE_TIMEOUT_MS = 10_000
const CONNECT_RETRY_DELAY_MS = 100

export interface RouterConnectionOptions {
  readonly poolId: string
  readonly lambdaId: string
  /** The router's per-invoke secret, sent on every control request; absent from the original router (none is sent). */
  readonly channelToken: string | undefined
  readonly target: RouterTarget
  readonly settings: SessionSettings
  /** Connect attempts per session (LAMBDA_DISPATCH_ROUTER_CONNECT_ATTEMPTS). */
  readonly connectAttempts: number
  /** Epoch ms from which no connect attempt starts: the invoke takes no more requests then. */
  readonly stopConnectingAtMs: number
  /** How long a ping waits for its answer: the ping interval. */
  readonly pingTimeoutMs: number
  readonly telemetry: ExtensionTelemetry
  /** Sessions were lost too often without a channel opening in between; the invoke should end. Must not throw. */
  readonly onGiveUp: (lost: RouterSessionLostError) => void
}

export class RouterConnection {
  readonly #options: RouterConnectionOptions
  readonly #tokenHeader: Readonly<Record<string, string>>
  readonly #sessions = new Set<RouterSession>()
  readonly #channelHeaders = new Map<string, Record<string, string>>()
  // Aborted when the connection stops opening sessions: cuts backoff waits short.
  readonly #stopConnecting = new AbortController()
  #state: RouterConnectionState = 'active'
  #session: RouterSession | undefined
  #connecting: Promise<RouterSession> | undefined
  #nextSessionId = 1
  #lossesWithoutProgress = 0
  #dateSecond = -1
  #dateText = ''

  constructor(options: RouterConnectionOptions) {
    this.#options = options
    this.#tokenHeader = options.channelToken === undefined ? {} : { [HEADER_CHANNEL_TOKEN]: options.channelToken }
  }

  get state(): RouterConnectionState {
    return this.#state
  }

  /** The live session if it takes new streams now; undefined when acquire() would have to connect. */
  liveSession(): RouterSession | undefined {
    const current = this.#session
    return current?.isUsable ? current : undefined
  }

  /** The live session, connecting (with bounded retries) when needed; rejects when the router is unreachable. */
  acquire(): Promise<RouterSession> {
    const current = this.#session
    if (current?.isUsable) return Promise.resolve(current)
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined
    })
    return this.#connecting
  }

  /**
   * The HTTP/2 request headers of a channel POST (original-protocol.md §3.5). Made once per channel and reused by its
   * every POST (Node copies them into each stream); only `date` changes, once a second. Callers must not modify them.
   */
  channelHeaders(channelId: string): Readonly<Record<string, string>> {
    const date = this.#httpDate()
    let headers = this.#channelHeaders.get(channelId)
    if (headers === undefined) {
      headers = {
        ':method': 'POST',
        ':path': channelPath(this.#options.lambdaId, channelId),
        date,
        'content-type': TUNNEL_CONTENT_TYPE,
        [HEADER_POOL_ID]: this.#options.poolId,
        [HEADER_LAMBDA_ID]: this.#options.lambdaId,
        [HEADER_CHANNEL_ID]: channelId,
        // Additive (issue 18): this extension tunnels WebSockets; the original router ignores the header.
        [HEADER_CAPABILITIES]: CAPABILITY_WEBSOCKET,
        ...this.#tokenHeader,
      }
      this.#channelHeaders.set(channelId, headers)
    } else {
      headers.date = date
    }
    return headers
  }

  /** GET /ping on the live session; resolves with the router's status. */
  ping(): Promise<number> {
    return this.acquire().then((session) => this.#controlRequest(session, 'ping'))
  }

  /** GET /close on the live session (connecting if needed); resolves with the router's status. */
  async requestClose(): Promise<number> {
    return this.#controlRequest(await this.acquire(), 'close')
  }

  /** A channel opened: the router is serving, so the losses so far no longer count towards giving up. */
  noteProgress(): void {
    this.#lossesWithoutProgress = 0
  }

  /** Opens no new session from now on; the live one keeps serving. */
  drain(): void {
    this.#transition(['active'], 'draining')
  }

  /** As drain(), and losses are no longer reported: the invoke is ending anyway. */
  abandon(): void {
    this.#transition(['active', 'draining'], 'abandoned')
  }

  /** Closes every session gracefully (frames already queued, such as a reset just sent, still go out). */
  close(): void {
    this.#transition(['active', 'draining', 'abandoned'], 'closed')
    // Every session, also one whose connect finished after an earlier close().
    for (const session of this.#sessions) session.close()
    this.#sessions.clear()
  }

  // The one place #state changes: false, and nothing changed, unless the state is in `from` and the table allows
  // the move. Leaving `active` for good stops every connect attempt and backoff wait.
  #transition(from: readonly RouterConnectionState[], to: RouterConnectionState): boolean {
    const previous = this.#state
    if (!from.includes(previous) || !canTransition(previous, to)) return false
    this.#state = to
    switch (to) {
      case 'active':
        throw new Error('BUG: no transition leads back to active')
      case 'draining':
      case 'abandoned':
      case 'closed':
        this.#stopConnecting.abort()
        break
      default: {
        const unreachable: never = to
        throw new Error(`unknown router connection state ${String(unreachable)}`)
      }
    }
    return true
  }

  async #connect(): Promise<RouterSession> {
    const options = this.#options
    const signal = this.#stopConnecting.signal
    if (this.#lossesWithoutProgress > 0) {
      await delay(reconnectDelayMs(this.#lossesWithoutProgress), signal).catch(() => {})
    }
    const origin = options.target.url.origin
    let lastError: Error | undefined
    let attempt = 0
    let timeoutMs = options.settings.connectTimeoutMs
    for (;;) {
      const next = connectAttemptTimeoutMs({
        attempt: attempt + 1,
        attempts: options.connectAttempts,
        baseTimeoutMs: options.settings.connectTimeoutMs,
        nowMs: Date.now(),
        stopAtMs: options.stopConnectingAtMs,
      })
      if (next === undefined || signal.aborted) break
      attempt++
      timeoutMs = next
      try {
        const settings = { ...options.settings, connectTimeoutMs: timeoutMs }
        const session = await RouterSession.open(this.#nextSessionId++, options.target, settings, (lost) =>
          this.#onSessionLost(lost),
        )
        this.#sessions.add(session)
        this.#session = session
        options.telemetry.sessionOpened(session.id, origin)
        return session
      } catch (error) {
        lastError = error as Error
        options.telemetry.sessionConnectFailed(attempt, options.connectAttempts, lastError)
        // A certificate that does not match the pin will not match on the next attempt either.
        if ((error as ExtensionError).code === 'LD_ROUTER_CERT_MISMATCH') {
          throw new RouterUnreachableError(origin, attempt, timeoutMs, { cause: error })
        }
        if (attempt < options.connectAttempts) await delay(CONNECT_RETRY_DELAY_MS * attempt, signal).catch(() => {})
      }
    }
    throw new RouterUnreachableError(origin, attempt, timeoutMs, { cause: lastError })
  }

  #onSessionLost(lost: RouterSessionLostError): void {
    if (this.#session?.id === lost.sessionId) this.#session = undefined
    if (this.#state === 'abandoned' || this.#state === 'closed') return
    this.#options.telemetry.sessionLost(lost)
    this.#lossesWithoutProgress++
    if (this.#lossesWithoutProgress > MAX_SESSION_LOSSES_WITHOUT_PROGRESS) this.#options.onGiveUp(lost)
  }

  #controlRequest(session: RouterSession, kind: 'ping' | 'close'): Promise<number> {
    const { lambdaId, poolId } = this.#options
    const path = kind === 'ping' ? pingPath(lambdaId) : closePath(lambdaId)
    const timeoutMs = kind === 'ping' ? this.#options.pingTimeoutMs : CLOSE_RESPONSE_TIMEOUT_MS
    const headers = {
      date: this.#httpDate(),
      [HEADER_POOL_ID]: poolId,
      [HEADER_LAMBDA_ID]: lambdaId,
      ...this.#tokenHeader,
    }
    return session.controlRequest(path, headers, timeoutMs)
  }

  // RFC 9110 §5.6.7 IMF-fixdate, formatted once per second.
  #httpDate(): string {
    const nowMs = Date.now()
    const second = Math.floor(nowMs / 1000)
    if (second !== this.#dateSecond) {
      this.#dateSecond = second
      this.#dateText = new Date(nowMs).toUTCString()
    }
    return this.#dateText
  }
}
