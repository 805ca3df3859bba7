// Invokes Lambda through @aws-sdk/client-lambda v3 with an HTTP handler sized for long-held invokes (DESIGN.md §6):
// one socket per running instance, a request timeout above the function timeout, few SDK retries.
// Touches the network only through the SDK client it creates; close() destroys that client and its agents.
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { createSilentLogger, type Logger } from '../../common/index.js'
import { decodeWaiterResponse, encodeWaiterRequest, type WaiterResponse } from '../../protocol/index.js'
import { InvokeFailedError, InvokeThrottledError } from '../errors.js'
import { classifyInvokeError } from './classify-invoke-error.js'
import type { FunctionErrorBody, InvokeOutcome, InvokeRequest, Invoker } from './invoker.js'

/** Margin added to the function timeout for the invoke's HTTP request timeout (the response follows the timeout). */
export const DEFAULT_INVOKE_TIMEOUT_MARGIN_MS = 10_000

/** The HTTP request timeout for invokes of a function with `functionTimeoutMs`: the timeout plus a margin. */
export function invokeRequestTimeoutMs(functionTimeoutMs: number, marginMs = DEFAULT_INVOKE_TIMEOUT_MARGIN_MS): number {
  return functionTimeoutMs + marginMs
}

export interface AwsInvokerOptions {
  readonly region: string
  /** Lambda endpoint URL (e.g. the local Lambda service). Without it the SDK also honours AWS_ENDPOINT_URL_LAMBDA. */
  readonly endpoint?: string
  /**
   * Sockets per protocol. Each running instance holds one invoke open for its whole life, so this must be at least
   * the pool instance cap (plus instances still retiring); the SDK default of 50 would queue invokes silently.
   */
  readonly maxSockets: number
  /** Whole-request timeout, `invokeRequestTimeoutMs(functionTimeoutMs)`. The SDK default is none. */
  readonly requestTimeoutMs: number
  /** SDK attempts per invoke, including the first (2 = one SDK retry). */
  readonly maxAttempts: number
  /** Static credentials or a provider; the SDK's default chain when absent. */
  readonly credentials?: LambdaClientConfig['credentials']
  /** TCP connect timeout; 5 s by default. */
  readonly connectTimeoutMs?: number
  /** Monotonic clock for `durationMs`; `performance.now` by default. */
  readonly now?: () => number
  readonly logger?: Logger
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000

/** An Invoker backed by the AWS SDK. */
export function createAwsInvoker(options: AwsInvokerOptions): Invoker {
  const now = options.now ?? (() => performance.now())
  const logger = options.logger ?? createSilentLogger()
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets }
  const client = new LambdaClient({
    region: options.region,
    maxAttempts: options.maxAttempts,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs,
      // Without this the handler only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
      logger: {
        debug: (...args: unknown[]) => logger.debug({ sdk: args }, 'aws sdk'),
        info: (...args: unknown[]) => logger.info({ sdk: args }, 'aws sdk'),
        warn: (...args: unknown[]) => logger.warn({ sdk: args }, 'aws sdk'),
        error: (...args: unknown[]) => logger.error({ sdk: args }, 'aws sdk'),
      },
    }),
  })
  const closing = new AbortController()

  return {
    async invoke(request: InvokeRequest, signal: AbortSignal): Promise<InvokeOutcome> {
      const startedMs = now()
      let output: { Payload?: Uint8Array | null; FunctionError?: string | null }
      try {
        output = await client.send(
          new InvokeCommand({
            FunctionName: request.functionName,
            InvocationType: 'RequestResponse',
            Payload: Buffer.from(encodeWaiterRequest(request.payload), 'utf8'),
          }),
          { abortSignal: AbortSignal.any([signal, closing.signal]) },
        )
      } catch (err) {
        return failureOutcome(request.functionName, err, now() - startedMs)
      }
      const functionError = output.FunctionError ?? undefined
      return {
        kind: 'completed',
        response: decodeResult(output.Payload),
        functionError,
        functionErrorBody: functionError === undefined ? undefined : decodeFunctionError(output.Payload),
        durationMs: now() - startedMs,
      }
    },
    async close(): Promise<void> {
      closing.abort()
      client.destroy()
    },
  }
}

function failureOutcome(functionName: string, err: unknown, durationMs: number): InvokeOutcome {
  const found = classifyInvokeError(err)
  if (found.kind === 'throttled') {
    return {
      kind: 'throttled',
      error: new InvokeThrottledError(functionName, found.awsErrorName, found.statusCode, { cause: err }),
      durationMs,
    }
  }
  return {
    kind: 'failed',
    error: new InvokeFailedError(functionName, found.awsErrorName, found.statusCode, found.retryable, { cause: err }),
    retryable: found.retryable,
    durationMs,
  }
}

/** `{ errorType, errorMessage }` of a function error payload; undefined when it is not that shape. */
export function decodeFunctionError(payload: Uint8Array | null | undefined): FunctionErrorBody | undefined {
  if (payload === undefined || payload === null || payload.byteLength === 0) return undefined
  try {
    const parsed = JSON.parse(Buffer.from(payload).toString('utf8')) as { errorType?: unknown; errorMessage?: unknown }
    if (typeof parsed?.errorType !== 'string') return undefined
    return {
      errorType: parsed.errorType,
      errorMessage: typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '',
    }
  } catch {
    return undefined
  }
}

// The WaiterResponse is informational (original-protocol.md §2.3): a handler error's payload, an empty body from the
// legacy C# extension, or any other shape yields undefined rather than a failed invoke.
function decodeResult(payload: Uint8Array | null | undefined): WaiterResponse | undefined {
  if (payload === undefined || payload === null || payload.byteLength === 0) return undefined
  try {
    return decodeWaiterResponse(payload)
  } catch {
    return undefined
  }
}
