// The Lambda Invoke API (POST /2015-03-31/functions/{name}/invocations) as the AWS SDK speaks it: invocation
// types, payload limits, AWS-shaped errors. Turns HTTP into pool calls and outcomes back into HTTP; decides nothing
// about environments.
import { randomBytes, randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from '../common/index.js'
import {
  ASYNC_PAYLOAD_LIMIT_BYTES,
  type AwsErrorResponse,
  invalidParameterValue,
  invalidRequestContent,
  requestTooLarge,
  resourceNotFound,
  SYNC_PAYLOAD_LIMIT_BYTES,
  serviceException,
  tooManyRequests,
  unknownOperation,
} from './aws-errors.js'
import { functionArn, newTraceId, parseFunctionName } from './aws-names.js'
import { headerValue } from './environment/api-responses.js'
import type { InvocationRequest } from './environment/invocation.js'
import type { FunctionPool } from './function-pool.js'
import { readBody } from './read-body.js'
import type { InvocationType } from './telemetry.js'

/** What the Invoke API needs from the service around it. */
export interface InvokeApiTarget {
  readonly region: string
  readonly accountId: string
  readonly logger: Logger
  isClosing(): boolean
  pool(functionName: string): FunctionPool | undefined
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/
const INVOCATION_TYPES: readonly InvocationType[] = ['RequestResponse', 'Event', 'DryRun']

/** Pure: reads `X-Amz-Invocation-Type`; absent means RequestResponse. */
export function parseInvocationType(header: string | undefined): InvocationType | undefined {
  if (header === undefined || header === '') return 'RequestResponse'
  return INVOCATION_TYPES.find((type) => type === header)
}

/** Pure: the payload the function receives, or why it is refused. An empty body becomes `{}`. */
export function validatePayload(
  bytes: Buffer,
): { kind: 'valid'; payload: Buffer } | { kind: 'invalid'; detail: string } {
  if (bytes.length === 0) return { kind: 'valid', payload: Buffer.from('{}') }
  try {
    JSON.parse(bytes.toString('utf8'))
    return { kind: 'valid', payload: bytes }
  } catch (error) {
    return { kind: 'invalid', detail: (error as Error).message }
  }
}

function sendAwsError(res: ServerResponse, requestId: string, error: AwsErrorResponse): void {
  if (res.destroyed || res.headersSent) return
  res.writeHead(error.status, {
    ...error.headers,
    'content-length': String(Buffer.byteLength(error.body)),
    'x-amzn-requestid': requestId,
  })
  res.end(error.body)
}

function decodeClientContext(header: string | undefined): string | undefined {
  return header ? Buffer.from(header, 'base64').toString('utf8') : undefined
}

/** Builds the request handler of the Invoke API server. */
export function createInvokeHandler(target: InvokeApiTarget): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handleInvoke(target, req, res).catch((error: unknown) => {
      target.logger.error({ err: error }, 'invoke API request failed')
      sendAwsError(res, randomUUID(), serviceException('internal error in the local Lambda service'))
    })
  }
}

async function handleInvoke(target: InvokeApiTarget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID()
  const url = new URL(req.url ?? '/', 'http://local-lambda.invalid')
  const route = INVOKE_PATH.exec(url.pathname)
  if (req.method !== 'POST' || !route) {
    req.resume()
    sendAwsError(res, requestId, unknownOperation(req.method ?? '?', url.pathname))
    return
  }
  const reference = parseFunctionName(
    decodeURIComponent(route[1] as string),
    url.searchParams.get('Qualifier') ?? undefined,
  )
  const invocationType = parseInvocationType(headerValue(req.headers['x-amz-invocation-type']))
  const limitBytes = invocationType === 'Event' ? ASYNC_PAYLOAD_LIMIT_BYTES : SYNC_PAYLOAD_LIMIT_BYTES
  let body: Awaited<ReturnType<typeof readBody>>
  try {
    // Read (or drain) the whole body before answering, so even an error reaches a client still uploading.
    body = await readBody(req, limitBytes)
  } catch {
    return // the client went away mid-upload: nobody to answer
  }
  if (!reference) {
    sendAwsError(res, requestId, invalidParameterValue(`invalid function name: ${route[1]}`))
    return
  }
  if (!invocationType) {
    sendAwsError(
      res,
      requestId,
      invalidParameterValue('X-Amz-Invocation-Type must be RequestResponse, Event or DryRun'),
    )
    return
  }
  const arn = functionArn(target.region, target.accountId, reference.name, reference.qualifier)
  const pool = target.pool(reference.name)
  if (!pool) {
    sendAwsError(res, requestId, resourceNotFound(arn))
    return
  }
  if (body.isOverLimit) {
    sendAwsError(res, requestId, requestTooLarge(limitBytes))
    return
  }
  const payload = validatePayload(body.bytes)
  if (payload.kind === 'invalid') {
    sendAwsError(res, requestId, invalidRequestContent(payload.detail))
    return
  }
  if (target.isClosing()) {
    sendAwsError(res, requestId, serviceException('the local Lambda service is shutting down'))
    return
  }
  const invocation: InvocationRequest = {
    requestId,
    payload: payload.payload,
    invokedFunctionArn: arn,
    traceId: headerValue(req.headers['x-amzn-trace-id']) ?? newTraceId(Date.now(), randomHex(12), randomHex(8)),
    clientContext: decodeClientContext(headerValue(req.headers['x-amz-client-context'])),
  }
  switch (invocationType) {
    case 'DryRun':
      pool.recordDryRun()
      res.writeHead(204, { 'x-amzn-requestid': requestId })
      res.end()
      return
    case 'Event':
      pool.enqueueEvent(invocation)
      res.writeHead(202, { 'x-amzn-requestid': requestId, 'content-length': '0' })
      res.end()
      return
    case 'RequestResponse':
      await respondWhenDone(pool, invocation, res, target.logger)
      return
    default: {
      const exhaustive: never = invocationType
      throw new Error(`BUG: unhandled invocation type ${String(exhaustive)}`)
    }
  }
}

async function respondWhenDone(
  pool: FunctionPool,
  invocation: InvocationRequest,
  res: ServerResponse,
  logger: Logger,
): Promise<void> {
  const admission = pool.invoke(invocation)
  if (admission.kind === 'throttled') {
    sendAwsError(res, invocation.requestId, tooManyRequests(admission.reason))
    return
  }
  const outcome = await admission.outcome
  if (res.destroyed) {
    // The caller aborted its Invoke; like Lambda, the invocation ran to its end regardless.
    logger.debug({ requestId: invocation.requestId }, 'invoke finished after its caller went away')
    return
  }
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(outcome.payload.length),
    'x-amzn-requestid': invocation.requestId,
    'x-amz-executed-version': '$LATEST',
    ...(outcome.kind === 'function-error' ? { 'x-amz-function-error': 'Unhandled' } : {}),
  })
  res.end(outcome.payload)
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}
