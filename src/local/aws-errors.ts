// Pure builders for the Invoke API's error responses in AWS's restJson shape: status, `x-amzn-ErrorType`, JSON body.
// Field names follow the @aws-sdk/client-lambda error shapes (some use `Message`, others `message`).

export interface AwsErrorResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Why a 429 was sent; the SDK surfaces it as `TooManyRequestsException.Reason`. */
export type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded'

/** Request payload limits of Invoke, in bytes, by invocation type. */
export const SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024
export const ASYNC_PAYLOAD_LIMIT_BYTES = 256 * 1024

function errorResponse(
  status: number,
  errorType: string,
  fields: Record<string, unknown>,
  extraHeaders: Record<string, string> = {},
): AwsErrorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': errorType, ...extraHeaders },
    body: JSON.stringify(fields),
  }
}

export function resourceNotFound(functionArnOrName: string): AwsErrorResponse {
  return errorResponse(404, 'ResourceNotFoundException', {
    Type: 'User',
    Message: `Function not found: ${functionArnOrName}`,
  })
}

/** 429 with a `Retry-After` hint in seconds, which the SDK exposes as `retryAfterSeconds`. */
export function tooManyRequests(reason: ThrottleReason, retryAfterSeconds = 1): AwsErrorResponse {
  return errorResponse(
    429,
    'TooManyRequestsException',
    { Reason: reason, Type: 'User', message: 'Rate Exceeded.' },
    { 'retry-after': String(retryAfterSeconds) },
  )
}

export function invalidRequestContent(detail: string): AwsErrorResponse {
  return errorResponse(400, 'InvalidRequestContentException', {
    Type: 'User',
    message: `Could not parse request body into json: ${detail}`,
  })
}

export function requestTooLarge(limitBytes: number): AwsErrorResponse {
  return errorResponse(413, 'RequestTooLargeException', {
    Type: 'User',
    message: `Request must be smaller than ${limitBytes} bytes for the InvokeFunction operation`,
  })
}

export function invalidParameterValue(message: string): AwsErrorResponse {
  return errorResponse(400, 'InvalidParameterValueException', { Type: 'User', message })
}

export function unknownOperation(method: string, path: string): AwsErrorResponse {
  return errorResponse(404, 'UnknownOperationException', {
    Type: 'User',
    message: `the local Lambda service implements only Invoke; got ${method} ${path}`,
  })
}

export function serviceException(message: string): AwsErrorResponse {
  return errorResponse(500, 'ServiceException', { Type: 'Service', Message: message })
}
