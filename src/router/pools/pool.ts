// One function's pool: its instances, dispatcher (queue), scaler, invoke gate and invoker, wired together. It starts
// and stops instances for the scaler, answers the control server for its instances, and closes gracefully. Owns one
// timer (the invoke-gate retry) and the promises of its running invokes.
import { randomUUID } from 'node:crypto'
import type { Logger } from '../../common/index.js'
import type { WaiterRequest } from '../../protocol/index.js'
import type { ControlPool } from '../control/server.js'
import { Dispatcher } from '../dispatch/dispatcher.js'
import type { DispatchDecision, DispatchRequest, ExchangeHandler } from '../dispatch/exchange.js'
import { pickInstancesToStop } from '../dispatch/pick.js'
import type { Channel } from '../instances/channel.js'
import { type InstanceHooks, LambdaInstance } from '../instances/instance.js'
import { acceptsChannels, answersPing, type InstanceState } from '../instances/instance-states.js'
import { InstanceRegistry } from '../instances/registry.js'
import { InvokeGate } from '../invoke/invoke-gate.js'
import type { InvokeOutcome, Invoker } from '../invoke/invoker.js'
import { Scaler, type ScaleSnapshot } from '../scaling/scaler.js'
import type { InvokeResult, PoolSnapshot, PoolTelemetry, RouterTelemetry } from '../telemetry.js'
import type { PoolContext } from './pool-context.js'
import { replacementWaitMs } from './replacement.js'

export interface PoolOptions {
  readonly invoker: Invoker
  readonly telemetry: RouterTelemetry
  readonly logger: Logger
  /** Monotonic clock in ms (`performance.now` by default); instance ages, queue and exchange deadlines use it. */
  readonly now?: () => number
  /** For the invoke gate's backoff jitter. */
  readonly random?: () => number
  /** Instance (lambda) ids; `randomUUID` by default. */
  readonly newLambdaId?: () => string
}

type PoolState = 'open' | 'closing' | 'closed'

const LIVE_STATES: readonly InstanceState[] = ['initial', 'starting', 'open', 'draining', 'closing']

/**
 * `dispatch` is the front door's entry; `acceptsChannel`/`addChannel`/`ping`/`closeFromLambda` are the control
 * server's; `snapshot` feeds health, metrics and the dashboard; `close` shuts down gracefully.
 */
export class Pool implements ControlPool {
  readonly poolId: string
  readonly context: PoolContext
  readonly dispatcher: Dispatcher
  readonly #registry = new InstanceRegistry()
  readonly #invoker: Invoker
  readonly #gate: InvokeGate
  readonly #scaler: Scaler
  readonly #telemetry: PoolTelemetry
  readonly #logger: Logger
  readonly #now: () => number
  readonly #newLambdaId: () => string
  readonly #invokes = new Set<Promise<void>>()
  // Draining instances that wait for a replacement; the next instance to open retires the oldest of them.
  readonly #awaitingReplacement = new Set<LambdaInstance>()
  readonly #instanceHooks: InstanceHooks
  readonly #unregisterMetrics: () => void
  #retryTimer: NodeJS.Timeout | undefined
  #state: PoolState = 'open'
  #closed: Promise<void> | undefined

  constructor(context: PoolContext, options: PoolOptions) {
    this.poolId = context.poolId
    this.context = context
    this.#invoker = options.invoker
    this.#now = options.now ?? (() => performance.now())
    this.#newLambdaId = options.newLambdaId ?? randomUUID
    this.#telemetry = options.telemetry.forPool(context.poolId)
    this.#logger = options.logger
    this.#gate = new InvokeGate(context.invokeGate, {
      now: this.#now,
      ...(options.random === undefined ? {} : { random: options.random }),
    })
    this.#instanceHooks = {
      onStateChanged: this.#onInstanceStateChanged,
      onCapacity: this.#onCapacity,
      onStartTimeout: this.#onStartTimeout,
    }
    this.dispatcher = new Dispatcher({
      poolId: context.poolId,
      queueLimit: context.queueLimit,
      queueTimeoutMs: context.queueTimeoutMs,
      exchange: {
        responseHeadTimeoutMs: context.responseHeadTimeoutMs,
        bodyIdleTimeoutMs: context.bodyIdleTimeoutMs,
        requestBody: context.requestBody,
        headLimits: context.upstreamHeadLimits,
        exposeInternalHeaders: context.exposeInternalHeaders,
        now: this.#now,
        telemetry: this.#telemetry,
      },
      registry: this.#registry,
      telemetry: this.#telemetry,
      hooks: {
        onArrival: () => this.#scaler.recordArrival(),
        onLoadChanged: () => this.#scaler.notify(),
        onCompleted: (durationMs) => this.#scaler.recordCompletion(durationMs),
      },
    })
    this.#scaler = new Scaler(
      context.scaling,
      {
        snapshot: () => this.#scaleSnapshot(),
        startInstances: (count) => this.#startInstances(count),
        stopInstances: (count) => this.#stopInstances(count),
      },
      { now: this.#now, logger: this.#logger },
    )
    this.#unregisterMetrics = options.telemetry.registerPool(context.poolId, () => this.snapshot())
  }

  /** The front door's entry: see `Dispatcher.dispatch`. */
  dispatch(request: DispatchRequest, handler: ExchangeHandler): DispatchDecision {
    return this.dispatcher.dispatch(request, handler)
  }

  /** Instances the scaler wants now. */
  get desiredInstances(): number {
    return this.#scaler.desiredInstances
  }

  snapshot(): PoolSnapshot {
    const instances = []
    for (const instance of this.#registry.values()) instances.push(instance.snapshot())
    return {
      poolId: this.poolId,
      functionName: this.context.functionName,
      closing: this.#state !== 'open',
      queueLength: this.dispatcher.queueLength,
      runningRequests: this.#registry.outstanding(),
      desiredInstances: this.#scaler.desiredInstances,
      breakerState: this.#gate.breakerState,
      noCapacity: this.dispatcher.noCapacity,
      instances,
    }
  }

  // --- control server (ControlPool) ---

  acceptsChannel(lambdaId: string): boolean {
    const instance = this.#registry.get(lambdaId)
    return instance !== undefined && acceptsChannels(instance.state)
  }

  addChannel(channel: Channel): void {
    const instance = this.#registry.get(channel.lambdaId)
    if (instance === undefined || !acceptsChannels(instance.state)) {
      // acceptsChannel() said yes in the same turn, so this is a caller bug; still, never strand a stream.
      channel.goaway()
      return
    }
    instance.addChannel(channel)
  }

  ping(lambdaId: string): boolean {
    const instance = this.#registry.get(lambdaId)
    return instance !== undefined && answersPing(instance.state)
  }

  closeFromLambda(lambdaId: string, answer: (known: boolean) => void): void {
    const instance = this.#registry.get(lambdaId)
    if (instance === undefined || instance.state === 'closed') {
      answer(false)
      return
    }
    if (instance.transition(['starting', 'open'], 'draining')) {
      // original-protocol.md §6.2: a replacement starts before the instance retires; meanwhile it keeps serving.
      const counts = this.#registry.counts().byState
      const live = counts.initial + counts.starting + counts.open
      const replacing = this.#state === 'open' && this.#scaler.desiredInstances > live
      const waitMs = replacementWaitMs(instance.ageMs, replacing)
      if (waitMs > 0) this.#awaitingReplacement.add(instance)
      instance.scheduleRetire(waitMs)
      this.#logger.info({ lambdaId, replacing, waitMs }, 'lambda asked to close')
    }
    instance.onRetired(() => {
      this.#awaitingReplacement.delete(instance)
      answer(true)
    })
  }

  /**
   * Graceful close: refuse new requests (RouterClosingError), let queued and running ones finish for `graceMs`, then
   * fail what is left, send goaway to every channel, and wait up to `graceMs` again for the invokes to return before
   * aborting them. Resolves when every instance is closed. Idempotent.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    this.#closed ??= this.#close(options.graceMs ?? this.context.closeGraceMs)
    return this.#closed
  }

  async #close(graceMs: number): Promise<void> {
    this.#state = 'closing'
    this.#scaler.close()
    this.#clearRetry()
    this.dispatcher.close()
    if ((await withTimeout(this.dispatcher.whenIdle(), graceMs)) === 'timeout') this.dispatcher.abandonAll()
    for (const instance of [...this.#registry.values()]) {
      const wasStarting = instance.state === 'starting' || instance.state === 'initial'
      instance.transition(['initial', 'starting', 'open', 'draining'], 'closing')
      if (wasStarting) instance.abortInvoke(new Error('the pool is closing'))
    }
    if ((await withTimeout(Promise.all(this.#invokes), graceMs)) === 'timeout') {
      for (const instance of this.#registry.values()) instance.abortInvoke(new Error('the pool closed'))
      await Promise.all(this.#invokes)
    }
    this.#gate.close()
    this.#unregisterMetrics()
    this.#state = 'closed'
  }

  // --- scaler hooks ---

  #scaleSnapshot(): ScaleSnapshot {
    const { byState, outstanding } = this.#registry.counts()
    return {
      pendingRequests: this.dispatcher.queueLength,
      runningRequests: outstanding,
      startingInstances: byState.initial + byState.starting,
      openInstances: byState.open,
      stoppingInstances: byState.draining + byState.closing,
    }
  }

  #startInstances(count: number): void {
    for (let started = 0; started < count; started++) {
      if (this.#state !== 'open') return
      const admission = this.#gate.tryAcquire()
      if (!admission.ok) {
        this.#telemetry.onInvokeRefused(admission.reason, admission.retryInMs)
        this.#armRetry(admission.retryInMs)
        if (admission.reason === 'circuit-open') this.#refuseWhileBreakerOpen(admission.retryInMs)
        return
      }
      if (this.dispatcher.noCapacity !== undefined) this.dispatcher.setNoCapacity(undefined)
      this.#launch()
    }
  }

  #stopInstances(count: number): void {
    for (const instance of pickInstancesToStop(this.#registry.values(), count)) {
      instance.transition(['open'], 'closing')
    }
  }

  // --- instances ---

  #launch(): void {
    const lambdaId = this.#newLambdaId()
    const instance = new LambdaInstance({
      poolId: this.poolId,
      lambdaId,
      maxConcurrentCount: this.context.maxConcurrentCount,
      instanceStartTimeoutMs: this.context.instanceStartTimeoutMs,
      now: this.#now,
      telemetry: this.#telemetry,
      hooks: this.#instanceHooks,
    })
    this.#registry.add(instance)
    instance.transition(['initial'], 'starting')
    const payload: WaiterRequest = {
      poolId: this.poolId,
      id: lambdaId,
      dispatcherUrl: this.context.dispatcherUrl,
      numberOfChannels: this.context.channelCount,
      sentTime: new Date().toISOString(),
      initOnly: false,
      ...(this.context.routerCertSha256 === undefined ? {} : { routerCertSha256: this.context.routerCertSha256 }),
    }
    this.#telemetry.onInvokeStarted(lambdaId, 'instance')
    this.#track(
      this.#invoker
        .invoke({ functionName: this.context.functionName, payload }, instance.invokeSignal)
        .then((outcome) => this.#onInvokeReturned(instance, outcome)),
    )
    if (this.context.preWarmInvokes) this.#preWarm(payload)
  }

  // The original's init-only buddy (original-protocol.md §2.1): warms a spare environment. It passes the gate too.
  #preWarm(main: WaiterRequest): void {
    const admission = this.#gate.tryAcquire()
    if (!admission.ok) return
    const payload: WaiterRequest = { ...main, id: `${main.id}-initonly`, numberOfChannels: 0, initOnly: true }
    const controller = new AbortController()
    this.#telemetry.onInvokeStarted(payload.id, 'pre_warm')
    this.#track(
      this.#invoker.invoke({ functionName: this.context.functionName, payload }, controller.signal).then((outcome) => {
        this.#gate.recordOutcome(outcome.kind === 'completed' ? 'success' : outcome.kind)
        this.#telemetry.onInvokeReturned(payload.id, invokeResult(outcome, false), invokeDetail(outcome))
      }),
    )
  }

  #track(invoke: Promise<void>): void {
    const tracked = invoke.catch((err: unknown) => this.#logger.error({ err }, 'invoke bookkeeping failed'))
    this.#invokes.add(tracked)
    void tracked.then(() => this.#invokes.delete(tracked))
  }

  #onInvokeReturned(instance: LambdaInstance, outcome: InvokeOutcome): void {
    this.#telemetry.onInvokeReturned(
      instance.lambdaId,
      invokeResult(outcome, instance.invokeSignal.aborted),
      invokeDetail(outcome),
    )
    // The gate hears once per invoke: 'success' when it opened, 'never-connected' at the start timeout, else here.
    if (instance.state === 'starting') {
      this.#gate.recordOutcome(outcome.kind === 'completed' ? 'never-connected' : outcome.kind)
    }
    instance.transition(LIVE_STATES, 'closed')
    if (this.#gate.breakerState === 'open') this.#refuseWhileBreakerOpen(this.#gate.view.nextAdmissionInMs)
  }

  readonly #onInstanceStateChanged = (instance: LambdaInstance, _from: InstanceState, to: InstanceState): void => {
    if (to === 'open') {
      this.#gate.recordOutcome('success')
      if (this.dispatcher.noCapacity !== undefined) this.dispatcher.setNoCapacity(undefined)
      const replaced = this.#awaitingReplacement.values().next().value
      if (replaced !== undefined) replaced.retireNow()
    } else if (to === 'closed') {
      this.#registry.delete(instance)
      this.#awaitingReplacement.delete(instance)
    } else if (to === 'closing') {
      this.#awaitingReplacement.delete(instance)
    }
    this.#scaler.notify()
  }

  readonly #onCapacity = (): void => {
    this.dispatcher.drain()
  }

  readonly #onStartTimeout = (): void => {
    this.#gate.recordOutcome('never-connected')
    if (this.#gate.breakerState === 'open') this.#refuseWhileBreakerOpen(this.#gate.view.nextAdmissionInMs)
  }

  // With the breaker open and no instance able to serve, waiting requests could only time out: refuse them now with
  // NoCapacityError (503 + Retry-After) instead. Callers pass the gate's nextAdmissionInMs: while the breaker is open
  // that is its cool-down, far longer than the backoff, so a client that honours Retry-After is not refused again.
  #refuseWhileBreakerOpen(retryAfterMs: number): void {
    for (const instance of this.#registry.values()) {
      if (instance.state === 'open' || instance.state === 'draining') return
    }
    this.dispatcher.setNoCapacity({
      why: 'the invoke circuit breaker is open',
      retryAfterMs: Math.max(1000, retryAfterMs),
    })
  }

  // One timer: when the gate may admit again, ask the scaler to look again (it restarts missing instances).
  #armRetry(retryInMs: number): void {
    if (this.#retryTimer !== undefined || this.#state !== 'open') return
    this.#retryTimer = setTimeout(this.#onRetry, Math.max(1, Math.ceil(retryInMs)))
  }

  readonly #onRetry = (): void => {
    this.#retryTimer = undefined
    this.#scaler.notify()
  }

  #clearRetry(): void {
    if (this.#retryTimer === undefined) return
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
  }
}

function invokeResult(outcome: InvokeOutcome, aborted: boolean): InvokeResult {
  switch (outcome.kind) {
    case 'completed':
      return outcome.functionError === undefined ? 'completed' : 'function_error'
    case 'throttled':
      return 'throttled'
    case 'failed':
      return aborted ? 'aborted' : 'failed'
    default: {
      const unreachable: never = outcome
      throw new Error(`unknown invoke outcome ${String(unreachable)}`)
    }
  }
}

function invokeDetail(outcome: InvokeOutcome): {
  durationMs: number
  exitReason?: NonNullable<Extract<InvokeOutcome, { kind: 'completed' }>['response']>['exitReason']
  functionError?: string | undefined
  err?: unknown
} {
  if (outcome.kind === 'completed') {
    return {
      durationMs: outcome.durationMs,
      exitReason: outcome.response?.exitReason,
      functionError: outcome.functionError,
    }
  }
  return { durationMs: outcome.durationMs, err: outcome.error }
}

// Resolves 'done' when `promise` settles, or 'timeout' after `ms`; the timer is cleared either way.
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms)
  })
  try {
    return await Promise.race([promise.then(() => 'done' as const), timeout])
  } finally {
    clearTimeout(timer)
  }
}
