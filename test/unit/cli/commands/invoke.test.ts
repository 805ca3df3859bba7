// Issue 19: the one line `lambda-dispatch invoke` writes for a failed invoke, from the error document Lambda returns.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeFunctionError } from '../../../../src/cli/commands/invoke.js'

const cases: Array<{ name: string; payload: string; expected: string }> = [
  {
    name: 'an error document gives its type and message',
    payload: '{"errorType":"EventAppStatusError","errorMessage":"the app answered with 500"}',
    expected: 'function error (Unhandled): EventAppStatusError: the app answered with 500',
  },
  {
    name: 'a document without errorType says so',
    payload: '{"errorMessage":"boom"}',
    expected: 'function error (Unhandled): unknown error type: boom',
  },
  {
    name: 'a payload that is not JSON is quoted whole',
    payload: 'Task timed out',
    expected: 'function error (Unhandled): unknown error type: Task timed out',
  },
]
for (const row of cases) {
  test(`describeFunctionError: ${row.name}`, () => {
    assert.equal(describeFunctionError('Unhandled', Buffer.from(row.payload)), row.expected)
  })
}
