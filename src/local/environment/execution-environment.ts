// One Lambda execution environment: its loopback API server, its processes (extensions, then the runtime) and
// its life from cold start to teardown. Owns its timers (cold start, init, invoke timeout, idle TTL) and its
// processes; every state change goes through #transition().
import { delay, type Logger } from '../../common/index.js'
import type { ChildOutput, ResolvedFunctionConfig } from '../config.js'
import {
  EnvironmentShutDownError,
  ExtensionExitError,
  FunctionTimeoutError,
  InitReportedError,
  InitTimeoutError,
  type LocalLambdaError,
  ProcessExitedError,
} from '../errors.js'
import { ApiServer } from './api-server.js'
import { EnvironmentProcesses, type ProcessRole } from './environment-processes.js'
import { canTransition, type EnvironmentState } from './environment-states.js'
import { ExtensionsApi, type ShutdownReason } from './extensions-api.js'
import { parsePostedError, responseTooLargeError } from './function-errors.js'
import {
  type EnvironmentSnapshot,
  failureOutcome,
  type InvocationOutcome,
  type InvocationRequest,
  reportedErrorOutcome,
} from './invocation.js'
import type { GroupWatcher } from './orphan-reaper.js'
import type { ProcessExit, ProcessGroup } from './process-group.js'
import { RuntimeApi, type RuntimeInvocation } from './runtime-api.js'

export type { ShutdownReason } from './extensions-api.js'
export type { EnvironmentSnapshot, InvocationOutcome, InvocationRequest } from './invocation.js'

/** The owner's view of the environment's life. Called synchronously; implementations must not throw. */
export interface EnvironmentListener {
  onTransition(environment: ExecutionEnvironment, from: EnvironmentState, to: EnvironmentState): void
  onInitDone(environment: ExecutionEnvironment, initDurationMs: number): void
  onShutdownDone(environment: ExecutionEnvironment, reason: ShutdownReason, failure: LocalLambdaError | undefined): void
}

export interface ExecutionEnvironmentOptions {
  readonly id: string
  readonly config: ResolvedFunctionConfig
  readonly region: string
  readonly accountId: string
  readonly childOutput: ChildOutput
  readonly logger: Logger
  readonly listener: EnvironmentListener
  /** Watches every process group spawned here (see OrphanReaper). */
  readonly watcher?: GroupWatcher
  /** Epoch milliseconds; injected so tests can pin deadlines. */
  readonly now?: () => number
}

interface PendingInvocation {
  readonly request: InvocationRequest
  readonly resolve: (outcome: InvocationOutcome) => void
  /** The runtime answered (response or error); the environment now waits for everyone to call next again. */
  hasResult: boolean
}

export class ExecutionEnvironment {
  readonly id: string
  readonly createdAtMs: number
  readonly #config: ResolvedFunctionConfig
  readonly #options: ExecutionEnvironmentOptions
  readonly #logger: Logger
  readonly #now: () => number
  readonly #runtimeApi: RuntimeApi
  readonly #extensionsApi: ExtensionsApi
  readonly #processes: EnvironmentProcesses
  /** Aborts the asynchronous part of init (server start, cold start delay) when shutdown begins first. */
  readonly #initAbort = new AbortController()
  #state: EnvironmentState = 'cold'
  /** Started with init; teardown awaits it so a server that finishes starting late is still closed. */
  #serverStart: Promise<ApiServer> | undefined
  #server: ApiServer | undefined
  /** Where init stands: spawning nothing yet, waiting for extensions to register, or for the runtime loop. */
  #initPhase: 'starting' | 'extensions' | 'runtime' = 'starting'
  #isInitDone = false
  #invocation: PendingInvocation | undefined
  #initStartedAtMs = 0
  #initTimer: NodeJS.Timeout | undefined
  #invokeTimer: NodeJS.Timeout | undefined
  #idleTimer: NodeJS.Timeout | undefined
  #idleSinceMs = 0
  #invokesServed = 0
  #failure: LocalLambdaError | undefined
  #shutdown: Promise<void> | undefined

  constructor(options: ExecutionEnvironmentOptions) {
    this.id = options.id
    this.#options = options
    this.#config = options.config
    this.#logger = options.logger
    this.#now = options.now ?? Date.now
    this.createdAtMs = this.#now()
    this.#runtimeApi = new RuntimeApi({
      onRuntimeWaiting: () => this.#evaluate(),
      onInvocationResponse: (requestId, payload) => this.#onResult(requestId, { kind: 'success', payload }),
      onInvocationResponseTooLarge: (requestId) => {
        const body = responseTooLargeError()
        this.#onResult(requestId, reportedErrorOutcome(Buffer.from(JSON.stringify(body)), body.errorType))
      },
      onInvocationError: (requestId, payload, errorType) => {
        const parsed = parsePostedError(payload, errorType)
        // Lambda returns the posted error document as the payload; an empty post still needs a JSON body.
        const body = payload.length > 0 ? payload : Buffer.from(JSON.stringify(parsed))
        this.#onResult(requestId, reportedErrorOutcome(body, parsed.errorType))
      },
      onInitError: (payload, errorType) => {
        const parsed = parsePostedError(payload, errorType)
        this.#failDuringInit(new InitReportedError(this.id, 'runtime', parsed.errorType, parsed.errorMessage))
      },
    })
    this.#extensionsApi = new ExtensionsApi(
      {
        onExtensionRegistered: () => this.#evaluate(),
        onExtensionWaiting: () => this.#evaluate(),
        onExtensionInitError: (name, errorType, errorMessage) =>
          this.#failDuringInit(
            new InitReportedError(this.id, 'extension', errorType, errorMessage ?? `extension ${name} failed to init`),
          ),
        onExtensionExitError: (name, errorType) => this.#fail(new ExtensionExitError(this.id, name, errorType)),
      },
      {
        functionName: this.#config.name,
        functionVersion: '$LATEST',
        handler: this.#config.handler,
        accountId: options.accountId,
      },
    )
    this.#processes = new EnvironmentProcesses({
      environmentId: this.id,
      config: this.#config,
      region: options.region,
      childOutput: options.childOutput,
      logger: this.#logger,
      watcher: options.watcher,
      createdAtMs: this.createdAtMs,
      onExit: (group, role, exit) => this.#onProcessExit(group, role, exit),
    })
  }

  get state(): EnvironmentState {
    return this.#state
  }

  /** When the environment last became idle (epoch ms); the picker prefers the most recent. */
  get idleSinceMs(): number {
    return this.#idleSinceMs
  }

  snapshot(): EnvironmentSnapshot {
    return {
      id: this.id,
      state: this.#state,
      runtimeApi: this.#server?.address,
      port: this.#processes.port,
      processes: this.#processes.snapshot(),
      invokesServed: this.#invokesServed,
      createdAtMs: this.createdAtMs,
    }
  }

  /**
   * Runs one invoke. A cold environment initializes first (the init belongs to this invoke, as on Lambda); a
   * ready or frozen one starts at once. Never rejects: failures become function-error outcomes.
   */
  invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    if (this.#state !== 'cold' && this.#state !== 'ready' && this.#state !== 'frozen') {
      throw new Error(
        `BUG: invoke on environment ${this.id} in state ${this.#state}; the picker only hands out idle ones`,
      )
    }
    const outcome = new Promise<InvocationOutcome>((resolve) => {
      this.#invocation = { request, resolve, hasResult: false }
    })
    if (this.#state === 'cold') {
      this.#transition(['cold'], 'initializing')
      this.#initialize().catch((error: unknown) => this.#onInitCrash(error))
    } else {
      this.#transition(['ready', 'frozen'], 'invoking')
    }
    return outcome
  }

  /**
   * Tears the environment down as Lambda does: SIGTERM to the runtime (SIGKILL when no extension registered), then
   * SHUTDOWN to the extensions subscribed to it, SIGKILL to everything left at the deadline. Idempotent.
   */
  shutdown(reason: ShutdownReason): Promise<void> {
    if (!this.#shutdown) {
      this.#transition(['cold', 'initializing', 'ready', 'invoking', 'frozen'], 'shutting-down')
      this.#shutdown = this.#teardown(reason)
    }
    return this.#shutdown
  }

  /** SIGKILL to every process group at once, for a `process.on('exit')` hook. */
  killSync(): void {
    this.#processes.killSync()
  }

  /** The one place #state changes. Returns false (and changes nothing) when `from` does not hold. */
  #transition(from: readonly EnvironmentState[], to: EnvironmentState): boolean {
    const previous = this.#state
    if (!from.includes(previous) || !canTransition(previous, to)) return false
    this.#state = to
    switch (to) {
      case 'initializing':
      case 'dead':
        break
      case 'ready':
        this.#idleSinceMs = this.#now()
        this.#idleTimer = setTimeout(() => void this.shutdown('spindown'), this.#config.idleEnvironmentTtlMs)
        break
      case 'frozen':
        this.#processes.signal('SIGSTOP')
        break
      case 'invoking':
        clearTimeout(this.#idleTimer)
        if (previous === 'frozen') this.#processes.signal('SIGCONT')
        this.#beginInvocation()
        break
      case 'shutting-down':
        clearTimeout(this.#idleTimer)
        clearTimeout(this.#initTimer)
        clearTimeout(this.#invokeTimer)
        this.#initAbort.abort()
        if (previous === 'frozen') this.#processes.signal('SIGCONT')
        break
      case 'cold':
        throw new Error('BUG: no transition leads back to cold')
      default: {
        const exhaustive: never = to
        throw new Error(`BUG: unknown state ${String(exhaustive)}`)
      }
    }
    this.#logger.debug({ environmentId: this.id, from: previous, to }, 'environment state')
    this.#options.listener.onTransition(this, previous, to)
    return true
  }

  async #initialize(): Promise<void> {
    this.#serverStart = ApiServer.start([
      (req, res, pathname) => this.#runtimeApi.handle(req, res, pathname),
      (req, res, pathname) => this.#extensionsApi.handle(req, res, pathname),
    ])
    this.#server = await this.#serverStart
    await this.#processes.prepare(this.#server.address)
    if (this.#state !== 'initializing') return
    if (this.#config.coldStartDelayMs > 0) await delay(this.#config.coldStartDelayMs, this.#initAbort.signal)
    this.#initStartedAtMs = this.#now()
    this.#initTimer = setTimeout(
      () => this.#fail(new InitTimeoutError(this.id, this.#config.initTimeoutMs)),
      this.#config.initTimeoutMs,
    )
    this.#initPhase = 'extensions'
    this.#processes.spawnExtensions()
    // Lambda starts the runtime only once every extension has registered (rapid/handlers.go: doInitExtensions).
    this.#evaluate()
  }

  #onInitCrash(error: unknown): void {
    // The cold start delay rejects with the abort reason when shutdown began first; that is not a failure.
    if (this.#initAbort.signal.aborted) return
    this.#logger.error({ environmentId: this.id, err: error }, 'environment init crashed')
    this.#fail(new InitReportedError(this.id, 'runtime', 'Runtime.Unknown', String(error)))
  }

  #onProcessExit(group: ProcessGroup, role: ProcessRole, exit: ProcessExit): void {
    if (this.#state === 'shutting-down' || this.#state === 'dead') return
    this.#fail(
      new ProcessExitedError(this.id, group.name, role, group.pid, exit.exitCode, exit.signal, group.stderrTail, {
        cause: exit.spawnError,
      }),
    )
  }

  /** Re-checks progress after any API event: every wait in the lifecycle is a condition tested here. */
  #evaluate(): void {
    if (this.#state === 'initializing') {
      if (
        this.#initPhase === 'extensions' &&
        this.#extensionsApi.registeredCount >= this.#config.extensionCommands.length
      ) {
        this.#initPhase = 'runtime'
        this.#processes.spawnRuntime()
        return
      }
      // Init ends when the runtime loop and every registered extension wait for their first event.
      if (this.#initPhase === 'runtime' && this.#runtimeApi.isWaiting && this.#extensionsApi.isEveryoneWaiting()) {
        clearTimeout(this.#initTimer)
        this.#isInitDone = true
        this.#extensionsApi.closeRegistration()
        this.#options.listener.onInitDone(this, this.#now() - this.#initStartedAtMs)
        this.#transition(['initializing'], this.#invocation ? 'invoking' : 'ready')
      }
      return
    }
    const invocation = this.#invocation
    if (
      this.#state === 'invoking' &&
      invocation?.hasResult &&
      this.#runtimeApi.isWaiting &&
      this.#extensionsApi.isEveryoneWaiting('INVOKE')
    ) {
      clearTimeout(this.#invokeTimer)
      this.#invocation = undefined
      this.#transition(['invoking'], 'ready')
      if (this.#config.freezeWhenIdle) this.#transition(['ready'], 'frozen')
    }
  }

  #beginInvocation(): void {
    const invocation = this.#invocation as PendingInvocation
    const { request } = invocation
    this.#invokesServed++
    const deadlineEpochMs = this.#now() + this.#config.timeoutMs
    this.#invokeTimer = setTimeout(
      () => this.#fail(new FunctionTimeoutError(this.id, request.requestId, this.#config.timeoutMs)),
      this.#config.timeoutMs,
    )
    this.#extensionsApi.send({
      eventType: 'INVOKE',
      deadlineMs: deadlineEpochMs,
      requestId: request.requestId,
      invokedFunctionArn: request.invokedFunctionArn,
      tracing: { type: 'X-Amzn-Trace-Id', value: request.traceId },
    })
    const runtimeInvocation: RuntimeInvocation = { ...request, deadlineEpochMs }
    this.#runtimeApi.deliver(runtimeInvocation)
  }

  #onResult(requestId: string, outcome: InvocationOutcome): void {
    const invocation = this.#invocation
    if (this.#state !== 'invoking' || invocation?.request.requestId !== requestId || invocation.hasResult) return
    invocation.hasResult = true
    invocation.resolve(outcome)
    this.#evaluate()
  }

  #failDuringInit(failure: LocalLambdaError): void {
    if (this.#state === 'initializing') this.#fail(failure)
  }

  /** Every failure ends here: the waiting invoke (if any) gets its function error, then the environment goes. */
  #fail(failure: LocalLambdaError): void {
    if (this.#state === 'shutting-down' || this.#state === 'dead') return
    this.#failure = failure
    this.#logger.warn({ environmentId: this.id, err: failure }, `environment failed: ${failure.message}`)
    this.#settleWithFailure(failure)
    const isTimeout = failure instanceof FunctionTimeoutError || failure instanceof InitTimeoutError
    void this.shutdown(isTimeout ? 'timeout' : 'failure')
  }

  #settleWithFailure(failure: LocalLambdaError): void {
    const invocation = this.#invocation
    this.#invocation = undefined
    this.#runtimeApi.abandonInvocation()
    if (!invocation || invocation.hasResult) return
    invocation.hasResult = true
    invocation.resolve(failureOutcome(failure, invocation.request.requestId, !this.#isInitDone))
  }

  async #teardown(reason: ShutdownReason): Promise<void> {
    this.#settleWithFailure(this.#failure ?? new EnvironmentShutDownError(this.id, reason))
    const startedAtMs = this.#now()
    await this.#processes.close({
      hasRegisteredExtensions: this.#extensionsApi.registeredCount > 0,
      hasShutdownSubscribers: this.#extensionsApi.subscriberCount('SHUTDOWN') > 0,
      sendShutdown: (deadlineMs) =>
        this.#extensionsApi.send({ eventType: 'SHUTDOWN', deadlineMs, shutdownReason: reason }),
      shutdownTimeoutMs: this.#config.shutdownTimeoutMs,
      now: this.#now,
    })
    this.#runtimeApi.close()
    this.#extensionsApi.close()
    const server = await this.#serverStart?.catch(() => undefined)
    await server?.close()
    this.#transition(['shutting-down'], 'dead')
    this.#logger.debug(
      { environmentId: this.id, reason, durationMs: this.#now() - startedAtMs },
      'environment shut down',
    )
    this.#options.listener.onShutdownDone(this, reason, this.#failure)
  }
}
