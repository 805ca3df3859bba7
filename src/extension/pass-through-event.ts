// One invoke that is not the router's (aws-lambda-web-adapter's pass-through): the raw event POSTed to the app at the
// pass-through path, and the app's answer body returned as the invoke's result, or its failure as a function error.
// PassThroughEvent owns that one app request and its deadline timer; both end when run() settles. reportEventOutcome
// posts the outcome to the Runtime API. The status rule and the deadline are pure functions.
import { Readable } from 'node:stream'
import { getHeader, type RawHeaders } from '../protocol/index.js'
import {
  AppRequestError,
  AppUnreachableError,
  EventAppStatusError,
  EventAppTimeoutError,
  EventResultTooLargeError,
  type ExtensionError,
} from './errors.js'
import type { RuntimeApiClient } from './lambda-api/runtime-api.js'
import {
  closeMarginMs,
  effectiveDeadlineMs,
  functionTimeoutMs,
  hardStopMarginMs,
  shutdownHardStopAtMs,
  timerDelayMs,
} from './lifetime.js'
import type { ReadinessProbe } from './readiness.js'
import type { AppClient, RelayControl, RelayHandler } from './relay.js'
import type { ExtensionTelemetry } from './telemetry.js'

/** Lambda's limit on a synchronous invoke's response (6 MB): a larger result could not be returned. */
export const MAX_EVENT_RESULT_BYTES = 6 * 1024 * 1024

// How much of a failing answer the error message quotes.
const ERROR_EXCERPT_BYTES = 256

/**
 * Pure: whether the app's status fails the invoke. A 5xx means the app could not handle the event now: the invoke
 * fails and the event source retries (SQS makes the batch visible again, EventBridge and S3 retry the async invoke).
 * Any other status is the app's considered answer and becomes the result: a 4xx says the event itself is wrong, and
 * retrying it would fail the same way until the source gives up (LWA, by default, fails on no status at all).
 */
export function isEventFailureStatus(status: number): boolean {
  return status >= 500
}

/**
 * Pure: when (epoch ms) the app must have answered an event in full, so the result or error still reaches the
 * Runtime API before Lambda's deadline: the hard-stop time the router's invokes use (1 s before the deadline, or half
 * the close margin when that is smaller). `LAMBDA_DISPATCH_FORCE_DEADLINE` does not apply: an event's deadline is
 * Lambda's own.
 */
export function eventStopAtMs(input: {
  lambdaDeadlineMs: number
  nowMs: number
  configuredFunctionTimeoutMs: number | undefined
  configuredMarginMs: number | undefined
}): number {
  const deadlineMs = effectiveDeadlineMs({
    lambdaDeadlineMs: input.lambdaDeadlineMs,
    nowMs: input.nowMs,
    forceDeadlineMs: undefined,
  })
  const timeoutMs = functionTimeoutMs({
    configuredMs: input.configuredFunctionTimeoutMs,
    deadlineMs,
    invokeStartMs: input.nowMs,
  })
  const marginMs = closeMarginMs({ configuredMarginMs: input.configuredMarginMs, functionTimeoutMs: timeoutMs })
  return deadlineMs - hardStopMarginMs(marginMs)
}

/** How a passed-through event ended: the app's answer for the Runtime API, or why the invoke fails. */
export type EventOutcome =
  | { readonly kind: 'result'; readonly status: number; readonly body: Buffer }
  | { readonly kind: 'error'; readonly error: ExtensionError }

export interface PassThroughEventOptions {
  readonly app: AppClient
  /** The pass-through path (LAMBDA_DISPATCH_PASS_THROUGH_PATH). */
  readonly path: string
  /** The invoke's payload, exactly as the Runtime API delivered it. */
  readonly payload: Buffer
  /** Epoch ms by which the app must have answered in full (eventStopAtMs). */
  readonly stopAtMs: number
  /** Default MAX_EVENT_RESULT_BYTES. */
  readonly maxResultBytes?: number
}

/** POSTs one event to the app and collects its answer, bounded in time (the invoke's deadline) and size. */
export class PassThroughEvent implements RelayHandler {
  readonly #options: PassThroughEventOptions
  readonly #maxResultBytes: number
  readonly #startMs = Date.now()
  readonly #outcome: Promise<EventOutcome>
  #settle: ((outcome: EventOutcome) => void) | undefined
  #control: RelayControl | undefined
  #timer: NodeJS.Timeout | undefined
  #stopAtMs: number
  #status: number | undefined
  readonly #chunks: Buffer[] = []
  #bytes = 0
  #done = false

  constructor(options: PassThroughEventOptions) {
    this.#options = options
    this.#maxResultBytes = options.maxResultBytes ?? MAX_EVENT_RESULT_BYTES
    this.#stopAtMs = options.stopAtMs
    this.#outcome = new Promise((resolve) => {
      this.#settle = resolve
    })
  }

  /** Sends the event; resolves with the outcome. Never rejects. Call once. */
  run(): Promise<EventOutcome> {
    const headers: RawHeaders = [
      'content-type',
      'application/json',
      'content-length',
      String(this.#options.payload.length),
    ]
    this.#armTimer()
    this.#control = this.#options.app.relay(
      {
        method: 'POST',
        target: this.#options.path,
        headers,
        body: Readable.from([this.#options.payload], { objectMode: false }),
      },
      this,
    )
    return this.#outcome
  }

  /** SHUTDOWN or a signal whose deadline is `shutdownDeadlineMs`: the app's time ends before it, if not sooner. */
  shutdown(shutdownDeadlineMs: number): void {
    const stopAtMs = shutdownHardStopAtMs(shutdownDeadlineMs)
    if (this.#done || stopAtMs >= this.#stopAtMs) return
    this.#stopAtMs = stopAtMs
    this.#armTimer()
  }

  onResponseStart(status: number, headers: RawHeaders): void {
    this.#status = status
    if (isEventFailureStatus(status)) return
    const declared = Number(getHeader(headers, 'content-length'))
    if (declared > this.#maxResultBytes)
      this.#fail(new EventResultTooLargeError(this.#options.path, this.#maxResultBytes))
  }

  onResponseData(chunk: Buffer): void {
    if (this.#done) return
    if (this.#status !== undefined && isEventFailureStatus(this.#status)) {
      // Only the excerpt of a failing answer is kept; the rest is read and dropped.
      if (this.#bytes < ERROR_EXCERPT_BYTES) this.#chunks.push(chunk.subarray(0, ERROR_EXCERPT_BYTES - this.#bytes))
      this.#bytes = Math.min(ERROR_EXCERPT_BYTES, this.#bytes + chunk.length)
      return
    }
    this.#bytes += chunk.length
    if (this.#bytes > this.#maxResultBytes) {
      this.#fail(new EventResultTooLargeError(this.#options.path, this.#maxResultBytes))
      return
    }
    this.#chunks.push(chunk)
  }

  onResponseEnd(): void {
    const status = this.#status as number
    const body = Buffer.concat(this.#chunks)
    if (isEventFailureStatus(status)) {
      this.#finish({
        kind: 'error',
        error: new EventAppStatusError(this.#options.path, status, body.toString('utf8').trim()),
      })
    } else {
      this.#finish({ kind: 'result', status, body })
    }
  }

  onResponseError(error: AppRequestError): void {
    this.#finish({ kind: 'error', error })
  }

  #armTimer(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(
      () => {
        this.#fail(new EventAppTimeoutError(this.#options.path, Date.now() - this.#startMs, this.#status))
      },
      timerDelayMs(this.#stopAtMs, Date.now()),
    )
  }

  // Ends the app request early: its socket is destroyed, so nothing more arrives.
  #fail(error: ExtensionError): void {
    if (this.#done) return
    this.#control?.abort()
    this.#finish({ kind: 'error', error })
  }

  #finish(outcome: EventOutcome): void {
    if (this.#done) return
    this.#done = true
    clearTimeout(this.#timer)
    this.#chunks.length = 0
    this.#settle?.(outcome)
  }
}

export interface EventReportContext {
  readonly runtime: RuntimeApiClient
  /** A TCP check of the app's port, asked after a failed app request. */
  readonly appAlive: ReadinessProbe
  readonly appPort: number
  readonly path: string
  /** The Lambda invocation's id. */
  readonly requestId: string
  readonly telemetry: ExtensionTelemetry
}

/**
 * Posts an event's outcome: the app's answer as the result, or its failure as a function error (errorType: the error's
 * class name). Resolves with an error only when the environment is no longer usable: the app refuses connections
 * (AppUnreachableError, posted as the invoke's error, as for the router's invokes), or the Runtime API call failed.
 */
export async function reportEventOutcome(
  outcome: EventOutcome,
  context: EventReportContext,
): Promise<ExtensionError | undefined> {
  const { runtime, requestId, telemetry } = context
  if (outcome.kind === 'error' && outcome.error instanceof AppRequestError && !(await context.appAlive.check())) {
    const error = new AppUnreachableError(context.appPort, { cause: outcome.error })
    telemetry.invokeFailed(error)
    await runtime.postError(requestId, error.name, error.message).catch((postError: unknown) => {
      telemetry.lambdaApiFailed('invocation/error', postError as Error)
    })
    return error
  }
  const operation = outcome.kind === 'result' ? 'invocation/response' : 'invocation/error'
  try {
    if (outcome.kind === 'result') {
      telemetry.eventAnswered(context.path, outcome.status, outcome.body.length)
      await runtime.postResponse(requestId, outcome.body)
    } else {
      telemetry.eventFailed(outcome.error)
      await runtime.postError(requestId, outcome.error.name, outcome.error.message)
    }
    return undefined
  } catch (error) {
    telemetry.lambdaApiFailed(operation, error as Error)
    return error as ExtensionError
  }
}
