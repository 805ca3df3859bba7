// Client of the Lambda Runtime API (2018-06-01): next invocation, response, error. The extension process plays the
// runtime (original-protocol.md §2.4); the app never talks to this API. Touches only the Runtime API's socket.
import type { Pool } from 'undici'
import { LambdaApiError } from '../errors.js'
import { callLambdaApi, headerValue } from './api-call.js'

/** One invoke as `GET /runtime/invocation/next` delivers it. */
export interface InvokeEvent {
  readonly requestId: string
  /** Epoch milliseconds (`Lambda-Runtime-Deadline-Ms`). */
  readonly deadlineMs: number
  readonly functionArn: string | undefined
  readonly traceId: string | undefined
  readonly payload: Buffer
}

const BASE = '/2018-06-01/runtime/invocation'

export class RuntimeApiClient {
  readonly #pool: Pool

  constructor(pool: Pool) {
    this.#pool = pool
  }

  /** Long-polls for the next invoke; the call that ends the Lambda init phase. Rejects with `signal`'s reason. */
  async nextInvocation(signal?: AbortSignal): Promise<InvokeEvent> {
    const response = await callLambdaApi(this.#pool, 'invocation/next', { method: 'GET', path: `${BASE}/next`, signal })
    const requestId = headerValue(response, 'lambda-runtime-aws-request-id')
    const deadlineText = headerValue(response, 'lambda-runtime-deadline-ms')
    const deadlineMs = Number(deadlineText)
    if (!requestId || !deadlineText || !Number.isFinite(deadlineMs)) {
      throw new LambdaApiError('invocation/next', response.status, 'missing request id or deadline header')
    }
    return {
      requestId,
      deadlineMs,
      functionArn: headerValue(response, 'lambda-runtime-invoked-function-arn'),
      traceId: headerValue(response, 'lambda-runtime-trace-id'),
      payload: response.body,
    }
  }

  /** Completes the invoke with its result: the WaiterResponse, or the app's answer to a passed-through event. */
  async postResponse(requestId: string, body: string | Buffer): Promise<void> {
    await callLambdaApi(this.#pool, 'invocation/response', {
      method: 'POST',
      path: `${BASE}/${encodeURIComponent(requestId)}/response`,
      headers: { 'content-type': 'application/json' },
      body,
    })
  }

  /** Fails the invoke (a fatal condition, or an event the app failed); the body is the Runtime API's error document. */
  async postError(requestId: string, errorType: string, errorMessage: string): Promise<void> {
    await callLambdaApi(this.#pool, 'invocation/error', {
      method: 'POST',
      path: `${BASE}/${encodeURIComponent(requestId)}/error`,
      headers: { 'content-type': 'application/json', 'lambda-runtime-function-error-type': 'Unhandled' },
      body: JSON.stringify({ errorType, errorMessage }),
    })
  }
}
