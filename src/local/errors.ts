// Named failures of the local Lambda service. Each carries the ids and timings needed to explain it in a log line.
import { LambdaDispatchError } from '../common/index.js'

/** Base of every local Lambda failure; `environmentId` names the execution environment it happened in. */
export abstract class LocalLambdaError extends LambdaDispatchError {
  constructor(
    readonly environmentId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

export class InitTimeoutError extends LocalLambdaError {
  readonly code = 'LD_LOCAL_INIT_TIMEOUT'

  constructor(
    environmentId: string,
    readonly initTimeoutMs: number,
  ) {
    super(environmentId, `environment ${environmentId} did not finish init within ${initTimeoutMs} ms`)
  }
}

export class InitReportedError extends LocalLambdaError {
  readonly code = 'LD_LOCAL_INIT_ERROR'

  constructor(
    environmentId: string,
    readonly reporter: 'runtime' | 'extension',
    readonly errorType: string,
    readonly errorMessage: string,
  ) {
    super(
      environmentId,
      `the ${reporter} of environment ${environmentId} reported an init error: ${errorType}: ${errorMessage}`,
    )
  }
}

export class FunctionTimeoutError extends LocalLambdaError {
  readonly code = 'LD_LOCAL_FUNCTION_TIMEOUT'

  constructor(
    environmentId: string,
    readonly requestId: string,
    readonly timeoutMs: number,
  ) {
    super(environmentId, `invoke ${requestId} in environment ${environmentId} ran past the ${timeoutMs} ms timeout`)
  }
}

export class ProcessExitedError extends LocalLambdaError {
  readonly code = 'LD_LOCAL_PROCESS_EXITED'

  constructor(
    environmentId: string,
    readonly processName: string,
    readonly role: 'runtime' | 'extension',
    readonly pid: number | undefined,
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** The last lines the process wrote to stderr, when its output was piped. */
    readonly stderrTail: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(
      environmentId,
      `${role} process ${processName} (pid ${pid ?? 'none'}) of environment ${environmentId} exited unexpectedly` +
        ` (${signal ? `signal ${signal}` : `exit code ${exitCode}`})${describeStderrTail(stderrTail)}`,
      options,
    )
  }
}

export class ExtensionExitError extends LocalLambdaError {
  readonly code = 'LD_LOCAL_EXTENSION_EXIT_ERROR'

  constructor(
    environmentId: string,
    readonly extensionName: string,
    readonly errorType: string,
  ) {
    super(
      environmentId,
      `extension ${extensionName} of environment ${environmentId} reported an exit error: ${errorType}`,
    )
  }
}

export class EnvironmentShutDownError extends LocalLambdaError {
  readonly code = 'LD_LOCAL_ENVIRONMENT_SHUT_DOWN'

  constructor(
    environmentId: string,
    readonly reason: string,
  ) {
    super(environmentId, `environment ${environmentId} was shut down (${reason}) while an invoke was running`)
  }
}

/** `; last stderr: "a" | "b"`, or nothing when the process wrote nothing to stderr. */
export function describeStderrTail(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `; last stderr: ${lines.map((line) => JSON.stringify(line)).join(' | ')}`
}
