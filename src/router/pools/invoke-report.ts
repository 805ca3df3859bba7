// Pure. One returned (or aborted) invoke as the InvokeReturned event its pool publishes (the result label and the
// details from the WaiterResponse or the failure), and a function error before connecting back as the app's start
// failure. No I/O.
import { AppStartFailedError } from '../errors.js'
import type { InvokeResult, InvokeReturned } from '../events.js'
import type { InvokeOutcome } from '../invoke/invoker.js'

/** The event for `outcome`; `aborted` tells a failure the pool caused (its abort signal) from a real one. */
export function invokeReturned(
  poolId: string,
  lambdaId: string,
  outcome: InvokeOutcome,
  aborted: boolean,
): InvokeReturned {
  return { poolId, lambdaId, result: invokeResult(outcome, aborted), ...invokeDetail(outcome) }
}

/** The result label of one invoke. */
export function invokeResult(outcome: InvokeOutcome, aborted: boolean): InvokeResult {
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

/** The app failed in init: its invoke returned a function error before the instance connected back. */
export function appStartFailure(
  poolId: string,
  functionName: string,
  outcome: Extract<InvokeOutcome, { kind: 'completed' }>,
): AppStartFailedError {
  const body = outcome.functionErrorBody
  return new AppStartFailedError(
    poolId,
    functionName,
    body?.errorType ?? `function error ${outcome.functionError}`,
    body?.errorMessage ?? 'the function returned no error document',
  )
}
