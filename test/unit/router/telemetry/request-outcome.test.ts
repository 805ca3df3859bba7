// Pure (issue 15 item 1): every way a request ends reads as one outcome label, and the charts count exactly the
// gateway failures and app 5xx as errors (aborts and slow client uploads are not the router's errors).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QueueTimeoutError } from '../../../../src/router/errors.js'
import type { RequestEnd } from '../../../../src/router/events.js'
import { isErrorOutcome, outcomeOf, type RequestOutcome } from '../../../../src/router/telemetry/request-outcome.js'

const error = new QueueTimeoutError('p', 10)

const cases: { name: string; end: RequestEnd; outcome: RequestOutcome; isError: boolean }[] = [
  { name: 'a 200 response', end: { kind: 'completed', status: 200, durationMs: 1 }, outcome: '2xx', isError: false },
  { name: 'a 404 response', end: { kind: 'completed', status: 404, durationMs: 1 }, outcome: '4xx', isError: false },
  { name: 'a 503 from the app', end: { kind: 'completed', status: 503, durationMs: 1 }, outcome: '5xx', isError: true },
  { name: 'a full queue', end: { kind: 'rejected', reason: 'queue-full' }, outcome: 'queue_full', isError: true },
  { name: 'no capacity', end: { kind: 'rejected', reason: 'no-capacity' }, outcome: 'no_capacity', isError: true },
  { name: 'a closing router', end: { kind: 'rejected', reason: 'closing' }, outcome: 'closing', isError: true },
  {
    name: 'a client gone before dispatch',
    end: { kind: 'rejected', reason: 'aborted' },
    outcome: 'aborted_queued',
    isError: false,
  },
  {
    name: 'a queue timeout',
    end: { kind: 'timed-out', phase: 'queue', error },
    outcome: 'queue_timeout',
    isError: true,
  },
  { name: 'a head timeout', end: { kind: 'timed-out', phase: 'head', error }, outcome: 'head_timeout', isError: true },
  {
    name: 'a body idle timeout',
    end: { kind: 'timed-out', phase: 'body-idle', error },
    outcome: 'body_idle_timeout',
    isError: true,
  },
  {
    name: 'a client upload too slow',
    end: { kind: 'timed-out', phase: 'request-body', error },
    outcome: 'request_body_timeout',
    isError: false,
  },
  {
    name: 'an abort while queued',
    end: { kind: 'aborted', phase: 'queued' },
    outcome: 'aborted_queued',
    isError: false,
  },
  {
    name: 'an abort while running',
    end: { kind: 'aborted', phase: 'running' },
    outcome: 'aborted_running',
    isError: false,
  },
  {
    name: 'an app that failed to start',
    end: { kind: 'dropped', reason: 'app-start-failed', error },
    outcome: 'app_start_failed',
    isError: true,
  },
  { name: 'dropped at close', end: { kind: 'dropped', reason: 'closing', error }, outcome: 'closing', isError: true },
  {
    name: 'a bad upstream head',
    end: { kind: 'failed', failure: 'bad_upstream_head', error },
    outcome: 'bad_upstream_head',
    isError: true,
  },
  {
    name: 'a refused tunnel write',
    end: { kind: 'failed', failure: 'tunnel_ordering', error },
    outcome: 'tunnel_ordering',
    isError: true,
  },
]

for (const row of cases) {
  test(`${row.name} is counted as ${row.outcome}${row.isError ? ', an error' : ''}`, () => {
    assert.equal(outcomeOf(row.end), row.outcome)
    assert.equal(isErrorOutcome(row.outcome), row.isError)
  })
}
