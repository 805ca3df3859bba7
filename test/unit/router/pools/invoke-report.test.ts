// The InvokeReturned event a pool publishes for one returned invoke (issue 15 item 1), and the app's start failure
// read from a function error before connecting back: table tests over every invoke outcome.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AppStartFailedError } from '../../../../src/router/errors.js'
import type { InvokeReturned } from '../../../../src/router/events.js'
import type { InvokeOutcome } from '../../../../src/router/invoke/invoker.js'
import { appStartFailure, invokeResult, invokeReturned } from '../../../../src/router/pools/invoke-report.js'

const throttle = new Error('rate exceeded')
const network = new Error('socket hang up')

const cases: ReadonlyArray<{
  readonly name: string
  readonly outcome: InvokeOutcome
  readonly aborted: boolean
  readonly event: Omit<InvokeReturned, 'poolId' | 'lambdaId'>
}> = [
  {
    name: 'a completed invoke with a WaiterResponse reports its exit reason',
    outcome: {
      kind: 'completed',
      response: { poolId: 'p', id: 'L', exitReason: 'SelfDeadline' },
      functionError: undefined,
      durationMs: 1200,
    },
    aborted: false,
    event: { result: 'completed', durationMs: 1200, exitReason: 'SelfDeadline', functionError: undefined },
  },
  {
    name: 'a completed invoke whose payload was no WaiterResponse reports no exit reason',
    outcome: { kind: 'completed', response: undefined, functionError: undefined, durationMs: 5 },
    aborted: false,
    event: { result: 'completed', durationMs: 5, exitReason: undefined, functionError: undefined },
  },
  {
    name: 'a completed invoke with a function error is a function_error carrying it',
    outcome: { kind: 'completed', response: undefined, functionError: 'Unhandled', durationMs: 30 },
    aborted: false,
    event: { result: 'function_error', durationMs: 30, exitReason: undefined, functionError: 'Unhandled' },
  },
  {
    name: 'a function error stays a function_error when the pool had aborted the invoke',
    outcome: {
      kind: 'completed',
      response: { poolId: 'p', id: 'L', exitReason: 'RouterGoAway' },
      functionError: 'Handled',
      durationMs: 31,
    },
    aborted: true,
    event: { result: 'function_error', durationMs: 31, exitReason: 'RouterGoAway', functionError: 'Handled' },
  },
  {
    name: 'a throttled invoke carries its error',
    outcome: { kind: 'throttled', error: throttle, durationMs: 12 },
    aborted: false,
    event: { result: 'throttled', durationMs: 12, err: throttle },
  },
  {
    name: 'a throttled invoke stays throttled when the pool had aborted it',
    outcome: { kind: 'throttled', error: throttle, durationMs: 13 },
    aborted: true,
    event: { result: 'throttled', durationMs: 13, err: throttle },
  },
  {
    name: 'a failed invoke the pool did not abort is failed',
    outcome: { kind: 'failed', error: network, retryable: true, durationMs: 40 },
    aborted: false,
    event: { result: 'failed', durationMs: 40, err: network },
  },
  {
    name: 'a failed invoke the pool aborted is aborted, not a failure',
    outcome: { kind: 'failed', error: network, retryable: false, durationMs: 41 },
    aborted: true,
    event: { result: 'aborted', durationMs: 41, err: network },
  },
]

for (const row of cases) {
  test(row.name, () => {
    const event = invokeReturned('pool-a', 'lambda-1', row.outcome, row.aborted)
    assert.deepEqual(event, { poolId: 'pool-a', lambdaId: 'lambda-1', ...row.event })
    assert.equal(invokeResult(row.outcome, row.aborted), row.event.result)
  })
}

test('an init failure with an error document names its type and message', () => {
  const error = appStartFailure('pool-a', 'my-fn', {
    kind: 'completed',
    response: undefined,
    functionError: 'Unhandled',
    functionErrorBody: { errorType: 'Runtime.ExitError', errorMessage: 'exit status 1' },
    durationMs: 900,
  })
  assert.ok(error instanceof AppStartFailedError)
  assert.equal(error.code, 'LD_APP_START_FAILED')
  assert.deepEqual(
    [error.poolId, error.functionName, error.errorType, error.errorMessage],
    ['pool-a', 'my-fn', 'Runtime.ExitError', 'exit status 1'],
  )
  assert.equal(error.message, 'the app failed to start (function my-fn): Runtime.ExitError: exit status 1')
})

test('an init failure without an error document is named by the function error header', () => {
  const error = appStartFailure('pool-a', 'my-fn', {
    kind: 'completed',
    response: undefined,
    functionError: 'Unhandled',
    durationMs: 900,
  })
  assert.deepEqual(
    [error.errorType, error.errorMessage],
    ['function error Unhandled', 'the function returned no error document'],
  )
})
