// One invoke: coordinates its router connection, N channel loops, the pinger, the idle timer and the deadline timers
// until the last channel ends, and decides the ExitReason. Owns those parts and closes them all when it finishes;
// close paths reset streams through the channels.
import { randomUUID } from 'node:crypto'
import type { ExitReason, RequestHead, WaiterRequest, WaiterResponse } from '../protocol/index.js'
import { type ChannelEvent, type ChannelHost, ChannelLoop, type RequestEnd } from './channel-loop.js'
import type { ExtensionConfig } from './config.js'
import { AppUnreachableError, ChannelEndedWithoutResponseError, type ExtensionError } from './errors.js'
import { IdleTimer } from './idle-timer.js'
import { InvokeDeadlines } from './invoke-deadlines.js'
import {
  closeMarginMs,
  deadlineSchedule,
  effectiveDeadlineMs,
  exitReasonForRouterStatus,
  functionTimeoutMs,
  mergeExitReason,
  refuseMarginMs,
  shutdownHardStopAtMs,
} from './lifetime.js'
import { Pinger, pingVerdict } from './pinger.js'
import type { ReadinessProbe } from './readiness.js'
import type { AppClient } from './relay.js'
import { RouterConnection } from './router-connection.js'
import { normalizeFingerprint, type RouterSession } from './router-session.js'
import type { ExtensionTelemetry } from './telemetry.js'
import { WebSocketRelays } from './websocket-relay.js'

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

export class Invocation implements ChannelHost {
  readonly poolId: string
  readonly lambdaId: string
  readonly deadlineMs: number
  readonly #context: InvocationContext
  readonly #telemetry: ExtensionTelemetry
  readonly #connection: RouterConnection
  readonly #channels: ChannelLoop[]
  readonly #pinger: Pinger
  readonly #idle: IdleTimer
  readonly #deadlines: InvokeDeadlines
  readonly #webSockets: WebSocketRelays
  #state: InvocationState = 'running'
  #exitReason: ExitReason | undefined
  #fatalError: ExtensionError | undefined
  #requestCount = 0
  #appCheck: Promise<void> | undefined

  /** `lambdaDeadlineMs` is Lambda's deadline (epoch ms); `invokeStartMs` is Date.now() when the invoke arrived. */
  constructor(request: WaiterRequest, lambdaDeadlineMs: number, invokeStartMs: number, context: InvocationContext) {
    const config = context.config
    this.poolId = request.poolId
    this.lambdaId = request.id
    this.#context = context
    this.#telemetry = context.telemetry
    this.deadlineMs = effectiveDeadlineMs({
      lambdaDeadlineMs,
      nowMs: invokeStartMs,
      forceDeadlineMs: config.forceDeadlineMs,
    })
    const marginMs = closeMarginMs({
      configuredMarginMs: config.deadlineMarginMs,
      functionTimeoutMs: functionTimeoutMs({
        configuredMs: config.functionTimeoutMs,
        deadlineMs: this.deadlineMs,
        invokeStartMs,
      }),
    })
    this.#connection = new RouterConnection({
      poolId: this.poolId,
      lambdaId: this.lambdaId,
      channelToken: request.channelToken,
      target: {
        url: new URL(request.dispatcherUrl),
        certSha256: request.routerCertSha256 === undefined ? undefined : normalizeFingerprint(request.routerCertSha256),
        tlsVerify: config.routerTlsVerify,
      },
      settings: {
        connectTimeoutMs: config.routerConnectTimeoutMs,
        headersTimeoutMs: config.routerHeadersTimeoutMs,
        pingTimeoutMs: config.routerPingTimeoutMs,
        streamWindowBytes: config.streamWindowBytes,
        sessionWindowBytes: config.sessionWindowBytes,
        maxSessionMemoryMb: config.maxSessionMemoryMb,
      },
      connectAttempts: config.routerConnectAttempts,
      stopConnectingAtMs: this.deadlineMs - refuseMarginMs(marginMs),
      pingTimeoutMs: config.pingIntervalMs,
      telemetry: this.#telemetry,
      onGiveUp: (lost) => this.#fail('RouterConnectionError', lost, false),
    })
    const channelOptions = {
      poolId: this.poolId,
      lambdaId: this.lambdaId,
      compression: config.compression,
      forwardInternalHeaders: config.forwardInternalHeaders,
      headLimits: { maxHeadBytes: config.maxHeadBytes, maxHeaderCount: config.maxHeaderCount },
      headersTimeoutMs: config.routerHeadersTimeoutMs,
      app: context.app,
    }
    this.#webSockets = new WebSocketRelays({
      ...channelOptions,
      onEnd: (channelId, end, head) => this.#onRequestEnd(channelId, end, head),
    })
    this.#channels = Array.from(
      { length: request.numberOfChannels },
      () => new ChannelLoop(randomUUID(), channelOptions, this),
    )
    this.#pinger = new Pinger({
      intervalMs: config.pingIntervalMs,
      send: () => this.#connection.ping(),
      onStatus: (status) => this.#onPingStatus(status),
      onError: (error) => this.#telemetry.pingFailed(error),
    })
    this.#idle = new IdleTimer({
      // The router's word wins when it sent one (IdleGraceMs: it keeps this instance for MinInstances); otherwise
      // LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS, the original's 250 ms by default.
      graceMs: request.idleGraceMs ?? config.lastActiveGraceMs,
      inFlight: () => this.#inFlight(),
      onIdle: () => this.#beginClose('SelfLastActive'),
    })
    this.#deadlines = new InvokeDeadlines(deadlineSchedule(this.deadlineMs, marginMs), {
      onCloseDue: () => this.#beginClose('SelfDeadline'),
      onRefuseDue: () => this.#stopTakingRequests(),
      onHardStop: () => this.#hardStop(),
      onDrainTimeout: () => this.#resetWaitingAfterDrain(),
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
    this.#deadlines.arm()
    if (this.#channels.length === 0) this.#exitReason = 'SelfLastActive'
    try {
      await Promise.all(this.#channels.map((channel) => channel.run()))
      await this.#webSockets.whenClosed()
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
    this.#deadlines.moveHardStop(shutdownHardStopAtMs(deadlineMs))
  }

  // ChannelHost

  liveSession(): RouterSession | undefined {
    return this.#connection.liveSession()
  }

  acquireSession(): Promise<RouterSession> {
    return this.#connection.acquire()
  }

  channelHeaders(channelId: string): Readonly<Record<string, string>> {
    return this.#connection.channelHeaders(channelId)
  }

  onChannelEvent(channel: ChannelLoop, event: ChannelEvent): void {
    const telemetry = this.#telemetry
    switch (event.kind) {
      case 'opened':
        this.#connection.noteProgress()
        this.#idle.touch()
        this.#pinger.start()
        return
      case 'request-start':
        this.#idle.touch()
        return
      case 'request-end':
        this.#onRequestEnd(channel.id, event.end, event.head)
        return
      case 'upgrade':
        this.#idle.touch()
        this.#webSockets.start(channel.id, event.stream, event.head, event.rest)
        return
      case 'goaway':
        if (!this.isStopping) telemetry.goaway(channel.id, event.via)
        this.#beginDrain('RouterGoAway')
        return
      case 'router-status': {
        const reason = exitReasonForRouterStatus(event.status)
        telemetry.routerStatus(channel.id, event.status, reason)
        this.#beginClose(reason)
        return
      }
      case 'stream-without-response': {
        // Streams we reset ourselves while stopping end this way too; they are not news.
        if (this.isStopping) return
        const lost = new ChannelEndedWithoutResponseError(channel.id, event.session.id, event.rstCode)
        telemetry.channelEndedWithoutResponse(lost, event.error)
        event.session.retire('stream-without-response', lost.message)
        return
      }
      case 'unreachable':
        if (this.#state === 'aborting' || this.#state === 'done') return
        telemetry.routerUnreachable(event.error)
        this.#fail('RouterUnreachable', undefined, false)
        return
      case 'silent':
        telemetry.channelSilent(channel.id, event.sessionId, event.waitedMs)
        return
      case 'reset-before-headers':
        if (!this.isStopping) telemetry.channelResetBeforeHeaders(channel.id, event.sessionId, event.rstCode)
        return
      case 'refused':
        telemetry.channelRefused(channel.id)
        return
      case 'bad-head':
        telemetry.badRequestHead(channel.id, event.error)
        return
      default: {
        const unknown: never = event
        throw new Error(`unknown channel event ${JSON.stringify(unknown)}`)
      }
    }
  }

  #onRequestEnd(channelId: string, end: RequestEnd, head: RequestHead): void {
    if (end.kind === 'reset') this.#telemetry.requestReset(channelId, head)
    this.#requestCount++
    this.#idle.touch()
    if (end.kind === 'complete') {
      this.#telemetry.requestRelayed(channelId, end.status, head)
    } else if (end.kind === 'app-error') {
      this.#telemetry.appRequestFailed(channelId, end.error, head)
      this.#checkApp(end.error)
    }
  }

  #onPingStatus(status: number): void {
    const verdict = pingVerdict(status)
    if (verdict === 'goaway') {
      if (!this.isStopping) this.#telemetry.goaway('', 'ping-409')
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
    this.#idle.close()
    this.#telemetry.closeRequested(reason, this.#inFlight())
    void this.#sendClose().then(() => this.#beginDrain(undefined))
  }

  async #sendClose(): Promise<void> {
    try {
      await this.#connection.requestClose()
    } catch (error) {
      this.#telemetry.closeFailed(error as Error)
    }
  }

  /** No channel POSTs again; parked channels wait for the router's goaway until the drain timeout resets them. */
  #beginDrain(reason: ExitReason | undefined): void {
    if (reason !== undefined) this.#exitReason = mergeExitReason(this.#exitReason, reason)
    if (this.#state !== 'running' && this.#state !== 'closing') return
    this.#state = 'draining'
    this.#pinger.close()
    this.#idle.close()
    this.#connection.drain()
    this.#deadlines.startDrain(this.#context.config.closeDrainTimeoutMs)
  }

  #resetWaitingAfterDrain(): void {
    const waiting = this.#channels.filter((channel) => channel.state === 'parked' || channel.state === 'opening')
    if (waiting.length === 0) return
    this.#telemetry.drainTimedOut(waiting.length, this.#context.config.closeDrainTimeoutMs)
    for (const channel of waiting) channel.reset('no goaway within the drain timeout')
  }

  /** A failure ends the invoke now: every stream is reset; with `sendClose` the router hears /close first. */
  #fail(reason: ExitReason, error: ExtensionError | undefined, sendClose: boolean): void {
    this.#exitReason = mergeExitReason(this.#exitReason, reason)
    if (this.#state === 'aborting' || this.#state === 'done') return
    if (error instanceof AppUnreachableError) this.#fatalError = error
    this.#state = 'aborting'
    this.#pinger.close()
    this.#idle.close()
    this.#deadlines.cancelDrain()
    this.#connection.abandon()
    if (sendClose) void this.#sendClose().then(() => this.#resetAll())
    else this.#resetAll()
  }

  #resetAll(): void {
    for (const channel of this.#channels) channel.reset('the invoke is ending')
    this.#webSockets.resetAll('the invoke is ending')
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
    this.#telemetry.stoppedTakingRequests(refused, this.#inFlight())
  }

  #hardStop(): void {
    const open = this.#channels.filter((channel) => channel.state !== 'stopped' && channel.state !== 'idle')
    if (open.length > 0) this.#telemetry.hardStop(open.length)
    this.#fail('SelfDeadline', undefined, false)
  }

  #inFlight(): number {
    let count = 0
    for (const channel of this.#channels) if (channel.hasRequestInFlight) count++
    return count + this.#webSockets.count
  }

  #checkApp(error: Error): void {
    if (this.#appCheck !== undefined) return
    this.#appCheck = this.#context.appAlive.check().then((alive) => {
      this.#appCheck = undefined
      if (!alive)
        this.#fail('AppConnectionError', new AppUnreachableError(this.#context.app.port, { cause: error }), true)
    })
  }

  #finish(): void {
    this.#state = 'done'
    this.#pinger.close()
    this.#idle.close()
    this.#deadlines.close()
    this.#connection.close()
  }
}
