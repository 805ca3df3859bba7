// The contract between a pool and whatever runs Lambda invokes: AWS through the SDK, or anything that speaks the
// same outcome. Types only.
import type { WaiterRequest, WaiterResponse } from '../../protocol/index.js'

export interface InvokeRequest {
  /** Name, name:qualifier or ARN, passed to Lambda unchanged. */
  readonly functionName: string
  readonly payload: WaiterRequest
}

/**
 * How one invoke ended. `durationMs` is the time from sending it to its end.
 * - completed: the function ran and returned. `functionError` is Lambda's `X-Amz-Function-Error` ('Unhandled',
 *   'Handled') when the handler failed; `response` is the decoded WaiterResponse when the payload was one.
 * - throttled: Lambda refused it for concurrency or rate (429); back off, the function itself is fine.
 * - failed: it never ran to completion. `retryable` says whether trying again later may help (network, timeout, 5xx)
 *   or not (missing function, access denied, bad request).
 */
export type InvokeOutcome =
  | {
      readonly kind: 'completed'
      readonly response: WaiterResponse | undefined
      readonly functionError: string | undefined
      /** The function error document (`errorType`, `errorMessage`) when `functionError` is set and it has one. */
      readonly functionErrorBody?: FunctionErrorBody | undefined
      readonly durationMs: number
    }
  | { readonly kind: 'throttled'; readonly error: Error; readonly durationMs: number }
  | { readonly kind: 'failed'; readonly error: Error; readonly retryable: boolean; readonly durationMs: number }

/** Lambda's function error document. */
export interface FunctionErrorBody {
  readonly errorType: string
  readonly errorMessage: string
}

export interface Invoker {
  /**
   * Runs one RequestResponse invoke and resolves when it ends: with the function's return, or with why it did not
   * run. Never rejects. Aborting `signal` cancels the HTTP request and resolves 'failed', not retryable.
   */
  invoke(request: InvokeRequest, signal: AbortSignal): Promise<InvokeOutcome>
  /** Releases sockets. Invokes still running are aborted. */
  close(): Promise<void>
}
