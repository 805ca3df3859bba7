// The log-line subscriber (issue 15 item 1): this file is where the wording and level of every event's line live,
// so it is the one place a test reads them. Each row publishes a typed event on a fresh RouterEvents and reads back
// the lines a real pino logger wrote: their level, message and fields, ids cut to their 8-character prefix above
// debug (issue 13) and whole at debug, and the debug-only lines absent at info.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { LogLevel } from '../../../../src/common/index.js'
import {
  AppStartFailedError,
  HeadTimeoutError,
  QueueTimeoutError,
  RouterClosingError,
  TunnelOrderingError,
  UpstreamClosedError,
} from '../../../../src/router/errors.js'
import { RouterEvents } from '../../../../src/router/events.js'
import { subscribeLogLines } from '../../../../src/router/telemetry/log-lines.js'
import { captureLogs, type LogLine } from '../../../helpers/log-capture.js'

const LAMBDA = 'lambda-0123456789abcdef'
const SHORT = 'lambda-0'

/** Publishes with the subscriber on a logger at `level`; resolves with the lines written, in order. */
async function linesOf(level: LogLevel, publish: (events: RouterEvents) => void): Promise<LogLine[]> {
  const capture = captureLogs(level)
  const events = new RouterEvents()
  subscribeLogLines(events, capture.logger)
  publish(events)
  capture.logger.fatal({ endOfCase: true }, 'end of case')
  await capture.waitFor((line) => line.endOfCase === true)
  return capture.lines.filter((line) => line.endOfCase !== true)
}

/** The fields of `line` named in `expected`, so rows state what matters and ignore pid and time. */
function picked(line: LogLine, expected: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(expected).map((key) => [key, line[key]]))
}

const cases: ReadonlyArray<{
  readonly name: string
  readonly level: LogLevel
  readonly publish: (events: RouterEvents) => void
  readonly lines: ReadonlyArray<Readonly<Record<string, unknown>>>
}> = [
  {
    name: 'a queued request is logged at debug only',
    level: 'info',
    publish: (events) => events.requestQueued.publish({ poolId: 'p', requestId: 'r', queueLength: 3 }),
    lines: [],
  },
  {
    name: 'a queued request at debug names the pool, the request and the queue length',
    level: 'debug',
    publish: (events) => events.requestQueued.publish({ poolId: 'p', requestId: 'r', queueLength: 3 }),
    lines: [{ level: 'debug', msg: 'request queued', poolId: 'p', requestId: 'r', queueLength: 3 }],
  },
  {
    name: 'a retried request is logged at info with the instance and attempt',
    level: 'info',
    publish: (events) =>
      events.requestRetried.publish({ poolId: 'p', requestId: 'r', lambdaId: LAMBDA, channelId: 'C', attempt: 2 }),
    lines: [
      {
        level: 'info',
        msg: 'request refused unprocessed by a leaving instance; retried',
        poolId: 'p',
        requestId: 'r',
        attempt: 2,
      },
    ],
  },
  {
    name: 'a completed request is logged at debug only, with its status and duration',
    level: 'debug',
    publish: (events) =>
      events.requestEnded.publish({ poolId: 'p', requestId: 'r', kind: 'completed', status: 204, durationMs: 12 }),
    lines: [{ level: 'debug', msg: 'request completed', requestId: 'r', status: 204, durationMs: 12 }],
  },
  {
    name: 'completed, rejected and aborted requests write nothing at info',
    level: 'info',
    publish: (events) => {
      events.requestEnded.publish({ poolId: 'p', requestId: 'r1', kind: 'completed', status: 200, durationMs: 1 })
      events.requestEnded.publish({ poolId: 'p', requestId: 'r2', kind: 'rejected', reason: 'queue-full' })
      events.requestEnded.publish({ poolId: 'p', requestId: 'r3', kind: 'aborted', phase: 'running' })
    },
    lines: [],
  },
  {
    name: 'a timed-out request is a warning with its phase and error code',
    level: 'info',
    publish: (events) =>
      events.requestEnded.publish({
        poolId: 'p',
        requestId: 'r',
        kind: 'timed-out',
        phase: 'queue',
        error: new QueueTimeoutError('p', 30_000),
      }),
    lines: [{ level: 'warn', msg: 'request timed out', poolId: 'p', requestId: 'r', phase: 'queue' }],
  },
  {
    name: 'a dropped queued request is logged at info with its reason',
    level: 'info',
    publish: (events) =>
      events.requestEnded.publish({
        poolId: 'p',
        requestId: 'r',
        kind: 'dropped',
        reason: 'closing',
        error: new RouterClosingError(),
      }),
    lines: [{ level: 'info', msg: 'queued request dropped', requestId: 'r', reason: 'closing' }],
  },
  {
    name: 'a request failed upstream is a warning',
    level: 'info',
    publish: (events) =>
      events.requestEnded.publish({
        poolId: 'p',
        requestId: 'r',
        kind: 'failed',
        failure: 'upstream_closed',
        error: new UpstreamClosedError(LAMBDA, 'C', false),
      }),
    lines: [{ level: 'warn', msg: 'request failed upstream', requestId: 'r' }],
  },
  {
    name: 'channel events and invokes sent are logged at debug only',
    level: 'info',
    publish: (events) => {
      events.channelOpened.publish({ poolId: 'p', lambdaId: LAMBDA, channelId: 'C' })
      events.channelClosed.publish({ poolId: 'p', lambdaId: LAMBDA, channelId: 'C', reason: 'used' })
      events.channelRefusedOverCap.publish({ poolId: 'p', lambdaId: LAMBDA, channelId: 'C9', maxChannels: 8 })
      events.invokeStarted.publish({ poolId: 'p', lambdaId: LAMBDA, kind: 'instance' })
      events.requestDispatched.publish({ poolId: 'p', requestId: 'r', lambdaId: LAMBDA, channelId: 'C', queuedMs: 1 })
      events.requestBodyFailed.publish({ poolId: 'p', requestId: 'r', error: new Error('client reset') })
      events.controlResponded.publish({ route: 'ping', status: 409, detail: {} })
      events.connectionDropped.publish({ reason: 'max-connections' })
    },
    lines: [],
  },
  {
    name: 'only the first refused control request of an instance is logged, as a warning with its id prefix',
    level: 'info',
    publish: (events) => {
      events.controlAuthRefused.publish({
        poolId: 'p',
        lambdaId: LAMBDA,
        route: 'request',
        reason: 'missing',
        first: true,
      })
      events.controlAuthRefused.publish({ poolId: 'p', lambdaId: LAMBDA, route: 'ping', reason: 'wrong', first: false })
    },
    lines: [
      {
        level: 'warn',
        msg: 'control request refused: no valid channel token (later refusals for this instance are only counted)',
        poolId: 'p',
        lambdaId: SHORT,
        route: 'request',
        reason: 'missing',
      },
    ],
  },
  {
    name: 'at debug an instance is logged by its whole id',
    level: 'debug',
    publish: (events) =>
      events.instanceStateChanged.publish({ poolId: 'p', lambdaId: LAMBDA, from: 'starting', to: 'open', ageMs: 5 }),
    lines: [{ level: 'info', msg: 'instance state', lambdaId: LAMBDA, from: 'starting', to: 'open' }],
  },
  {
    name: 'instance life is logged at info, a start timeout as a warning, each with the id prefix',
    level: 'info',
    publish: (events) => {
      events.instanceStateChanged.publish({ poolId: 'p', lambdaId: LAMBDA, from: 'open', to: 'draining', ageMs: 5 })
      events.instanceStartTimedOut.publish({ poolId: 'p', lambdaId: LAMBDA, waitedMs: 30_000 })
      events.instanceSlowToConnect.publish({ poolId: 'p', lambdaId: LAMBDA, ageMs: 31_000 })
      events.instanceCloseRequested.publish({ poolId: 'p', lambdaId: LAMBDA, replacing: true, waitMs: 3_000 })
    },
    lines: [
      { level: 'info', msg: 'instance state', lambdaId: SHORT, from: 'open', to: 'draining' },
      {
        level: 'warn',
        msg: 'instance did not connect back within the start timeout',
        lambdaId: SHORT,
        waitedMs: 30_000,
      },
      {
        level: 'info',
        msg: 'instance was slow to connect back; backing off without counting a failure',
        lambdaId: SHORT,
        ageMs: 31_000,
      },
      { level: 'info', msg: 'lambda asked to close', lambdaId: SHORT, replacing: true, waitMs: 3_000 },
    ],
  },
  {
    name: 'a start the invoke gate refused is logged at info with its reason and retry time',
    level: 'info',
    publish: (events) => events.invokeRefused.publish({ poolId: 'p', reason: 'circuit-open', retryInMs: 10_000 }),
    lines: [
      {
        level: 'info',
        msg: 'instance start refused by the invoke gate',
        poolId: 'p',
        reason: 'circuit-open',
        retryInMs: 10_000,
      },
    ],
  },
  {
    name: "an app that failed to start is an error whose message is the error's",
    level: 'info',
    publish: (events) =>
      events.appStartFailed.publish({
        poolId: 'p',
        lambdaId: LAMBDA,
        error: new AppStartFailedError('p', 'fn', 'Runtime.ExitError', 'exit status 1'),
      }),
    lines: [
      {
        level: 'error',
        msg: 'the app failed to start (function fn): Runtime.ExitError: exit status 1',
        lambdaId: SHORT,
      },
    ],
  },
  {
    name: 'a completed or aborted invoke is logged at info; any other result is a warning',
    level: 'info',
    publish: (events) => {
      events.invokeReturned.publish({
        poolId: 'p',
        lambdaId: LAMBDA,
        result: 'completed',
        durationMs: 100,
        exitReason: 'SelfDeadline',
      })
      events.invokeReturned.publish({ poolId: 'p', lambdaId: LAMBDA, result: 'aborted', durationMs: 101 })
      events.invokeReturned.publish({
        poolId: 'p',
        lambdaId: LAMBDA,
        result: 'function_error',
        durationMs: 102,
        functionError: 'Unhandled',
      })
      events.invokeReturned.publish({ poolId: 'p', lambdaId: LAMBDA, result: 'throttled', durationMs: 103 })
    },
    lines: [
      { level: 'info', msg: 'invoke returned', result: 'completed', durationMs: 100, exitReason: 'SelfDeadline' },
      { level: 'info', msg: 'invoke returned', result: 'aborted', durationMs: 101 },
      { level: 'warn', msg: 'invoke returned', result: 'function_error', durationMs: 102, functionError: 'Unhandled' },
      { level: 'warn', msg: 'invoke returned', result: 'throttled', durationMs: 103 },
    ],
  },
  {
    name: 'an ordering violation is an error naming the pool and the instance and channel by prefix',
    level: 'info',
    publish: (events) =>
      events.tunnelOrderingViolated.publish({
        poolId: 'p',
        error: new TunnelOrderingError(LAMBDA, 'channel-0123456789'),
      }),
    lines: [{ level: 'error', msg: 'tunnel ordering', poolId: 'p', lambdaId: SHORT, channelId: 'channel-' }],
  },
  {
    name: 'control-channel HTTP/2 trouble is a warning with its kind and detail',
    level: 'info',
    publish: (events) => events.http2Error.publish({ kind: 'bad_preface', detail: { remoteAddress: '10.0.0.9' } }),
    lines: [{ level: 'warn', msg: 'control channel http2 error', kind: 'bad_preface', remoteAddress: '10.0.0.9' }],
  },
  {
    name: 'control answers and dropped connections are logged at debug',
    level: 'debug',
    publish: (events) => {
      events.controlResponded.publish({ route: 'close', status: 409, detail: { lambdaId: 'L' } })
      events.connectionDropped.publish({ reason: 'preface-timeout' })
    },
    lines: [
      { level: 'debug', msg: 'control response', route: 'close', status: 409, lambdaId: 'L' },
      { level: 'debug', msg: 'client connection dropped', reason: 'preface-timeout' },
    ],
  },
]

for (const row of cases) {
  test(row.name, async () => {
    const lines = await linesOf(row.level, row.publish)
    assert.deepEqual(
      lines.map((line, index) => picked(line, row.lines[index] ?? { level: undefined, msg: undefined })),
      row.lines,
    )
  })
}

test("a timed-out request's line carries its error with code and context", async () => {
  const [line] = await linesOf('info', (events) =>
    events.requestEnded.publish({
      poolId: 'p',
      requestId: 'r',
      kind: 'timed-out',
      phase: 'head',
      error: new HeadTimeoutError(LAMBDA, 'C', 120_000),
    }),
  )
  const err = line?.err as Record<string, unknown> | undefined
  assert.equal(err?.code, 'LD_HEAD_TIMEOUT')
  assert.equal(err?.lambdaId, SHORT, 'the error serialises the id prefix above debug')
})
