// The execution environment's transition table: the lifecycle paths it allows and the shortcuts it refuses.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { canTransition, type EnvironmentState } from '../../../../src/local/environment/environment-states.js'

const cases: { from: EnvironmentState; to: EnvironmentState; allowed: boolean }[] = [
  { from: 'cold', to: 'initializing', allowed: true },
  { from: 'initializing', to: 'invoking', allowed: true },
  { from: 'initializing', to: 'ready', allowed: true },
  { from: 'invoking', to: 'ready', allowed: true },
  { from: 'ready', to: 'frozen', allowed: true },
  { from: 'frozen', to: 'invoking', allowed: true },
  { from: 'frozen', to: 'shutting-down', allowed: true },
  { from: 'shutting-down', to: 'dead', allowed: true },
  { from: 'cold', to: 'invoking', allowed: false },
  { from: 'invoking', to: 'frozen', allowed: false },
  { from: 'frozen', to: 'ready', allowed: false },
  { from: 'dead', to: 'cold', allowed: false },
  { from: 'shutting-down', to: 'ready', allowed: false },
]

for (const row of cases) {
  test(`${row.from} → ${row.to} is ${row.allowed ? 'allowed' : 'refused'}`, () => {
    assert.equal(canTransition(row.from, row.to), row.allowed)
  })
}

test('every state but dead can begin shutting down', () => {
  for (const state of ['cold', 'initializing', 'ready', 'invoking', 'frozen'] as const) {
    assert.ok(canTransition(state, 'shutting-down'), state)
  }
})
