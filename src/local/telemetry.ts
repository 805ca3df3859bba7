// Every domain event of one function passes through here once: it bumps its counter, emits the typed event and
// writes the log line, so the wording, the levels and the counts live in one file.
import type { EventEmitter } from 'node:events'
import type { Logger } from '../common/index.js'
import type { ProcessSnapshot } from './environment/environment-processes.js'
import type { EnvironmentState } from './environment/environment-states.js'
import type { InvocationOutcome, ShutdownReason } from './environment/execution-environment.js'
import { FunctionTimeoutError, type LocalLambdaError } from './errors.js'

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun'

export interface EnvironmentCreatedEvent {
  readonly functionName: string
  readonly environmentId: string
}

export interface EnvironmentStateEvent {
  readonly functionName: string
  readonly environmentId: string
  readonly from: EnvironmentState
  readonly to: EnvironmentState
}

export interface EnvironmentReadyEvent {
  readonly functionName: string
  readonly environmentId: string
  readonly initDurationMs: number
  readonly processes: readonly ProcessSnapshot[]
}

export interface InvokeStartEvent {
  readonly functionName: string
  readonly environmentId: string
  readonly requestId: string
  readonly invocationType: Exclude<InvocationType, 'DryRun'>
  readonly isColdStart: boolean
}

export interface InvokeEndEvent {
  readonly functionName: string
  readonly environmentId: string
  readonly requestId: string
  readonly invocationType: Exclude<InvocationType, 'DryRun'>
  readonly result: 'success' | 'function-error' | 'timeout'
  readonly errorType: string | undefined
  readonly durationMs: number
}

export interface ThrottleEvent {
  readonly functionName: string
  readonly invocationType: Exclude<InvocationType, 'DryRun'>
}

export interface EnvironmentShutdownEvent {
  readonly functionName: string
  readonly environmentId: string
  readonly reason: ShutdownReason
  /** Every process the environment had, with how it ended: all of them are gone when this is emitted. */
  readonly processes: readonly ProcessSnapshot[]
  /** The `LD_LOCAL_…` code of the failure that ended the environment, if one did. */
  readonly errorCode: string | undefined
}

/** The events a LocalLambda emits; tests await them instead of sleeping. */
export interface LocalLambdaEvents {
  'environment-created': [EnvironmentCreatedEvent]
  'environment-state': [EnvironmentStateEvent]
  'environment-ready': [EnvironmentReadyEvent]
  'invoke-start': [InvokeStartEvent]
  'invoke-end': [InvokeEndEvent]
  throttle: [ThrottleEvent]
  'environment-shutdown': [EnvironmentShutdownEvent]
}

/** Event counters of one function since start. Timeouts are also function errors, as in Lambda's Errors metric. */
export interface FunctionCounters {
  readonly invokes: Readonly<Record<InvocationType, number>>
  readonly throttles: number
  readonly coldStarts: number
  readonly warmStarts: number
  readonly timeouts: number
  readonly functionErrors: number
  readonly initFailures: number
  readonly environmentsCreated: number
}

export class FunctionTelemetry {
  readonly #functionName: string
  readonly #emitter: EventEmitter<LocalLambdaEvents>
  readonly #logger: Logger
  readonly #invokes: Record<InvocationType, number> = { RequestResponse: 0, Event: 0, DryRun: 0 }
  #throttles = 0
  #coldStarts = 0
  #warmStarts = 0
  #timeouts = 0
  #functionErrors = 0
  #initFailures = 0
  #environmentsCreated = 0

  constructor(functionName: string, emitter: EventEmitter<LocalLambdaEvents>, logger: Logger) {
    this.#functionName = functionName
    this.#emitter = emitter
    this.#logger = logger
  }

  get counters(): FunctionCounters {
    return {
      invokes: { ...this.#invokes },
      throttles: this.#throttles,
      coldStarts: this.#coldStarts,
      warmStarts: this.#warmStarts,
      timeouts: this.#timeouts,
      functionErrors: this.#functionErrors,
      initFailures: this.#initFailures,
      environmentsCreated: this.#environmentsCreated,
    }
  }

  environmentCreated(environmentId: string): void {
    this.#environmentsCreated++
    this.#logger.info({ environmentId }, 'environment created')
    this.#emitter.emit('environment-created', { functionName: this.#functionName, environmentId })
  }

  environmentTransition(environmentId: string, from: EnvironmentState, to: EnvironmentState): void {
    this.#emitter.emit('environment-state', { functionName: this.#functionName, environmentId, from, to })
  }

  environmentReady(environmentId: string, initDurationMs: number, processes: readonly ProcessSnapshot[]): void {
    this.#logger.info({ environmentId, initDurationMs }, 'environment initialized')
    this.#emitter.emit('environment-ready', {
      functionName: this.#functionName,
      environmentId,
      initDurationMs,
      processes,
    })
  }

  invokeStarted(event: Omit<InvokeStartEvent, 'functionName'>): void {
    this.#invokes[event.invocationType]++
    if (event.isColdStart) this.#coldStarts++
    else this.#warmStarts++
    this.#logger.debug(event, 'invoke started')
    this.#emitter.emit('invoke-start', { functionName: this.#functionName, ...event })
  }

  invokeEnded(start: Omit<InvokeStartEvent, 'functionName'>, outcome: InvocationOutcome, durationMs: number): void {
    const failure = outcome.kind === 'function-error' ? outcome.failure : undefined
    const isTimeout = failure instanceof FunctionTimeoutError
    if (outcome.kind === 'function-error') this.#functionErrors++
    if (isTimeout) this.#timeouts++
    if (outcome.kind === 'function-error' && outcome.isInitFailure) this.#initFailures++
    const event: InvokeEndEvent = {
      functionName: this.#functionName,
      environmentId: start.environmentId,
      requestId: start.requestId,
      invocationType: start.invocationType,
      result: isTimeout ? 'timeout' : outcome.kind,
      errorType: outcome.kind === 'function-error' ? outcome.errorType : undefined,
      durationMs,
    }
    if (outcome.kind === 'success') this.#logger.debug(event, 'invoke ended')
    else this.#logger.info(event, 'invoke ended with a function error')
    this.#emitter.emit('invoke-end', event)
  }

  throttled(invocationType: Exclude<InvocationType, 'DryRun'>): void {
    this.#throttles++
    this.#logger.info({ invocationType }, 'invoke throttled: concurrency limit reached')
    this.#emitter.emit('throttle', { functionName: this.#functionName, invocationType })
  }

  dryRun(): void {
    this.#invokes.DryRun++
  }

  environmentShutDown(
    environmentId: string,
    reason: ShutdownReason,
    processes: readonly ProcessSnapshot[],
    failure: LocalLambdaError | undefined,
  ): void {
    this.#logger.info({ environmentId, reason, err: failure }, 'environment shut down')
    this.#emitter.emit('environment-shutdown', {
      functionName: this.#functionName,
      environmentId,
      reason,
      processes,
      errorCode: failure?.code,
    })
  }
}
