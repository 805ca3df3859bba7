// The execution environments of one function: admits each invoke under the concurrency limit, reuses warm
// environments, creates cold ones, runs queued Event invokes as capacity frees, and shuts everything down on close.
import type { Logger } from '../common/index.js'
import type { ThrottleReason } from './aws-errors.js'
import type { ChildOutput, ResolvedFunctionConfig } from './config.js'
import type { EnvironmentState } from './environment/environment-states.js'
import {
  type EnvironmentSnapshot,
  ExecutionEnvironment,
  type InvocationOutcome,
  type InvocationRequest,
} from './environment/execution-environment.js'
import type { GroupWatcher } from './environment/orphan-reaper.js'
import { isBusy, isIdle, pickEnvironment } from './pick-environment.js'
import type { FunctionCounters, FunctionTelemetry } from './telemetry.js'

export interface FunctionPoolOptions {
  readonly config: ResolvedFunctionConfig
  readonly region: string
  readonly accountId: string
  readonly childOutput: ChildOutput
  readonly logger: Logger
  readonly telemetry: FunctionTelemetry
  /** Passed to every environment, so a hard kill of this process kills their process groups too. */
  readonly watcher?: GroupWatcher
}

/** The answer to a RequestResponse invoke: throttled at once, or running with its outcome to come. */
export type InvokeAdmission =
  | { readonly kind: 'throttled'; readonly reason: ThrottleReason }
  | { readonly kind: 'started'; readonly outcome: Promise<InvocationOutcome> }

/** Counters since start plus the environments as they are now (derived from the live set, never mirrored). */
export interface LocalFunctionStats extends FunctionCounters {
  readonly environments: {
    readonly created: number
    readonly alive: number
    readonly busy: number
    readonly idle: number
    readonly frozen: number
  }
  /** Event invokes accepted (202) and waiting for a free slot. */
  readonly pendingEvents: number
}

export class FunctionPool {
  readonly name: string
  readonly #options: FunctionPoolOptions
  readonly #environments = new Map<string, ExecutionEnvironment>()
  #pendingEvents: InvocationRequest[] = []
  #nextEnvironmentNumber = 1
  #isClosing = false

  constructor(options: FunctionPoolOptions) {
    this.name = options.config.name
    this.#options = options
  }

  get throttleReason(): ThrottleReason {
    return this.#options.config.hasReservedConcurrency
      ? 'ReservedFunctionConcurrentInvocationLimitExceeded'
      : 'ConcurrentInvocationLimitExceeded'
  }

  /** Starts a RequestResponse invoke, or reports the throttle (and counts it). */
  invoke(request: InvocationRequest): InvokeAdmission {
    const outcome = this.#start(request, 'RequestResponse')
    if (outcome) return { kind: 'started', outcome }
    this.#options.telemetry.throttled('RequestResponse')
    return { kind: 'throttled', reason: this.throttleReason }
  }

  /** Accepts an Event invoke: it runs now if a slot is free, else when one frees (Lambda's internal queue). */
  enqueueEvent(request: InvocationRequest): void {
    this.#pendingEvents.push(request)
    this.#drainEvents()
  }

  recordDryRun(): void {
    this.#options.telemetry.dryRun()
  }

  stats(): LocalFunctionStats {
    const states = [...this.#environments.values()].map((environment) => environment.state)
    const count = (predicate: (state: EnvironmentState) => boolean): number => states.filter(predicate).length
    return {
      ...this.#options.telemetry.counters,
      environments: {
        created: this.#options.telemetry.counters.environmentsCreated,
        alive: states.length,
        busy: count(isBusy),
        idle: count(isIdle),
        frozen: count((state) => state === 'frozen'),
      },
      pendingEvents: this.#pendingEvents.length,
    }
  }

  snapshots(): EnvironmentSnapshot[] {
    return [...this.#environments.values()].map((environment) => environment.snapshot())
  }

  killSync(): void {
    for (const environment of this.#environments.values()) environment.killSync()
  }

  /** Drops queued Event invokes and shuts every environment down (reason `spindown`); resolves when all are gone. */
  async close(): Promise<void> {
    this.#isClosing = true
    this.#pendingEvents = []
    await Promise.all([...this.#environments.values()].map((environment) => environment.shutdown('spindown')))
  }

  #start(
    request: InvocationRequest,
    invocationType: 'RequestResponse' | 'Event',
  ): Promise<InvocationOutcome> | undefined {
    const candidates = [...this.#environments.values()].map((environment) => ({
      id: environment.id,
      state: environment.state,
      idleSinceMs: environment.idleSinceMs,
    }))
    const pick = pickEnvironment(candidates, this.#options.config.concurrencyLimit)
    if (pick.kind === 'throttle') return undefined
    const environment =
      pick.kind === 'reuse' ? (this.#environments.get(pick.environmentId) as ExecutionEnvironment) : this.#create()
    const start = {
      environmentId: environment.id,
      requestId: request.requestId,
      invocationType,
      isColdStart: pick.kind === 'create',
    }
    this.#options.telemetry.invokeStarted(start)
    const startedAtMs = Date.now()
    const outcome = environment.invoke(request)
    void outcome.then((result) => this.#options.telemetry.invokeEnded(start, result, Date.now() - startedAtMs))
    return outcome
  }

  #create(): ExecutionEnvironment {
    const { config, telemetry } = this.#options
    const environment = new ExecutionEnvironment({
      id: `${config.name}-${this.#nextEnvironmentNumber++}`,
      config,
      region: this.#options.region,
      accountId: this.#options.accountId,
      childOutput: this.#options.childOutput,
      logger: this.#options.logger,
      watcher: this.#options.watcher,
      listener: {
        onTransition: (env, from, to) => {
          telemetry.environmentTransition(env.id, from, to)
          // Deferred: an environment that just became idle is still inside its own transition.
          if (isIdle(to)) queueMicrotask(() => this.#drainEvents())
        },
        onInitDone: (env, initDurationMs) =>
          telemetry.environmentReady(env.id, initDurationMs, env.snapshot().processes),
        onShutdownDone: (env, reason, failure) => {
          this.#environments.delete(env.id)
          telemetry.environmentShutDown(env.id, reason, env.snapshot().processes, failure)
          queueMicrotask(() => this.#drainEvents())
        },
      },
    })
    this.#environments.set(environment.id, environment)
    telemetry.environmentCreated(environment.id)
    return environment
  }

  #drainEvents(): void {
    while (!this.#isClosing && this.#pendingEvents.length > 0) {
      const request = this.#pendingEvents[0] as InvocationRequest
      if (!this.#start(request, 'Event')) return
      this.#pendingEvents.shift()
    }
  }
}
