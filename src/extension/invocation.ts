// One invoke: the router session(s), N channel loops, the pinger and the lifetime timers (idle close, deadline close,
// drain, hard stop), until the last channel ends. Owns every timer and session it creates; close paths reset streams.
import { randomUUID } from 'node:crypto'
import { delay } from '../common/index.js'
import {
  channelPath,
  closePath,
  type ExitReason,
  HEADER_CHANNEL_ID,
  HEADER_CHANNEL_TOKEN,
  HEADER_LAMBDA_ID,
  HEADER_POOL_ID,
  type HeadLimits,
  pingPath,
  type RequestHead,
  TUNNEL_CONTENT_TYPE,
  type WaiterRequest,
  type WaiterResponse,
} from '../protocol/index.js'
import { type ChannelHost, ChannelLoop, type RequestEnd } from './channel-loop.js'
import type { ExtensionConfig } from './config.js'
import {
  AppUnreachableError,
  ChannelEndedWithoutResponseError,
  type ExtensionError,
  type RouterSessionLostError,
  RouterUnreachableError,
} from './errors.js'
import {
  closeMarginMs,
  connectAttemptTimeoutMs,
  decideIdle,
  effectiveDeadlineMs,
  exitReasonForRouterStatus,
  functionTimeoutMs,
  hardStopMarginMs,
  MAX_SESSION_LOSSES_WITHOUT_PROGRESS,
  mergeExitReason,
  reconnectDelayMs,
  refuseMarginMs,
} from './lifetime.js'
import { Pinger, pingVerdict } from './pinger.js'
import type { ReadinessProbe } from './readiness.js'
import type { AppClient } from './relay.js'
import { normalizeFingerprint, RouterSession, type RouterTarget, type SessionSettings } from './router-session.js'
import type { ExtensionTelemetry } from './telemetry.js'

/** What every invoke shares with the process: settings, the app pool, the app liveness probe and the logger. */
export interface InvocationContext {
  readonly config: ExtensionConfig
  readonly app: AppClient
  /** Answers "does the app still accept connections?" after an app request failed. */
  readonly appAlive: ReadinessProbe
  readonly telemetry: ExtensionTelemetry
}

export type InvocationState = 'running' | 'closing' | 'draining' | 'aborting' | 'done'

export interface InvocationOutcome {
  readonly response: WaiterResponse
  /** Set when the invoke must fail through the Runtime API's /error (the app is gone): the environment is useless. */
  readonly fatalError: ExtensionError | undefined
}

// The original router may hold a /close answer up to 5 s while it starts a replacement (original-protocol.md §6.2).
const CLOSE_RESPONSE_TIMEOUT_MS = 10_000
// SHUTDOWN and SIGTERM deadlines are hard; leave time to post the result before them.
const SHUTDOWN_SAFETY_MS = 300
const CONNECT_RETRY_DELAY_MS = 100

export class Invocation implements ChannelHost {
  readonly poolId: string
  readonly lambdaId: string
  readonly compression: boolean
  readonly forwardInternalHeaders: boolean
  readonly headLimits: HeadLimits
  readonly headersTimeoutMs: number
  readonly app: AppClient
  readonly telemetry: ExtensionTelemetry
  readonly deadlineMs: number
  readonly #context: InvocationContext
  readonly #target: RouterTarget
  readonly #sessionSettings: SessionSettings
  readonly #channels: ChannelLoop[]
  readonly #pinger: Pinger
  readonly #stop = new AbortController()
  readonly #closeMarginMs: number
  readonly #idleGraceMs: number
  // The router's per-invoke secret, sent on every control request; absent from the original router (then none is sent).
  readonly #tokenHeader: Readonly<Record<string, string>>
  #state: InvocationState = 'running'
  #exitReason: ExitReason | undefined
  #fatalError: ExtensionError | undefined
  #session: RouterSession | undefined
  readonly #sessions = new Set<RouterSession>()
  #connecting: Promise<RouterSession> | undefined
  #nextSessionId = 1
  #lossesWithoutProgress = 0
  #requestCount = 0
  #lastActiveAtMs = 0
  #appCheck: Promise<void> | undefined
  #idleTimer: NodeJS.Timeout | undefined
  #idleRecheck: NodeJS.Immediate | undefined
  #deadlineTimer: NodeJS.Timeout | undefined
  #refuseTimer: NodeJS.Timeout | undefined
  #hardStopTimer: NodeJS.Timeout | undefined
  #hardStopAtMs = Number.POSITIVE_INFINITY
  #drainTimer: NodeJS.Timeout | undefined
  #dateSecond = -1
  #dateText = ''

  /** `lambdaDeadlineMs` is Lambda's deadline (epoch ms); `invokeStartMs` is Date.now() when the invoke arrived. */
  constructor(request: WaiterRequest, lambdaDeadlineMs: number, invokeStartMs: number, context: InvocationContext) {
    const config = context.config
    this.poolId = request.poolId
    this.lambdaId = request.id
    this.compression = config.compression
    this.forwardInternalHeaders = config.forwardInternalHeaders
    this.headLimits = { maxHeadBytes: config.maxHeadBytes, maxHeaderCount: config.maxHeaderCount }
    this.headersTimeoutMs = config.routerHeadersTimeoutMs
    this.app = context.app
    this.telemetry = context.telemetry
    this.#context = context
    this.deadlineMs = effectiveDeadlineMs({
      lambdaDeadlineMs,
      nowMs: invokeStartMs,
      forceDeadlineMs: config.forceDeadlineMs,
    })
    this.#closeMarginMs = closeMarginMs({
      configuredMarginMs: config.deadlineMarginMs,
      functionTimeoutMs: functionTimeoutMs({
        configuredMs: config.functionTimeoutMs,
        deadlineMs: this.deadlineMs,
        invokeStartMs,
      }),
    })
    // The router's word wins when it sent one (IdleGraceMs: it keeps this instance for MinInstances); otherwise
    // LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS, the original's 250 ms by default.
    this.#idleGraceMs = request.idleGraceMs ?? config.lastActiveGraceMs
    this.#tokenHeader = request.channelToken === undefined ? {} : { [HEADER_CHANNEL_TOKEN]: request.channelToken }
    this.#target = {
      url: new URL(request.dispatcherUrl),
      certSha256: request.routerCertSha256 === undefined ? undefined : normalizeFingerprint(request.routerCertSha256),
      tlsVerify: config.routerTlsVerify,
    }
    this.#sessionSettings = {
      connectTimeoutMs: config.routerConnectTimeoutMs,
      headersTimeoutMs: config.routerHeadersTimeoutMs,
      pingTimeoutMs: config.routerPingTimeoutMs,
      streamWindowBytes: config.streamWindowBytes,
      sessionWindowBytes: config.sessionWindowBytes,
      maxSessionMemoryMb: config.maxSessionMemoryMb,
    }
    this.#channels = Array.from({ length: request.numberOfChannels }, () => new ChannelLoop(randomUUID(), this))
    this.#pinger = new Pinger({
      intervalMs: config.pingIntervalMs,
      send: () => this.acquireSession().then((session) => this.#controlRequest(session, 'ping')),
      onStatus: (status) => this.#onPingStatus(status),
      onError: (error) => this.telemetry.pingFailed(error),
    })
  }

  get state(): InvocationState {
    return this.#state
  }

  get isStopping(): boolean {
    return this.#state !== 'running' && this.#state !== 'closing'
  }

  /** Runs every channel until the last one ends, then reports. Never rejects for network or app failures. */
  async run(): Promise<InvocationOutcome> {
    const startedAt = performance.now()
    this.#armDeadlineTimers()
    if (this.#channels.length === 0) this.#exitReason = 'SelfLastActive'
    try {
      await Promise.all(this.#channels.map((channel) => channel.run()))
    } finally {
      this.#finish()
    }
    return {
      response: {
        poolId: this.poolId,
        id: this.lambdaId,
        requestCount: this.#requestCount,
        invokeDurationMs: Math.round(performance.now() - startedAt),
        exitReason: this.#exitReason ?? 'ChannelErrorOther',
      },
      fatalError: this.#fatalError,
    }
  }

  /** SHUTDOWN or SIGTERM: ask the router to close now and reset whatever is still open shortly before `deadlineMs`. */
  shutdown(deadlineMs: number): void {
    this.#beginClose('SelfDeadline')
    this.#armHardStop(deadlineMs - SHUTDOWN_SAFETY_MS)
  }

  // ChannelHost

  acquireSession(): Promise<RouterSession> {
    const current = this.#session
    if (current?.isUsable) return Promise.resolve(current)
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined
    })
    return this.#connecting
  }

  channelHeaders(channelId: string): Record<string, string> {
    return {
      ':method': 'POST',
      ':path': channelPath(this.lambdaId, channelId),
      date: this.#httpDate(),
      'content-type': TUNNEL_CONTENT_TYPE,
      [HEADER_POOL_ID]: this.poolId,
      [HEADER_LAMBDA_ID]: this.lambdaId,
      [HEADER_CHANNEL_ID]: channelId,
      ...this.#tokenHeader,
    }
  }

  onChannelOpened(): void {
    this.#lossesWithoutProgress = 0
    this.#touch()
    this.#pinger.start()
  }

  onRequestStart(): void {
    this.#touch()
  }

  onRequestEnd(channel: ChannelLoop, end: RequestEnd, head: RequestHead): void {
    this.#requestCount++
    this.#touch()
    if (end.kind === 'complete') {
      this.telemetry.requestRelayed(channel.id, end.status, head)
    } else if (end.kind === 'app-error') {
      this.telemetry.appRequestFailed(channel.id, end.error, head)
      this.#checkApp(end.error)
    }
  }

  onGoaway(channel: ChannelLoop, via: 'status-409' | 'goaway-request'): void {
    if (!this.isStopping) this.telemetry.goaway(channel.id, via)
    this.#beginDrain('RouterGoAway')
  }

  onRouterStatus(channel: ChannelLoop, status: number): void {
    const reason = exitReasonForRouterStatus(status)
    this.telemetry.routerStatus(channel.id, status, reason)
    this.#beginClose(reason)
  }

  onStreamWithoutResponse(channel: ChannelLoop, session: RouterSession, rstCode: number, error?: Error): void {
    // Streams we reset ourselves while stopping end this way too; they are not news.
    if (this.isStopping) return
    const lost = new ChannelEndedWithoutResponseError(channel.id, session.id, rstCode)
    this.telemetry.channelEndedWithoutResponse(lost, error)
    session.retire('stream-without-response', lost.message)
  }

  onUnreachable(_channel: ChannelLoop, error: Error): void {
    if (this.#state === 'aborting' || this.#state === 'done') return
    this.telemetry.routerUnreachable(error)
    this.#fail('RouterUnreachable', undefined, false)
  }

  // Sessions

  async #connect(): Promise<RouterSession> {
    if (this.#lossesWithoutProgress > 0) {
      await delay(reconnectDelayMs(this.#lossesWithoutProgress), this.#stop.signal).catch(() => {})
    }
    const attempts = this.#context.config.routerConnectAttempts
    const stopAtMs = this.deadlineMs - refuseMarginMs(this.#closeMarginMs)
    let lastError: Error | undefined
    let attempt = 0
    let timeoutMs = this.#sessionSettings.connectTimeoutMs
    for (;;) {
      const next = connectAttemptTimeoutMs({
        attempt: attempt + 1,
        attempts,
        baseTimeoutMs: this.#sessionSettings.connectTimeoutMs,
        nowMs: Date.now(),
        stopAtMs,
      })
      if (next === undefined || this.#stop.signal.aborted) break
      attempt++
      timeoutMs = next
      try {
        const settings = { ...this.#sessionSettings, connectTimeoutMs: timeoutMs }
        const session = await RouterSession.open(this.#nextSessionId++, this.#target, settings, (lost) =>
          this.#onSessionLost(lost),
        )
        this.#sessions.add(session)
        this.#session = session
        this.telemetry.sessionOpened(session.id, this.#target.url.origin)
        return session
      } catch (error) {
        lastError = error as Error
        this.telemetry.sessionConnectFailed(attempt, attempts, lastError)
        // A certificate that does not match the pin will not match on the next attempt either.
        if ((error as ExtensionError).code === 'LD_ROUTER_CERT_MISMATCH') {
          throw new RouterUnreachableError(this.#target.url.origin, attempt, timeoutMs, { cause: error })
        }
        if (attempt < attempts) await delay(CONNECT_RETRY_DELAY_MS * attempt, this.#stop.signal).catch(() => {})
      }
    }
    throw new RouterUnreachableError(this.#target.url.origin, attempt, timeoutMs, { cause: lastError })
  }

  #onSessionLost(lost: RouterSessionLostError): void {
    if (this.#session?.id === lost.sessionId) this.#session = undefined
    if (this.#state === 'aborting' || this.#state === 'done') return
    this.telemetry.sessionLost(lost)
    this.#lossesWithoutProgress++
    if (this.#lossesWithoutProgress > MAX_SESSION_LOSSES_WITHOUT_PROGRESS)
      this.#fail('RouterConnectionError', lost, false)
  }

  #controlRequest(session: RouterSession, kind: 'ping' | 'close'): Promise<number> {
    const path = kind === 'ping' ? pingPath(this.lambdaId) : closePath(this.lambdaId)
    const timeoutMs = kind === 'ping' ? this.#context.config.pingIntervalMs : CLOSE_RESPONSE_TIMEOUT_MS
    const headers = {
      date: this.#httpDate(),
      [HEADER_POOL_ID]: this.poolId,
      [HEADER_LAMBDA_ID]: this.lambdaId,
      ...this.#tokenHeader,
    }
    return session.controlRequest(path, headers, timeoutMs)
  }

  #onPingStatus(status: number): void {
    const verdict = pingVerdict(status)
    if (verdict === 'goaway') {
      if (!this.isStopping) this.telemetry.goaway('', 'ping-409')
      this.#beginDrain('RouterGoAway')
    } else if (verdict === 'stop') {
      this.#beginDrain(exitReasonForRouterStatus(status))
    }
  }

  // Lifetime: running → closing (close sent) → draining (no new POSTs) → done; aborting resets every stream.

  /** Asks the router to close this instance; channels keep serving until its answer, then drain. */
  #beginClose(reason: ExitReason): void {
    if (this.#state !== 'running') return
    this.#exitReason = mergeExitReason(this.#exitReason, reason)
    this.#state = 'closing'
    this.#pinger.close()
    this.#clearIdle()
    this.telemetry.closeRequested(reason, this.#inFlight())
    void this.#sendClose().then(() => this.#beginDrain(undefined))
  }

  async #sendClose(): Promise<void> {
    try {
      await this.#controlRequest(await this.acquireSession(), 'close')
    } catch (error) {
      this.telemetry.closeFailed(error as Error)
    }
  }

  /** No channel POSTs again; parked channels wait for the router's goaway until the drain timeout resets them. */
  #beginDrain(reason: ExitReason | undefined): void {
    if (reason !== undefined) this.#exitReason = mergeExitReason(this.#exitReason, reason)
    if (this.#state !== 'running' && this.#state !== 'closing') return
    this.#state = 'draining'
    this.#pinger.close()
    this.#clearIdle()
    this.#stop.abort()
    const drainMs = this.#context.config.closeDrainTimeoutMs
    this.#drainTimer = setTimeout(() => {
      const waiting = this.#channels.filter((channel) => channel.state === 'parked' || channel.state === 'opening')
      if (waiting.length === 0) return
      this.telemetry.drainTimedOut(waiting.length, drainMs)
      for (const channel of waiting) channel.reset('no goaway within the drain timeout')
    }, drainMs)
  }

  /** A failure ends the invoke now: every stream is reset; with `sendClose` the router hears /close first. */
  #fail(reason: ExitReason, error: ExtensionError | undefined, sendClose: boolean): void {
    this.#exitReason = mergeExitReason(this.#exitReason, reason)
    if (this.#state === 'aborting' || this.#state === 'done') return
    if (error instanceof AppUnreachableError) this.#fatalError = error
    this.#state = 'aborting'
    this.#pinger.close()
    this.#clearIdle()
    clearTimeout(this.#drainTimer)
    this.#stop.abort()
    if (sendClose) void this.#sendClose().then(() => this.#resetAll())
    else this.#resetAll()
  }

  #resetAll(): void {
    for (const channel of this.#channels) channel.reset('the invoke is ending')
  }

  #armDeadlineTimers(): void {
    const now = Date.now()
    this.#deadlineTimer = setTimeout(
      () => this.#beginClose('SelfDeadline'),
      Math.max(0, this.deadlineMs - this.#closeMarginMs - now),
    )
    this.#refuseTimer = setTimeout(
      () => this.#stopTakingRequests(),
      Math.max(0, this.deadlineMs - refuseMarginMs(this.#closeMarginMs) - now),
    )
    this.#armHardStop(this.deadlineMs - hardStopMarginMs(this.#closeMarginMs))
  }

  /**
   * The deadline is near and the router has not answered the close yet: refuse every channel that waits for a request
   * and open none again, so requests in the app can finish before the hard stop and none starts that could not.
   */
  #stopTakingRequests(): void {
    if (this.#state === 'running') this.#beginClose('SelfDeadline')
    if (this.#state !== 'closing') return
    this.#beginDrain(undefined)
    let refused = 0
    for (const channel of this.#channels) if (channel.refuseIfWaiting()) refused++
    this.telemetry.stoppedTakingRequests(refused, this.#inFlight())
  }

  #armHardStop(atMs: number): void {
    if (atMs >= this.#hardStopAtMs || this.#state === 'done') return
    this.#hardStopAtMs = atMs
    clearTimeout(this.#hardStopTimer)
    this.#hardStopTimer = setTimeout(
      () => {
        const open = this.#channels.filter((channel) => channel.state !== 'stopped' && channel.state !== 'idle')
        if (open.length > 0) this.telemetry.hardStop(open.length)
        this.#fail('SelfDeadline', undefined, false)
      },
      Math.max(0, atMs - Date.now()),
    )
  }

  // Idle: one lazy timer; activity only moves #lastActiveAtMs, and the timer re-arms for the time still left.

  #touch(): void {
    this.#lastActiveAtMs = performance.now()
    if (this.#idleTimer === undefined && this.#idleRecheck === undefined && this.#state === 'running')
      this.#armIdle(this.#idleGraceMs)
  }

  #armIdle(delayMs: number): void {
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined
      if (this.#decideIdle() !== 'close') return
      // Timers run before the event loop reads sockets. On a busy host this process may have slept past the grace
      // with requests already waiting in its sockets: decide again once they are read, so an instance the router is
      // feeding never leaves for idleness (issue 12 item 2).
      this.#idleRecheck = setImmediate(() => {
        this.#idleRecheck = undefined
        if (this.#decideIdle() === 'close') this.#beginClose('SelfLastActive')
      })
    }, delayMs)
  }

  #clearIdle(): void {
    clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
    clearImmediate(this.#idleRecheck)
    this.#idleRecheck = undefined
  }

  // Re-arms the idle timer for the time still left; says 'close' when the grace has passed with nothing in flight.
  #decideIdle(): 'close' | 'stay' {
    if (this.#state !== 'running') return 'stay'
    const decision = decideIdle({
      nowMs: performance.now(),
      lastActiveAtMs: this.#lastActiveAtMs,
      inFlight: this.#inFlight(),
      graceMs: this.#idleGraceMs,
    })
    if (decision.kind === 'wait' && this.#idleTimer === undefined) this.#armIdle(decision.delayMs)
    return decision.kind === 'close' ? 'close' : 'stay'
  }

  #inFlight(): number {
    let count = 0
    for (const channel of this.#channels) if (channel.hasRequestInFlight) count++
    return count
  }

  #checkApp(error: Error): void {
    if (this.#appCheck !== undefined) return
    this.#appCheck = this.#context.appAlive.check().then((alive) => {
      this.#appCheck = undefined
      if (!alive) this.#fail('AppConnectionError', new AppUnreachableError(this.app.port, { cause: error }), true)
    })
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

  #finish(): void {
    this.#state = 'done'
    this.#pinger.close()
    this.#stop.abort()
    this.#clearIdle()
    clearTimeout(this.#deadlineTimer)
    clearTimeout(this.#refuseTimer)
    clearTimeout(this.#hardStopTimer)
    clearTimeout(this.#drainTimer)
    for (const session of this.#sessions) session.close()
    this.#sessions.clear()
  }
}
