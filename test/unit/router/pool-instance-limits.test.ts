// PoolInstanceLimits (issue 3): parsing `name=min:max[,name=min:max…]`, the names that are no pool, and one pool's
// resolved limits. Table tests over the pure functions.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  instanceLimitsFor,
  type PoolInstanceLimit,
  parsePoolInstanceLimits,
  unknownPoolNames,
} from '../../../src/router/pool-instance-limits.js'

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:reports'

const accepted: { name: string; text: string; limits: [string, number, number][] }[] = [
  { name: 'empty text means no overrides', text: '', limits: [] },
  { name: 'only separators and spaces mean no overrides', text: ' , ,', limits: [] },
  { name: 'one pool', text: 'my-function=1:5', limits: [['my-function', 1, 5]] },
  { name: 'min equal to max', text: 'a=3:3', limits: [['a', 3, 3]] },
  { name: 'min 0 and max 1', text: 'a=0:1', limits: [['a', 0, 1]] },
  { name: 'the largest max', text: 'a=10000:10000', limits: [['a', 10_000, 10_000]] },
  {
    name: 'several pools in the order given, spaces around entries ignored',
    text: ' b=0:2 , a=1:20,',
    limits: [
      ['b', 0, 2],
      ['a', 1, 20],
    ],
  },
  { name: 'a name:qualifier', text: 'fn:live=0:4', limits: [['fn:live', 0, 4]] },
  { name: 'an ARN, whose colons come before the =', text: `${ARN}=2:8`, limits: [[ARN, 2, 8]] },
]

for (const row of accepted) {
  test(`PoolInstanceLimits accepts ${row.name}`, () => {
    const parsed = parsePoolInstanceLimits(row.text)
    assert.ok('value' in parsed, 'problem' in parsed ? parsed.problem : '')
    assert.deepEqual(
      parsed.value.map((limit) => [limit.poolName, limit.minInstances, limit.maxInstances]),
      row.limits,
    )
    assert.ok(Object.isFrozen(parsed.value))
  })
}

const refused: { name: string; text: string; invalid: string }[] = [
  { name: 'min above max', text: 'a=3:2', invalid: 'a=3:2 (min above max)' },
  { name: 'a max of 0', text: 'a=0:0', invalid: 'a=0:0 (max below 1)' },
  { name: 'a max above 10000', text: 'a=0:10001', invalid: 'a=0:10001 (above 10000)' },
  { name: 'a negative min', text: 'a=-1:2', invalid: 'a=-1:2 (not name=min:max)' },
  { name: 'a fraction', text: 'a=0:1.5', invalid: 'a=0:1.5 (not name=min:max)' },
  { name: 'a missing max', text: 'a=1', invalid: 'a=1 (not name=min:max)' },
  { name: 'a missing name', text: '=1:2', invalid: '=1:2 (not name=min:max)' },
  { name: 'a bare name', text: 'a', invalid: 'a (not name=min:max)' },
  { name: 'a name with a space', text: 'my fn=1:2', invalid: 'my fn=1:2 (not name=min:max)' },
  { name: 'the same pool twice', text: 'a=0:1,a=0:2', invalid: 'a=0:2 (a given twice)' },
]

for (const row of refused) {
  test(`PoolInstanceLimits refuses ${row.name}, naming the entry and why`, () => {
    assert.deepEqual(parsePoolInstanceLimits(row.text), {
      problem: `must be name=min:max[,name=min:max…] with integers 0 ≤ min ≤ max and 1 ≤ max ≤ 10000, each pool once; not valid: ${row.invalid}`,
    })
  })
}

test('PoolInstanceLimits lists every bad entry in one problem', () => {
  const parsed = parsePoolInstanceLimits('good=0:1,bad=2:1,worse')
  assert.ok('problem' in parsed)
  assert.match(parsed.problem, /not valid: bad=2:1 \(min above max\), worse \(not name=min:max\)$/)
})

const limits: PoolInstanceLimit[] = [
  { poolName: 'my-function', minInstances: 2, maxInstances: 4 },
  { poolName: 'reports', minInstances: 0, maxInstances: 1 },
  { poolName: 'typo', minInstances: 0, maxInstances: 1 },
]

const unknownCases: { name: string; functionName: string; allowed: string[]; unknown: string[] }[] = [
  { name: 'every name is a pool', functionName: 'my-function', allowed: ['reports', 'typo'], unknown: [] },
  { name: 'one name is off the allow-list', functionName: 'my-function', allowed: ['reports'], unknown: ['typo'] },
  {
    name: 'the default pool is named by FunctionName, not "default"',
    functionName: 'other-function',
    allowed: ['reports', 'typo'],
    unknown: ['my-function'],
  },
]

for (const row of unknownCases) {
  test(`unknownPoolNames: ${row.name}`, () => {
    assert.deepEqual(unknownPoolNames(limits, row.functionName, row.allowed), row.unknown)
  })
}

const defaults = { minInstances: 1, maxInstances: 20 }
for (const [poolName, expected] of [
  ['my-function', { minInstances: 2, maxInstances: 4 }],
  ['reports', { minInstances: 0, maxInstances: 1 }],
  ['unlisted', defaults],
] as const) {
  test(`instanceLimitsFor("${poolName}") is ${expected.minInstances}:${expected.maxInstances}`, () => {
    assert.deepEqual(instanceLimitsFor(poolName, limits, defaults), expected)
  })
}
