// One function's pool: its instances, dispatcher (queue), scaler, invoke gate and invoker, wired together. It starts
// and stops instances for the scaler, answers the control server for its instances, and closes gracefully. Owns one
// timer (the invoke-gate retry) and the promises of its running invokes.
import { randomUUID } from 'node:crypto'
import { type Logger, withTimeout } from '../../common/index.js'
import type { WaiterRequest } from '../../protocol/index.js'
import { newChannelToken } from '../control/channel-token.js'
import { Dispatcher } from '../dispatch/dispatcher.js'
import { pickInstancesToStop } from '../dispatch/pick.js'
import type { AppStartFailedError } from '../errors.js'
import type { PoolSource, RouterEvents } from '../events.js'
import { type InstanceHooks, LambdaInstance } from '../instances/instance.js'
import { acceptsChannels, type InstanceState } from '../instances/instance-states.js'
import { InstanceRegistry } from '../instances/registry.js'
import { classifyStartFailure } from '../invoke/classify-start-failure.js'
import { InvokeGate, type InvokeGateOutcome, type InvokeGateView } from '../invoke/invoke-gate.js'
import type { InvokeOutcome, Invoker } from '../invoke/invoker.js'
import { Scaler, type ScaleSnapshot } from '../scaling/scaler.js'
import { appStartFailure, invokeReturned } from './invoke-report.js'
import type { PoolContext } from './pool-context.js'
import { PoolControl } from './pool-control.js'
import type { PoolSnapshot } from './pool-snapshot.js'
import { scaleSnapshotOf } from './scale-snapshot.js'
import { instanceWaiterRequest, preWarmWaiterRequest } from './waiter-payloads.js'

export interface PoolOptions {
  readonly invoker: Invoker
  /** Where the pool, its instances, dispatcher and exchanges publish what happens; telemetry subscribes. */
  readonly events: RouterEvents
  readonly logger: Logger
  /** Monotonic clock in ms (`performance.now` by default); instance ages, queue and exchange deadlines use it. */
  readonly now?: () => number
  /** For the invoke gate's backoff jitter. */
  readonly random?: () => number
  /** Instance (lambda) ids; `randomUUID` by default. */
  readonly newLambdaId?: () => string
  /** Per-invoke channel tokens; 256 random bits by default. */
  readonly newChannelToken?: () => string
}

type PoolState = 'open' | 'closing' | 'closed'

const LIVE_STATES: readonly InstanceState[] = ['initial', 'starting', 'open', 'draining', 'closing']

/**
 * Owns the lifecycle of its instances; requests go to its `dispatcher`, which the front door resolves directly, and
 * control requests to its `control`; `snapshot` feeds health, metrics and the dashboard; `close` shuts down gracefully.
 */
export class Pool implements PoolSource {
  readonly poolId: string
  readonly context: PoolContext
  readonly dispatcher: Dispatcher
  /** What the control server resolves for this pool's instances. */
  readonly control: PoolControl
  readonly #registry = new InstanceRegistry()
  readonly #invoker: Invoker
  readonly #gate: InvokeGate
  readonly #scaler: Scaler
  readonly #events: RouterEvents
  readonly #logger: Logger
  readonly #now: () => number
  readonly #newLambdaId: () => string
  readonly #newChannelToken: () => string
  readonly #invokes = new Set<Promise<void>>()
  // Instances started to keep the pool at MinInstances, until they leave; and how many of those left after living
  // half their function timeout, each owed a replacement that takes no burst token (issue 12 item 3).
  readonly #kept = new Set<LambdaInstance>()
  #freeReplacements = 0
  readonly #instanceHooks: InstanceHooks
  #retryTimer: NodeJS.Timeout | undefined
  /** The last app start failure since an instance last opened: refusals while the breaker is open carry it. */
  #appStartFailure: AppStartFailedError | undefined
  #state: PoolState = 'open'
  #closed: Promise<void> | undefined

  constructor(context: PoolContext, options: PoolOptions) {
    this.poolId = context.poolId
    this.context = context
    this.#invoker = options.invoker
    this.#now = options.now ?? (() => performance.now())
    this.#newLambdaId = options.newLambdaId ?? randomUUID
    this.#newChannelToken = options.newChannelToken ?? (() => newChannelToken())
    this.#events = options.events
    this.#logger = options.logger
    this.#gate = new InvokeGate(context.invokeGate, {
      now: this.#now,
      publishTo: { events: options.events, poolId: context.poolId },
      ...(options.random === undefined ? {} : { random: options.random }),
    })
    this.#instanceHooks = {
      onStateChanged: this.#onInstanceStateChanged,
      onChannelParked: this.#onChannelParked,
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
        webSocketIdleTimeoutMs: context.webSocketIdleTimeoutMs,
        webSocketCloseTimeoutMs: context.webSocketCloseTimeoutMs,
        exposeInternalHeaders: context.exposeInternalHeaders,
        now: this.#now,
        events: this.#events,
      },
      registry: this.#registry,
      events: this.#events,
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
    this.control = new PoolControl({
      poolId: context.poolId,
      registry: this.#registry,
      events: this.#events,
      maxChannels: context.channelCount,
      wantsReplacement: (live) => this.#state === 'open' && this.#scaler.desiredInstances > live,
    })
    this.#events.poolOpened.publish(this)
  }

  /** The invoke gate's state now: breaker, backoff, tokens left in the burst bucket. */
  get invokeGate(): InvokeGateView {
    return this.#gate.view
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
    this.#events.poolClosed.publish({ poolId: this.poolId })
    this.#state = 'closed'
  }

  #scaleSnapshot(): ScaleSnapshot {
    // Refused requests count as waiting ones, up to one instance's worth: they show that clients want service, not
    // how many will come back, and one instance is what the breaker's probe needs.
    const refused = Math.min(this.dispatcher.refusedDemand, this.context.maxConcurrentCount)
    return scaleSnapshotOf(this.#registry.counts(), this.dispatcher.queueLength + refused)
  }

  #startInstances(count: number): void {
    for (let started = 0; started < count; started++) {
      if (this.#state !== 'open') return
      const { byState } = this.#registry.counts()
      const kept = byState.initial + byState.starting + byState.open < this.context.scaling.minInstances
      const free = kept && this.#freeReplacements > 0
      const admission = this.#gate.tryAcquire({ fromBucket: !free })
      if (!admission.ok) {
        const { reason, retryInMs } = admission
        this.#armRetry(retryInMs)
        // Throttles and failures that do not open the breaker still back off; once as many came in a row as would
        // open it, with nothing able to serve, waiting out the queue timeout helps nobody either.
        const threshold = this.context.invokeGate.breaker.failureThreshold
        if (reason === 'circuit-open') this.#refuseWhileBreakerOpen(retryInMs)
        else if (reason === 'backoff' && this.#gate.view.consecutiveFailures >= threshold) {
          this.#refuseWhileNothingCanServe('invokes keep failing or being throttled; backing off', retryInMs)
        }
        return
      }
      if (this.dispatcher.noCapacity !== undefined) this.dispatcher.setNoCapacity(undefined)
      if (free) this.#freeReplacements--
      this.#launch(kept)
    }
  }

  #stopInstances(count: number): void {
    for (const instance of pickInstancesToStop(this.#registry.values(), count)) {
      instance.transition(['open'], 'closing')
    }
  }

  // A kept instance is told to stay idle up to its deadline (IdleGraceMs); the router's scale-in still stops it with
  // goaway when MinInstances is lowered. Others keep the extension's own idle grace.
  #launch(kept: boolean): void {
    const lambdaId = this.#newLambdaId()
    const channelToken = this.#newChannelToken()
    const instance = new LambdaInstance({
      poolId: this.poolId,
      lambdaId,
      maxConcurrentCount: this.context.maxConcurrentCount,
      webSockets: this.context.webSocketLimits,
      maxChannels: this.context.channelCount,
      channelToken,
      instanceStartTimeoutMs: this.context.instanceStartTimeoutMs,
      now: this.#now,
      events: this.#events,
      hooks: this.#instanceHooks,
    })
    this.#registry.add(instance)
    if (kept) this.#kept.add(instance)
    instance.transition(['initial'], 'starting')
    const payload = instanceWaiterRequest(this.context, { lambdaId, channelToken, kept, nowMs: Date.now() })
    this.#events.invokeStarted.publish({ poolId: this.poolId, lambdaId, kind: 'instance' })
    this.#track(
      this.#invoker
        .invoke({ functionName: this.context.functionName, payload }, instance.invokeSignal)
        .then((outcome) => this.#onInvokeReturned(instance, outcome)),
    )
    if (this.context.preWarmInvokes) this.#preWarm(payload)
  }

  // The original's init-only buddy (original-protocol.md §2.1): warms a spare environment. It passes the gate too.
  #preWarm(main: WaiterRequest): void {
    const admission = this.#gate.tryAcquire({ kind: 'pre_warm' })
    if (!admission.ok) return
    const payload = preWarmWaiterRequest(main, this.#newChannelToken())
    const controller = new AbortController()
    this.#events.invokeStarted.publish({ poolId: this.poolId, lambdaId: payload.id, kind: 'pre_warm' })
    this.#track(
      this.#invoker.invoke({ functionName: this.context.functionName, payload }, controller.signal).then((outcome) => {
        this.#gate.recordOutcome(outcome.kind === 'completed' ? 'success' : outcome.kind)
        this.#events.invokeReturned.publish(invokeReturned(this.poolId, payload.id, outcome, false))
      }),
    )
  }

  #track(invoke: Promise<void>): void {
    const tracked = invoke.catch((err: unknown) => this.#logger.error({ err }, 'invoke bookkeeping failed'))
    this.#invokes.add(tracked)
    void tracked.then(() => this.#invokes.delete(tracked))
  }

  #onInvokeReturned(instance: LambdaInstance, outcome: InvokeOutcome): void {
    const { lambdaId, invokeSignal } = instance
    this.#events.invokeReturned.publish(invokeReturned(this.poolId, lambdaId, outcome, invokeSignal.aborted))
    // The gate hears once per invoke: 'success' when it opened, 'never-connected' at the start timeout, else here.
    if (instance.state === 'starting') {
      this.#gate.recordOutcome(
        outcome.kind === 'completed' ? this.#startFailure(instance, outcome.functionError !== undefined) : outcome.kind,
      )
      if (outcome.kind === 'completed' && outcome.functionError !== undefined) this.#onAppStartFailed(instance, outcome)
    }
    instance.transition(LIVE_STATES, 'closed')
    if (this.#gate.breakerState === 'open') this.#refuseWhileBreakerOpen(this.#gate.view.nextAdmissionInMs)
  }

  // A function error before the instance connected back: the app crashed, never got ready, or init timed out.
  // Waiting clients get 502 with the reason now, unless another instance may still serve them.
  #onAppStartFailed(instance: LambdaInstance, outcome: Extract<InvokeOutcome, { kind: 'completed' }>): void {
    const error = appStartFailure(this.poolId, this.context.functionName, outcome)
    this.#appStartFailure = error
    this.#events.appStartFailed.publish({ poolId: this.poolId, lambdaId: instance.lambdaId, error })
    for (const other of this.#registry.values()) {
      if (other !== instance && acceptsChannels(other.state)) return
    }
    this.dispatcher.failWaiting(error)
  }

  readonly #onInstanceStateChanged = (instance: LambdaInstance, _from: InstanceState, to: InstanceState): void => {
    if (to === 'open') {
      this.#appStartFailure = undefined
      this.#gate.recordOutcome('success')
      if (this.dispatcher.noCapacity !== undefined) this.dispatcher.setNoCapacity(undefined)
      this.dispatcher.clearRefusedDemand()
      this.control.retireOneAwaitingReplacement()
    } else if (to === 'closed') {
      this.#registry.delete(instance)
    }
    if (to !== 'open' && to !== 'starting' && this.#kept.delete(instance)) this.#onKeptInstanceLeft(instance)
    this.#scaler.notify()
  }

  // Slow or broken (classifyStartFailure): told by whether another instance of this pool is connected now.
  #startFailure(instance: LambdaInstance, functionError: boolean): InvokeGateOutcome {
    const outcome = classifyStartFailure({ functionError, openInstances: this.#registry.counts().byState.open })
    if (outcome === 'slow-connect') {
      this.#events.instanceSlowToConnect.publish({
        poolId: this.poolId,
        lambdaId: instance.lambdaId,
        ageMs: instance.ageMs,
      })
    }
    return outcome
  }

  // Lived half its function timeout: it left at (or near) its deadline, not in a loop, so its replacement is free.
  #onKeptInstanceLeft(instance: LambdaInstance): void {
    if (instance.ageMs < this.context.functionTimeoutMs / 2) return
    this.#freeReplacements = Math.min(this.context.scaling.minInstances, this.#freeReplacements + 1)
  }

  readonly #onChannelParked = (): void => {
    this.dispatcher.drain()
  }

  readonly #onStartTimeout = (instance: LambdaInstance): void => {
    this.#gate.recordOutcome(this.#startFailure(instance, false))
    if (this.#gate.breakerState === 'open') this.#refuseWhileBreakerOpen(this.#gate.view.nextAdmissionInMs)
  }

  // With the breaker open and no instance able to serve, waiting requests could only time out: refuse them now with
  // NoCapacityError (503 + Retry-After) instead. Callers pass the gate's nextAdmissionInMs: while the breaker is open
  // that is its cool-down, far longer than the backoff, so a client that honours Retry-After is not refused again.
  // The retry timer is armed for the end of the cool-down, so the half-open probe goes out then on its own.
  #refuseWhileBreakerOpen(retryAfterMs: number): void {
    this.#refuseWhileNothingCanServe('the invoke circuit breaker is open', retryAfterMs)
    this.#armRetry(retryAfterMs)
  }

  // An instance still starting (the breaker's probe among them) may yet serve: requests wait for it instead.
  #refuseWhileNothingCanServe(why: string, retryAfterMs: number): void {
    for (const instance of this.#registry.values()) {
      if (instance.state !== 'closing' && instance.state !== 'closed') return
    }
    this.dispatcher.setNoCapacity({
      why,
      retryAfterMs: Math.max(1000, retryAfterMs),
      appStartFailure: this.#appStartFailure,
    })
  }

  // One timer: when the gate may admit again, ask the scaler to look again (it restarts missing instances).
  #armRetry(retryInMs: number): void {
    if (this.#retryTimer !== undefined || this.#state !== 'open') return
    this.#retryTimer = setTimeout(this.#onRetry, Math.max(1, Math.ceil(retryInMs)))
  }

  // When the breaker's cool-down is over and nothing is live, the probe goes out whether or not a request waits: a
  // pool with MinInstances 0 whose clients were all refused has no queue to wake it (issue 12 item 1). A probe that
  // connects closes the breaker; the scaler then stops it again if nobody wants it.
  readonly #onRetry = (): void => {
    this.#retryTimer = undefined
    if (this.#state !== 'open') return
    const { byState } = this.#registry.counts()
    const live = byState.initial + byState.starting + byState.open
    if (live === 0 && this.#gate.breakerState === 'half-open') this.#startInstances(1)
    this.#scaler.notify()
  }

  #clearRetry(): void {
    if (this.#retryTimer === undefined) return
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
  }
}
