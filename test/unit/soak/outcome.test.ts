// How the soak judges one request (ok, expected error, unexpected with a reason) and a whole run (exit code and
// problems): tools/soak/outcome.ts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BodyCheckResult } from '../../../tools/soak/body-check.js'
import {
  classifyOutcome,
  computeVerdict,
  type Observation,
  type Outcome,
  type RunFigures,
} from '../../../tools/soak/outcome.js'
import type { RequestPlan } from '../../../tools/soak/request-mix.js'

const get: RequestPlan = {
  kind: 'bytes',
  protocol: 'h1',
  method: 'GET',
  target: '/bytes?n=10',
  uploadBytes: 0,
  payloadOffset: 0,
  declaresLength: false,
  expectedStatus: 200,
  expectedBody: { kind: 'pattern', length: 10 },
  abort: undefined,
}
const downloadAbort: RequestPlan = { ...get, kind: 'abort-download', abort: { side: 'download', afterBytes: 5 } }

const exact: BodyCheckResult = {
  receivedBytes: 10,
  expectedBytes: 10,
  firstMismatchAt: undefined,
  prefixIntact: true,
  receivedSha256: 'aa',
  expectedSha256: 'aa',
  head: '',
}
const seen: Observation = {
  status: 200,
  body: exact,
  ended: true,
  abortedAsPlanned: false,
  error: undefined,
  timedOut: false,
}

const cases: { name: string; plan: RequestPlan; seen: Observation; expect: Outcome['kind'] | string }[] = [
  { name: 'the right status, bytes and a clean end are ok', plan: get, seen, expect: 'ok' },
  { name: 'another status is unexpected', plan: get, seen: { ...seen, status: 502 }, expect: 'status' },
  {
    name: 'a different hash is unexpected',
    plan: get,
    seen: { ...seen, body: { ...exact, receivedSha256: 'bb', firstMismatchAt: 3, prefixIntact: false } },
    expect: 'body',
  },
  {
    name: 'a short body that ended cleanly is unexpected',
    plan: get,
    seen: { ...seen, body: { ...exact, receivedBytes: 9, firstMismatchAt: 9 } },
    expect: 'body',
  },
  { name: 'a body that never ended is unexpected', plan: get, seen: { ...seen, ended: false }, expect: 'truncated' },
  { name: 'a client error is unexpected', plan: get, seen: { ...seen, error: 'ECONNRESET' }, expect: 'error' },
  {
    name: 'a timeout is unexpected whatever came before',
    plan: get,
    seen: { ...seen, timedOut: true },
    expect: 'timeout',
  },
  {
    name: 'a planned abort that happened with an intact prefix is an expected error',
    plan: downloadAbort,
    seen: { ...seen, ended: false, abortedAsPlanned: true, body: { ...exact, receivedBytes: 5 } },
    expect: 'expected-error',
  },
  {
    name: 'a planned upload abort before any response head is an expected error',
    plan: { ...downloadAbort, abort: { side: 'upload', afterBytes: 5 } },
    seen: { ...seen, status: undefined, ended: false, abortedAsPlanned: true, body: { ...exact, receivedBytes: 0 } },
    expect: 'expected-error',
  },
  {
    name: 'wrong bytes before a planned abort are unexpected',
    plan: downloadAbort,
    seen: { ...seen, abortedAsPlanned: true, body: { ...exact, prefixIntact: false, firstMismatchAt: 2 } },
    expect: 'body',
  },
  {
    name: 'a failure before the planned abort point is unexpected',
    plan: downloadAbort,
    seen: { ...seen, abortedAsPlanned: false, error: 'other side closed' },
    expect: 'error',
  },
  {
    name: 'an answer that ended before the planned abort point is unexpected',
    plan: downloadAbort,
    seen: { ...seen, abortedAsPlanned: false },
    expect: 'abort-not-reached',
  },
  {
    name: 'a gateway answer instead of the body being aborted is reported by its status',
    plan: downloadAbort,
    seen: { ...seen, status: 502, abortedAsPlanned: false },
    expect: 'status',
  },
  {
    name: 'a gateway status before a planned abort is unexpected',
    plan: downloadAbort,
    seen: { ...seen, status: 503, abortedAsPlanned: true },
    expect: 'status',
  },
]
for (const row of cases) {
  test(`classifyOutcome: ${row.name}`, () => {
    const outcome = classifyOutcome(row.plan, row.seen)
    assert.equal(outcome.kind === 'unexpected' ? outcome.reason : outcome.kind, row.expect)
  })
}

const passing: RunFigures = {
  requested: 100,
  issued: 100,
  settled: 100,
  ok: 95,
  expectedErrors: 5,
  unexpected: 0,
  interrupted: false,
  orderingViolations: 0,
  http2Errors: { stream_error: 0 },
  upstreamFaults: { upstream_closed: 0 },
  probes: { sent: 16, ok: 16 },
  leftOver: { busyChannels: 0, queuedRequests: 0, inFlightRequests: 0 },
  processes: { baseline: 1, afterClose: 1 },
}

const verdicts: { name: string; figures: RunFigures; problem?: RegExp }[] = [
  { name: 'a clean run passes', figures: passing },
  {
    name: 'a request issued and never settled is lost',
    figures: { ...passing, settled: 99, ok: 94 },
    problem: /1 requests lost/,
  },
  { name: 'an unexpected outcome fails', figures: { ...passing, ok: 94, unexpected: 1 }, problem: /1 unexpected/ },
  { name: 'counts that do not add up fail', figures: { ...passing, ok: 90 }, problem: /do not add up/ },
  { name: 'an ordering violation fails', figures: { ...passing, orderingViolations: 1 }, problem: /ordering/ },
  {
    name: 'a control-channel HTTP/2 error fails',
    figures: { ...passing, http2Errors: { frame_error: 2 } },
    problem: /frame_error/,
  },
  {
    name: 'a router upstream fault fails',
    figures: { ...passing, upstreamFaults: { bad_upstream_head: 1 } },
    problem: /bad_upstream_head/,
  },
  { name: 'a failed probe fails', figures: { ...passing, probes: { sent: 16, ok: 15 } }, problem: /probe/ },
  {
    name: 'a busy channel left over fails',
    figures: { ...passing, leftOver: { ...passing.leftOver, busyChannels: 1 } },
    problem: /still busy/,
  },
  {
    name: 'a child process left after close fails',
    figures: { ...passing, processes: { baseline: 1, afterClose: 3 } },
    problem: /2 child processes/,
  },
  { name: 'an interrupted run fails', figures: { ...passing, interrupted: true }, problem: /interrupted/ },
  {
    name: 'fewer requests issued than asked fails',
    figures: { ...passing, requested: 200 },
    problem: /issued 100 of 200/,
  },
  {
    name: 'a run bounded only by time passes with any count',
    figures: { ...passing, requested: undefined },
  },
]
for (const row of verdicts) {
  test(`computeVerdict: ${row.name}`, () => {
    const verdict = computeVerdict(row.figures)
    if (row.problem === undefined) {
      assert.deepEqual(verdict, { exitCode: 0, problems: [] })
    } else {
      assert.equal(verdict.exitCode, 1)
      assert.ok(
        verdict.problems.some((problem) => row.problem?.test(problem)),
        verdict.problems.join('; '),
      )
    }
  })
}
