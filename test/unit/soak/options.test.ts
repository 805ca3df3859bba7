// The soak's command-line values become validated options, or every problem named (tools/soak/options.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveSoakOptions, type SoakArgs } from '../../../tools/soak/options.js'
import { SOAK_PROFILES } from '../../../tools/soak/profiles.js'
import { SOAK_DEFAULTS } from '../../../tools/soak/run-soak.js'

test('no options gives the defaults, with the drawn seed', () => {
  const resolved = resolveSoakOptions({}, 1234)
  assert.equal(resolved.kind, 'options')
  if (resolved.kind !== 'options') return
  assert.equal(resolved.options.requests, SOAK_DEFAULTS.requests)
  assert.equal(resolved.options.durationMs, undefined)
  assert.equal(resolved.options.seed, 1234)
  assert.equal(resolved.options.maxInstances, SOAK_DEFAULTS.instances * 2)
  assert.equal(resolved.options.runtime, 'bundle')
  assert.equal(resolved.options.profile, 'mixed')
})

const accepted: { name: string; args: SoakArgs; expect: Record<string, unknown> }[] = [
  { name: 'underscores in counts', args: { requests: '100_000' }, expect: { requests: 100_000 } },
  {
    name: 'a duration alone bounds the run by time',
    args: { duration: '10m' },
    expect: { requests: undefined, durationMs: 600_000 },
  },
  {
    name: 'requests and a duration together',
    args: { requests: '5', duration: '1h' },
    expect: { requests: 5, durationMs: 3_600_000 },
  },
  {
    name: 'instances sets the maximum to twice as many',
    args: { instances: '6' },
    expect: { instances: 6, maxInstances: 12 },
  },
  { name: 'a fractional large-body share', args: { largePercent: '0.5' }, expect: { largePercent: 0.5 } },
  {
    name: 'a function timeout with its margin',
    args: { functionTimeout: '8s', deadlineMargin: '2s' },
    expect: { functionTimeoutMs: 8000, deadlineMarginMs: 2000 },
  },
  // issue 17: a profile sets the mix and its values; a flag given on the command line wins over the profile.
  {
    name: 'no profile is the mixed one, with its values',
    args: {},
    expect: { profile: 'mixed', ...SOAK_PROFILES.mixed.settings },
  },
  {
    name: 'the churn profile brings its own values',
    args: { profile: 'churn' },
    expect: { profile: 'churn', ...SOAK_PROFILES.churn.settings },
  },
  {
    name: 'churn has no large bodies, a short function timeout and frequent lulls',
    args: { profile: 'churn' },
    expect: { largePercent: 0, functionTimeoutMs: 6000, deadlineMarginMs: 3000, lullEveryMs: 5000, lullMs: 600 },
  },
  {
    name: 'flags override the churn profile one by one and leave its other values',
    args: { profile: 'churn', concurrency: '32', lullEvery: '10s', largePercent: '1' },
    expect: {
      profile: 'churn',
      concurrency: 32,
      lullEveryMs: 10_000,
      largePercent: 1,
      lullMs: SOAK_PROFILES.churn.settings.lullMs,
      functionTimeoutMs: SOAK_PROFILES.churn.settings.functionTimeoutMs,
    },
  },
  {
    name: 'a longer function timeout given with churn keeps the profile margin',
    args: { profile: 'churn', functionTimeout: '20s' },
    expect: { functionTimeoutMs: 20_000, deadlineMarginMs: SOAK_PROFILES.churn.settings.deadlineMarginMs },
  },
  {
    name: 'the profile does not change what it does not set',
    args: { profile: 'churn' },
    expect: { requests: SOAK_DEFAULTS.requests, instances: SOAK_DEFAULTS.instances, pingTimeoutMs: 5000 },
  },
]
for (const row of accepted) {
  test(`accepted: ${row.name}`, () => {
    const resolved = resolveSoakOptions(row.args, 1)
    assert.equal(resolved.kind, 'options', JSON.stringify(resolved))
    if (resolved.kind !== 'options') return
    for (const [key, value] of Object.entries(row.expect)) {
      assert.equal(resolved.options[key as keyof typeof resolved.options], value, key)
    }
  })
}

const refused: { name: string; args: SoakArgs; problem: RegExp }[] = [
  { name: 'zero requests', args: { requests: '0' }, problem: /--requests must be an integer/ },
  {
    name: 'a word for a count',
    args: { concurrency: 'many' },
    problem: /--concurrency must be an integer 1–10000, got "many"/,
  },
  { name: 'a bad duration', args: { duration: 'soon' }, problem: /--duration must be a duration/ },
  {
    name: 'fewer max than min instances',
    args: { instances: '5', maxInstances: '4' },
    problem: /at least --instances/,
  },
  { name: 'half the requests large', args: { largePercent: '50' }, problem: /--large-percent/ },
  {
    name: 'a margin as long as the timeout',
    args: { functionTimeout: '5s', deadlineMargin: '5s' },
    problem: /--deadline-margin/,
  },
  { name: 'an unknown runtime', args: { runtime: 'docker' }, problem: /--runtime must be bundle or source/ },
  {
    name: 'an unknown profile',
    args: { profile: 'bulk' },
    problem: /--profile must be one of mixed, churn, got "bulk"/,
  },
  {
    name: "a flag that breaks the churn profile's own margin",
    args: { profile: 'churn', functionTimeout: '3s' },
    problem: /--deadline-margin must be shorter than --function-timeout/,
  },
]
for (const row of refused) {
  test(`refused: ${row.name}`, () => {
    const resolved = resolveSoakOptions(row.args, 1)
    assert.equal(resolved.kind, 'problems')
    if (resolved.kind !== 'problems') return
    assert.ok(
      resolved.problems.some((problem) => row.problem.test(problem)),
      resolved.problems.join('; '),
    )
  })
}

test('every problem is listed at once', () => {
  const resolved = resolveSoakOptions({ requests: 'x', concurrency: 'y', lull: 'z' }, 1)
  assert.equal(resolved.kind === 'problems' ? resolved.problems.length : 0, 3)
})
