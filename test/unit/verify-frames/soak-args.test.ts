// The soak options a frame capture runs with: the profile given, and the large-body share that keeps the capture
// small (tools/verify-frames/soak-args.ts; issue 17).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveSoakOptions, type SoakArgs } from '../../../tools/soak/options.js'
import { SOAK_PROFILES } from '../../../tools/soak/profiles.js'
import { captureSoakArgs } from '../../../tools/verify-frames/soak-args.js'

const cases: { name: string; raw: SoakArgs; expect: Record<string, unknown> }[] = [
  {
    name: 'without a profile the mixed one runs with 0.5 % large bodies',
    raw: { requests: '20000', concurrency: '32' },
    expect: { profile: 'mixed', requests: 20_000, concurrency: 32, largePercent: 0.5 },
  },
  {
    name: 'the mixed profile named runs with 0.5 % large bodies',
    raw: { profile: 'mixed', requests: '20000', concurrency: '32' },
    expect: { profile: 'mixed', largePercent: 0.5 },
  },
  {
    name: "the churn profile keeps its own share and timings, and the capture's concurrency",
    raw: { profile: 'churn', requests: '20000', concurrency: '32' },
    expect: {
      profile: 'churn',
      concurrency: 32,
      largePercent: SOAK_PROFILES.churn.settings.largePercent,
      functionTimeoutMs: SOAK_PROFILES.churn.settings.functionTimeoutMs,
      lullEveryMs: SOAK_PROFILES.churn.settings.lullEveryMs,
    },
  },
  {
    name: 'an explicit large-body share wins over both',
    raw: { profile: 'churn', requests: '100', largePercent: '2' },
    expect: { profile: 'churn', requests: 100, largePercent: 2 },
  },
]
for (const row of cases) {
  test(row.name, () => {
    const resolved = resolveSoakOptions(captureSoakArgs(row.raw), 7)
    assert.equal(resolved.kind, 'options', JSON.stringify(resolved))
    if (resolved.kind !== 'options') return
    for (const [key, value] of Object.entries(row.expect)) {
      assert.equal(resolved.options[key as keyof typeof resolved.options], value, key)
    }
  })
}

test('an unknown profile reaches the soak options as a problem', () => {
  const resolved = resolveSoakOptions(captureSoakArgs({ profile: 'bytes' }), 7)
  assert.equal(resolved.kind, 'problems')
  assert.match(
    resolved.kind === 'problems' ? resolved.problems.join('; ') : '',
    /--profile must be one of mixed, churn/,
  )
})
