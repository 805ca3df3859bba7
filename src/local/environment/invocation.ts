// The values an execution environment exchanges with its owner: an invoke going in, its outcome coming out, and
// the environment's snapshot. Pure: types and outcome builders only.
import type { LocalLambdaError } from '../errors.js'
import type { ProcessSnapshot } from './environment-processes.js'
import type { EnvironmentState } from './environment-states.js'
import { type FunctionErrorBody, functionErrorFor } from './function-errors.js'

/** One invoke as the environment receives it. */
export interface InvocationRequest {
  readonly requestId: string
  readonly payload: Buffer
  readonly invokedFunctionArn: string
  readonly traceId: string
  readonly clientContext: string | undefined
}

/** How an invoke ended. A function error is an expected outcome, so it is a value, not a rejection. */
export type InvocationOutcome =
  | { readonly kind: 'success'; readonly payload: Buffer }
  | {
      readonly kind: 'function-error'
      /** The body returned to the caller, with `X-Amz-Function-Error: Unhandled`. */
      readonly payload: Buffer
      readonly errorType: string
      /** Set when the environment failed (timeout, crash, init); undefined when the function reported the error. */
      readonly failure: LocalLambdaError | undefined
      /** Whether the environment failed before its init was done (so the invoke never reached the runtime). */
      readonly isInitFailure: boolean
    }

export interface EnvironmentSnapshot {
  readonly id: string
  readonly state: EnvironmentState
  /** `host:port` of its Runtime/Extensions API, once listening. */
  readonly runtimeApi: string | undefined
  /** The value given to each of the function's `portVariables` in this environment. */
  readonly port: number | undefined
  readonly processes: readonly ProcessSnapshot[]
  readonly invokesServed: number
  readonly createdAtMs: number
}

/** The outcome for an error the function reported itself (posted error, oversized response). */
export function reportedErrorOutcome(payload: Buffer, errorType: string): InvocationOutcome {
  return { kind: 'function-error', payload, errorType, failure: undefined, isInitFailure: false }
}

/** The outcome for an environment failure while `requestId` waited on it, in Lambda's function error wording. */
export function failureOutcome(
  failure: LocalLambdaError,
  requestId: string,
  isInitFailure: boolean,
): InvocationOutcome {
  const body: FunctionErrorBody = functionErrorFor(failure, requestId)
  return {
    kind: 'function-error',
    payload: Buffer.from(JSON.stringify(body)),
    errorType: body.errorType,
    failure,
    isInitFailure,
  }
}
