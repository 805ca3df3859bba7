// The instance transition table, cell by cell, the state predicates, and what a pool's instance snapshots add up to.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  acceptsChannels,
  answersPing,
  canTransition,
  INSTANCE_STATES,
  type InstanceSnapshot,
  type InstanceState,
  isDispatchable,
  summarizeInstances,
  zeroStateCounts,
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

test('the states are listed once, in lifecycle order', () => {
  assert.deepEqual(INSTANCE_STATES, STATES)
})

test('a fresh count record has every state at zero, in lifecycle order, and is new on every call', () => {
  const counts = zeroStateCounts()
  assert.deepEqual(
    Object.entries(counts),
    INSTANCE_STATES.map((state) => [state, 0]),
  )
  counts.open++
  assert.equal(zeroStateCounts().open, 0)
})

function instance(state: InstanceState, parkedChannels: number, busyChannels: number): InstanceSnapshot {
  return { lambdaId: `lambda-${state}`, state, ageMs: 0, outstanding: busyChannels, parkedChannels, busyChannels }
}

const ZERO = { initial: 0, starting: 0, open: 0, draining: 0, closing: 0, closed: 0 }
const summaries: { name: string; instances: InstanceSnapshot[]; expected: ReturnType<typeof summarizeInstances> }[] = [
  { name: 'no instance', instances: [], expected: { byState: ZERO, parkedChannels: 0, busyChannels: 0 } },
  {
    name: 'two open and one draining instance',
    instances: [instance('open', 2, 1), instance('open', 0, 3), instance('draining', 1, 0)],
    expected: { byState: { ...ZERO, open: 2, draining: 1 }, parkedChannels: 3, busyChannels: 4 },
  },
  {
    name: 'a starting instance holds no channel yet',
    instances: [instance('starting', 0, 0)],
    expected: { byState: { ...ZERO, starting: 1 }, parkedChannels: 0, busyChannels: 0 },
  },
]

for (const row of summaries) {
  test(`summarizeInstances: ${row.name} counts every state and channel`, () => {
    assert.deepEqual(summarizeInstances(row.instances), row.expected)
  })
}
