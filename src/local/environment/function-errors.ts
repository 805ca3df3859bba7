// Pure. Turns an environment failure into the function error body an Invoke caller receives, in Lambda's wording.
import {
  describeStderrTail,
  EnvironmentShutDownError,
  ExtensionExitError,
  FunctionTimeoutError,
  InitReportedError,
  InitTimeoutError,
  type LocalLambdaError,
  ProcessExitedError,
} from '../errors.js'

/** The JSON body sent with `X-Amz-Function-Error: Unhandled`. */
export interface FunctionErrorBody {
  readonly errorType: string
  readonly errorMessage: string
}

/** Lambda lets a runtime post up to 6 MiB plus 100 bytes of envelope (aws-lambda-runtime-interface-emulator). */
export const RESPONSE_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024 + 100

const SIGNAL_WORDS: Readonly<Record<string, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGINT: 'interrupt',
}

/** How Lambda describes a process end ("exit status 1", "signal: killed"), after Go's ProcessState.String(). */
export function describeExit(exitCode: number | null, signal: string | null): string {
  if (signal !== null) return `signal: ${SIGNAL_WORDS[signal] ?? signal.toLowerCase()}`
  return `exit status ${exitCode ?? 'unknown'}`
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(2)
}

/** The body for a failure while `requestId` was waiting on the environment (during its init or its invoke). */
export function functionErrorFor(failure: LocalLambdaError, requestId: string): FunctionErrorBody {
  const prefix = `RequestId: ${requestId} Error:`
  if (failure instanceof FunctionTimeoutError) {
    return {
      errorType: 'Sandbox.Timedout',
      errorMessage: `${prefix} Task timed out after ${seconds(failure.timeoutMs)} seconds`,
    }
  }
  if (failure instanceof InitTimeoutError) {
    return {
      errorType: 'Sandbox.Timedout',
      errorMessage: `${prefix} Init phase timed out after ${seconds(failure.initTimeoutMs)} seconds`,
    }
  }
  if (failure instanceof InitReportedError) {
    return { errorType: failure.errorType, errorMessage: failure.errorMessage }
  }
  if (failure instanceof ProcessExitedError) {
    const spawnCode = (failure.cause as NodeJS.ErrnoException | undefined)?.code
    if (spawnCode !== undefined) {
      return {
        errorType: failure.role === 'runtime' ? 'Runtime.InvalidEntrypoint' : 'Extension.LaunchError',
        errorMessage: `${prefix} could not start ${failure.processName}: ${spawnCode}`,
      }
    }
    if (failure.role === 'runtime') {
      const detail =
        failure.exitCode === 0 && failure.signal === null
          ? 'Runtime exited without providing a reason'
          : `Runtime exited with error: ${describeExit(failure.exitCode, failure.signal)}`
      // Lambda sends stderr to CloudWatch only; locally there is no log group, so its last lines travel here.
      return {
        errorType: 'Runtime.ExitError',
        errorMessage: `${prefix} ${detail}${describeStderrTail(failure.stderrTail)}`,
      }
    }
    return {
      errorType: 'Extension.Crash',
      errorMessage: `${prefix} ${describeExit(failure.exitCode, failure.signal)}${describeStderrTail(failure.stderrTail)}`,
    }
  }
  if (failure instanceof ExtensionExitError) {
    return {
      errorType: failure.errorType,
      errorMessage: `${prefix} extension ${failure.extensionName} exited with an error`,
    }
  }
  if (failure instanceof EnvironmentShutDownError) {
    return {
      errorType: 'Sandbox.ShutDown',
      errorMessage: `${prefix} the execution environment was shut down (${failure.reason})`,
    }
  }
  return { errorType: 'Runtime.Unknown', errorMessage: `${prefix} ${failure.message}` }
}

/** The body when the runtime posted a response larger than RESPONSE_PAYLOAD_LIMIT_BYTES. */
export function responseTooLargeError(): FunctionErrorBody {
  return {
    errorType: 'Function.ResponseSizeTooLarge',
    errorMessage: `Response payload size exceeded maximum allowed payload size (${RESPONSE_PAYLOAD_LIMIT_BYTES} bytes).`,
  }
}

/**
 * Reads an error posted by a runtime or extension: its JSON `errorType`/`errorMessage` when present, else the header
 * type and the raw text. Lambda passes the posted body through; this is only used where a typed view is needed.
 */
export function parsePostedError(body: Buffer, headerType: string | undefined): FunctionErrorBody {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    parsed = undefined
  }
  const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  return {
    errorType: typeof record.errorType === 'string' ? record.errorType : (headerType ?? 'Runtime.Unknown'),
    errorMessage: typeof record.errorMessage === 'string' ? record.errorMessage : body.toString('utf8'),
  }
}
