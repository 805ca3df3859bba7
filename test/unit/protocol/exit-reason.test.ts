// ExitReason severity: the original's order, and worse() picking the more serious cause.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EXIT_REASONS, exitReasonSeverity, isExitReason, worseExitReason } from '../../../src/protocol/index.js'

test('severities follow the original table from 0 (worst) to 13', () => {
  assert.equal(exitReasonSeverity('RouterLambdaInvokeInvalid'), 0)
  assert.equal(exitReasonSeverity('AppConnectionError'), 4)
  assert.equal(exitReasonSeverity('RouterGoAway'), 9)
  assert.equal(exitReasonSeverity('SelfDeadline'), 11)
  assert.equal(exitReasonSeverity('SelfInitOnly'), 13)
  assert.equal(EXIT_REASONS.length, 14)
})

test('the worse of two reasons is the one with the lower severity, whichever order they come in', () => {
  assert.equal(worseExitReason('RouterGoAway', 'AppConnectionError'), 'AppConnectionError')
  assert.equal(worseExitReason('AppConnectionError', 'RouterGoAway'), 'AppConnectionError')
  assert.equal(worseExitReason('SelfDeadline', 'SelfLastActive'), 'SelfLastActive')
  assert.equal(worseExitReason('SelfDeadline', 'SelfDeadline'), 'SelfDeadline')
})

test('only the known names are exit reasons', () => {
  assert.equal(isExitReason('RouterStatus5xx'), true)
  assert.equal(isExitReason('routergoaway'), false)
  assert.equal(isExitReason(9), false)
})
