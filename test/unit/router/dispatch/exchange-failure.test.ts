// Pure (issue 15 item 1): each way an exchange fails is published as exactly one kind of request end.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type FailureKind, failureEnd } from '../../../../src/router/dispatch/exchange-failure.js'
import { UpstreamClosedError } from '../../../../src/router/errors.js'
import type { RequestEnd } from '../../../../src/router/events.js'

const error = new UpstreamClosedError('L', 'C', false)

const cases: [FailureKind, RequestEnd][] = [
  ['head-timeout', { kind: 'timed-out', phase: 'head', error }],
  ['body-idle', { kind: 'timed-out', phase: 'body-idle', error }],
  ['request-body', { kind: 'timed-out', phase: 'request-body', error }],
  ['aborted', { kind: 'aborted', phase: 'running' }],
  ['closing', { kind: 'dropped', reason: 'closing', error }],
  ['bad_upstream_head', { kind: 'failed', failure: 'bad_upstream_head', error }],
  ['bad_upstream_framing', { kind: 'failed', failure: 'bad_upstream_framing', error }],
  ['upstream_closed', { kind: 'failed', failure: 'upstream_closed', error }],
  ['tunnel_ordering', { kind: 'failed', failure: 'tunnel_ordering', error }],
]

for (const [kind, end] of cases) {
  test(`an exchange that fails with ${kind} publishes one ${end.kind} end, carrying its error where it has one`, () => {
    assert.deepEqual(failureEnd(kind, error), end)
  })
}
