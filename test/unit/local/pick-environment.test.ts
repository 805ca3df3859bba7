// Table tests for the environment picker: reuse LIFO, create under the limit, throttle at it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { EnvironmentState } from '../../../src/local/environment/environment-states.js'
import { type EnvironmentCandidate, pickEnvironment } from '../../../src/local/pick-environment.js'

function env(id: string, state: EnvironmentState, idleSinceMs = 0): EnvironmentCandidate {
  return { id, state, idleSinceMs }
}

const cases: {
  name: string
  candidates: EnvironmentCandidate[]
  limit: number
  expected: ReturnType<typeof pickEnvironment>
}[] = [
  { name: 'no environment yet: create', candidates: [], limit: 2, expected: { kind: 'create' } },
  {
    name: 'the most recently idle environment is reused (LIFO)',
    candidates: [env('a', 'ready', 100), env('b', 'ready', 300), env('c', 'frozen', 200)],
    limit: 5,
    expected: { kind: 'reuse', environmentId: 'b' },
  },
  {
    name: 'a frozen environment is reused like a ready one',
    candidates: [env('a', 'invoking'), env('b', 'frozen', 50)],
    limit: 5,
    expected: { kind: 'reuse', environmentId: 'b' },
  },
  {
    name: 'only busy environments under the limit: create',
    candidates: [env('a', 'invoking'), env('b', 'initializing'), env('c', 'cold')],
    limit: 4,
    expected: { kind: 'create' },
  },
  {
    name: 'busy environments at the limit: throttle, even with an idle one',
    candidates: [env('a', 'invoking'), env('b', 'ready', 10)],
    limit: 1,
    expected: { kind: 'throttle' },
  },
  {
    name: 'environments shutting down or dead count for nothing',
    candidates: [env('a', 'shutting-down'), env('b', 'dead')],
    limit: 1,
    expected: { kind: 'create' },
  },
  { name: 'a limit of zero throttles everything', candidates: [], limit: 0, expected: { kind: 'throttle' } },
]

for (const row of cases) {
  test(`pickEnvironment: ${row.name}`, () => {
    assert.deepEqual(pickEnvironment(row.candidates, row.limit), row.expected)
  })
}
