// Issue 12 item 2: an instance that never connected back is "slow" while another instance of its pool is connected
// (a busy host), and "broken" otherwise or when its invoke failed with a function error.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyStartFailure } from '../../../../src/router/invoke/classify-start-failure.js'

const CASES = [
  { name: 'no instance connected, no function error', functionError: false, openInstances: 0, want: 'never-connected' },
  { name: 'another instance connected', functionError: false, openInstances: 1, want: 'slow-connect' },
  { name: 'many instances connected', functionError: false, openInstances: 7, want: 'slow-connect' },
  { name: 'a function error with instances connected', functionError: true, openInstances: 3, want: 'never-connected' },
  { name: 'a function error with none connected', functionError: true, openInstances: 0, want: 'never-connected' },
] as const

for (const row of CASES) {
  test(`${row.name} is ${row.want}`, () => {
    assert.equal(classifyStartFailure({ functionError: row.functionError, openInstances: row.openInstances }), row.want)
  })
}
