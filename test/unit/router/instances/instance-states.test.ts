// The instance transition table, cell by cell, and the state predicates.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  acceptsChannels,
  answersPing,
  canTransition,
  type InstanceState,
  isDispatchable,
} from '../../../../src/router/instances/instance-states.js'

const STATES: readonly InstanceState[] = ['initial', 'starting', 'open', 'draining', 'closing', 'closed']
const ALLOWED = new Set([
  'initial→starting',
  'initial→closed',
  'starting→open',
  'starting→closing',
  'starting→closed',
  'open→draining',
  'open→closing',
  'open→closed',
  'draining→closing',
  'draining→closed',
  'closing→closed',
])

for (const from of STATES) {
  for (const to of STATES) {
    const move = `${from}→${to}`
    test(`${move} is ${ALLOWED.has(move) ? 'allowed' : 'refused'}`, () => {
      assert.equal(canTransition(from, to), ALLOWED.has(move))
    })
  }
}

test('requests go to open and draining instances only', () => {
  assert.deepEqual(STATES.filter(isDispatchable), ['open', 'draining'])
})

test('channels are parked for starting, open and draining instances; others get 409', () => {
  assert.deepEqual(STATES.filter(acceptsChannels), ['starting', 'open', 'draining'])
})

test('pings keep starting, open and draining instances alive; closing and closed ones are told to stop', () => {
  assert.deepEqual(STATES.filter(answersPing), ['starting', 'open', 'draining'])
})
