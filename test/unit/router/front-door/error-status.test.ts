// statusFor is the only place that picks a client-facing status for a failure (STYLE.md §6); this table is its spec.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  AppStartFailedError,
  BadClientRequestError,
  BadUpstreamFramingError,
  BadUpstreamHeadError,
  BodyIdleTimeoutError,
  ClientAbortedError,
  ClientHeadTooLargeError,
  ClientRequestTimeoutError,
  HeadTimeoutError,
  LambdaNameNotAllowedError,
  NoCapacityError,
  QueueFullError,
  QueueTimeoutError,
  RequestBodyTimeoutError,
  RequestBodyTooSlowError,
  ReservedPathError,
  RouterClosingError,
  TunnelOrderingError,
  UpstreamClosedError,
  WebSocketNoCapacityError,
  WebSocketUnsupportedError,
} from '../../../../src/router/errors.js'
import { statusFor } from '../../../../src/router/front-door/error-status.js'

const cases: { error: unknown; status: number; retryAfterS?: number; closeConnection: boolean }[] = [
  { error: new QueueFullError('default', 10), status: 503, retryAfterS: 1, closeConnection: false },
  { error: new NoCapacityError('default', 'breaker open', 2001), status: 503, retryAfterS: 3, closeConnection: false },
  {
    error: new AppStartFailedError('default', 'fn', 'Runtime.ExitError', 'exit status 1'),
    status: 502,
    closeConnection: false,
  },
  { error: new NoCapacityError('default', 'breaker open', 0), status: 503, retryAfterS: 1, closeConnection: false },
  { error: new RouterClosingError(), status: 503, closeConnection: true },
  { error: new QueueTimeoutError('default', 120_000), status: 504, closeConnection: false },
  { error: new HeadTimeoutError('l', 'c', 5000), status: 504, closeConnection: false },
  { error: new BodyIdleTimeoutError('l', 'c', 5000), status: 504, closeConnection: false },
  { error: new BadUpstreamHeadError('l', 'c'), status: 502, closeConnection: false },
  {
    error: new BadUpstreamFramingError('l', 'c', 'overrun of Content-Length 6', 7),
    status: 502,
    closeConnection: false,
  },
  { error: new UpstreamClosedError('l', 'c', false), status: 502, closeConnection: false },
  { error: new UpstreamClosedError('l', 'c', true), status: 502, closeConnection: false },
  { error: new TunnelOrderingError('l', 'c'), status: 502, closeConnection: false },
  { error: new ReservedPathError('/_lambda_dispatch/goaway'), status: 400, closeConnection: false },
  { error: new BadClientRequestError('malformed'), status: 400, closeConnection: true },
  { error: new LambdaNameNotAllowedError('other'), status: 403, closeConnection: false },
  { error: new ClientHeadTooLargeError(65536), status: 431, closeConnection: true },
  { error: new ClientRequestTimeoutError(), status: 408, closeConnection: true },
  { error: new RequestBodyTimeoutError('r1', 600_000, 10), status: 408, closeConnection: true },
  { error: new RequestBodyTooSlowError('r1', 240, 10), status: 408, closeConnection: true },
  { error: new ClientAbortedError('r1'), status: 499, closeConnection: true },
  { error: new WebSocketUnsupportedError('default'), status: 501, closeConnection: true },
  { error: new WebSocketNoCapacityError('default', 'full'), status: 503, retryAfterS: 1, closeConnection: true },
  { error: new Error('anything else'), status: 502, closeConnection: false },
  { error: 'not even an error', status: 502, closeConnection: false },
]

for (const row of cases) {
  const name = row.error instanceof Error ? row.error.constructor.name : typeof row.error
  test(`${name} maps to ${row.status}${row.retryAfterS ? ` with Retry-After ${row.retryAfterS}` : ''}`, () => {
    const answer = statusFor(row.error)
    assert.equal(answer.status, row.status)
    assert.equal(answer.retryAfterS, row.retryAfterS)
    assert.equal(answer.closeConnection, row.closeConnection)
    assert.ok(answer.body.endsWith('\n'))
    const code = (row.error as { code?: string }).code
    if (code) assert.ok(answer.body.includes(`(${code})`), `body names ${code}: ${answer.body}`)
  })
}

test('bodies never carry lambda or channel ids', () => {
  for (const error of [
    new HeadTimeoutError('lambda-secret', 'channel-secret', 1),
    new BadUpstreamHeadError('lambda-secret', 'channel-secret'),
    new UpstreamClosedError('lambda-secret', 'channel-secret', false),
  ]) {
    assert.ok(!statusFor(error).body.includes('secret'))
  }
})
