// The Invoke API's error shapes: status, x-amzn-ErrorType and the body fields the AWS SDK reads.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  type AwsErrorResponse,
  invalidParameterValue,
  invalidRequestContent,
  requestTooLarge,
  resourceNotFound,
  serviceException,
  tooManyRequests,
  unknownOperation,
} from '../../../src/local/aws-errors.js'

const cases: {
  name: string
  response: AwsErrorResponse
  status: number
  type: string
  body: Record<string, unknown>
}[] = [
  {
    name: 'ResourceNotFoundException uses Message (capital M), as the SDK shape says',
    response: resourceNotFound('arn:x'),
    status: 404,
    type: 'ResourceNotFoundException',
    body: { Type: 'User', Message: 'Function not found: arn:x' },
  },
  {
    name: 'TooManyRequestsException carries the Reason',
    response: tooManyRequests('ReservedFunctionConcurrentInvocationLimitExceeded'),
    status: 429,
    type: 'TooManyRequestsException',
    body: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', Type: 'User', message: 'Rate Exceeded.' },
  },
  {
    name: 'InvalidRequestContentException names the parse problem',
    response: invalidRequestContent('Unexpected end'),
    status: 400,
    type: 'InvalidRequestContentException',
    body: { Type: 'User', message: 'Could not parse request body into json: Unexpected end' },
  },
  {
    name: 'RequestTooLargeException names the limit',
    response: requestTooLarge(6291456),
    status: 413,
    type: 'RequestTooLargeException',
    body: { Type: 'User', message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation' },
  },
  {
    name: 'InvalidParameterValueException',
    response: invalidParameterValue('bad'),
    status: 400,
    type: 'InvalidParameterValueException',
    body: { Type: 'User', message: 'bad' },
  },
  {
    name: 'ServiceException is a 500 of type Service',
    response: serviceException('down'),
    status: 500,
    type: 'ServiceException',
    body: { Type: 'Service', Message: 'down' },
  },
]

for (const row of cases) {
  test(`aws-errors: ${row.name}`, () => {
    assert.equal(row.response.status, row.status)
    assert.equal(row.response.headers['x-amzn-errortype'], row.type)
    assert.equal(row.response.headers['content-type'], 'application/json')
    assert.deepEqual(JSON.parse(row.response.body), row.body)
  })
}

test('a 429 sends Retry-After in seconds', () => {
  assert.equal(tooManyRequests('ConcurrentInvocationLimitExceeded').headers['retry-after'], '1')
  assert.equal(tooManyRequests('ConcurrentInvocationLimitExceeded', 5).headers['retry-after'], '5')
})

test('an unknown operation is a 404 naming the method and path', () => {
  const response = unknownOperation('GET', '/2015-03-31/functions')
  assert.equal(response.status, 404)
  assert.match(JSON.parse(response.body).message, /GET \/2015-03-31\/functions/)
})
