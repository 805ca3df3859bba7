// Pure. Sorts an error thrown by a Lambda Invoke call into throttled, retryable failure or permanent failure, from
// its AWS error name, HTTP status and Node error code. No I/O.

export type InvokeErrorClass =
  | { readonly kind: 'throttled'; readonly awsErrorName: string; readonly statusCode: number | undefined }
  | {
      readonly kind: 'failed'
      readonly retryable: boolean
      readonly awsErrorName: string
      readonly statusCode: number | undefined
    }

// Lambda's and the SDK's throttling names (Lambda API reference, Invoke "Errors"; @smithy/service-error-classification).
const THROTTLE_NAMES: ReadonlySet<string> = new Set([
  'TooManyRequestsException',
  'EC2ThrottledException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'SlowDown',
])

// 4xx that clear up by themselves: the function is being updated, SnapStart is warming, a mount timed out.
const TRANSIENT_CLIENT_NAMES: ReadonlySet<string> = new Set([
  'ResourceConflictException',
  'SnapStartNotReadyException',
  'SnapStartTimeoutException',
  'EFSMountConnectivityException',
  'EFSMountTimeoutException',
])

// 5xx that are configuration faults: retrying changes nothing until someone fixes the function.
const PERMANENT_SERVER_NAMES: ReadonlySet<string> = new Set([
  'InvalidRuntimeException',
  'InvalidZipFileException',
  'InvalidSecurityGroupIDException',
  'InvalidSubnetIDException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
])

/**
 * - throttled: a throttling name, or HTTP 429.
 * - failed, retryable: network errors and timeouts (no HTTP status), 5xx, and the transient 4xx above.
 * - failed, not retryable: an abort by the caller, other 4xx (ResourceNotFoundException, AccessDeniedException,
 *   InvalidParameterValueException, RequestTooLargeException …), and 5xx configuration faults.
 */
export function classifyInvokeError(error: unknown): InvokeErrorClass {
  const awsErrorName = errorName(error)
  const statusCode = httpStatusOf(error)
  if (THROTTLE_NAMES.has(awsErrorName) || statusCode === 429) return { kind: 'throttled', awsErrorName, statusCode }
  if (awsErrorName === 'AbortError') return { kind: 'failed', retryable: false, awsErrorName, statusCode }
  if (statusCode === undefined) return { kind: 'failed', retryable: true, awsErrorName, statusCode }
  if (statusCode >= 500) {
    return { kind: 'failed', retryable: !PERMANENT_SERVER_NAMES.has(awsErrorName), awsErrorName, statusCode }
  }
  return {
    kind: 'failed',
    retryable: TRANSIENT_CLIENT_NAMES.has(awsErrorName) || statusCode === 408,
    awsErrorName,
    statusCode,
  }
}

function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'UnknownError'
  const { name, code } = error as { name?: unknown; code?: unknown }
  // Node network errors are plain `Error`s; their code (ECONNREFUSED, ECONNRESET …) says more.
  if (name === 'Error' && typeof code === 'string') return code
  return typeof name === 'string' && name.length > 0 ? name : 'UnknownError'
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata
  const status = metadata?.httpStatusCode
  return typeof status === 'number' && status >= 100 ? status : undefined
}
