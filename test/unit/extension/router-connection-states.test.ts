// The router connection's transition table (issue 15), cell by cell: it only ever moves towards closed, and a
// connection that stopped opening sessions never starts again.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { canTransition, type RouterConnectionState } from '../../../src/extension/router-connection-states.js'

const STATES: readonly RouterConnectionState[] = ['active', 'draining', 'abandoned', 'closed']
const ALLOWED = new Set([
  'active→draining',
  'active→abandoned',
  'active→closed',
  'draining→abandoned',
  'draining→closed',
  'abandoned→closed',
])

for (const from of STATES) {
  for (const to of STATES) {
    const move = `${from}→${to}`
    const allowed = ALLOWED.has(move)
    test(`${move} is ${allowed ? 'allowed' : 'refused'}`, () => {
      assert.equal(canTransition(from, to), allowed)
    })
  }
}
