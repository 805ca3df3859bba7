import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyInvokeError } from '../../../../src/router/invoke/classify-invoke-error.js'

function awsError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode } })
}

const cases = [
  {
    name: 'TooManyRequestsException is a throttle',
    error: awsError('TooManyRequestsException', 429),
    expected: 'throttled',
  },
  {
    name: 'EC2ThrottledException is a throttle despite its 502',
    error: awsError('EC2ThrottledException', 502),
    expected: 'throttled',
  },
  { name: 'any 429 is a throttle', error: awsError('SomethingNew', 429), expected: 'throttled' },
  {
    name: 'ResourceNotFoundException is permanent',
    error: awsError('ResourceNotFoundException', 404),
    expected: 'permanent',
  },
  { name: 'AccessDeniedException is permanent', error: awsError('AccessDeniedException', 403), expected: 'permanent' },
  {
    name: 'RequestTooLargeException is permanent',
    error: awsError('RequestTooLargeException', 413),
    expected: 'permanent',
  },
  {
    name: 'ResourceConflictException (function updating) is retryable',
    error: awsError('ResourceConflictException', 409),
    expected: 'retryable',
  },
  { name: 'ServiceException is retryable', error: awsError('ServiceException', 500), expected: 'retryable' },
  {
    name: 'ResourceNotReadyException is retryable',
    error: awsError('ResourceNotReadyException', 502),
    expected: 'retryable',
  },
  {
    name: 'a KMS configuration fault is permanent despite its 502',
    error: awsError('KMSAccessDeniedException', 502),
    expected: 'permanent',
  },
  {
    name: 'a refused connection is retryable',
    error: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    expected: 'retryable',
  },
  {
    name: 'a request timeout is retryable',
    error: Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
    expected: 'retryable',
  },
  {
    name: 'an abort by the caller is not retried',
    error: Object.assign(new Error('aborted'), { name: 'AbortError' }),
    expected: 'permanent',
  },
  { name: 'a thrown non-error is retryable and named unknown', error: 'boom', expected: 'retryable' },
]
for (const row of cases) {
  test(row.name, () => {
    const found = classifyInvokeError(row.error)
    const kind = found.kind === 'throttled' ? 'throttled' : found.retryable ? 'retryable' : 'permanent'
    assert.equal(kind, row.expected)
  })
}

test('the classification names the AWS error, or the Node error code for network failures', () => {
  assert.equal(classifyInvokeError(awsError('ServiceException', 500)).awsErrorName, 'ServiceException')
  assert.equal(classifyInvokeError(awsError('ServiceException', 500)).statusCode, 500)
  const refused = classifyInvokeError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))
  assert.equal(refused.awsErrorName, 'ECONNREFUSED')
  assert.equal(refused.statusCode, undefined)
  assert.equal(classifyInvokeError('boom').awsErrorName, 'UnknownError')
})
