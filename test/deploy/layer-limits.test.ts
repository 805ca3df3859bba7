// The size check `npm run package:layer` runs on every zip (issue 19): Lambda's 50 MiB for a directly uploaded zip and
// 250 MiB unzipped for a function and all its layers, each exceeded alone and together, and the bytes at each limit.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LAMBDA_LAYER_LIMITS, layerSizeProblems } from '../../scripts/layer-limits.mjs'

const MIB = 1024 * 1024

const cases = [
  { name: 'a layer of 30 MiB zipped and 95 MiB unzipped fits', zipped: 30 * MIB, unzipped: 95 * MIB, problems: [] },
  { name: 'exactly at both limits still fits', zipped: 50 * MIB, unzipped: 250 * MIB, problems: [] },
  {
    name: 'one byte over 50 MiB zipped is refused for a direct upload',
    zipped: 50 * MIB + 1,
    unzipped: 100 * MIB,
    problems: [/^the zip is 50\.0 MiB, over Lambda's 50\.0 MiB for a direct upload$/],
  },
  {
    name: 'over 250 MiB unzipped is refused for the function and its layers',
    zipped: 40 * MIB,
    unzipped: 251 * MIB,
    problems: [/^the unzipped layer is 251\.0 MiB, over Lambda's 250\.0 MiB for a function and all its layers$/],
  },
  {
    name: 'over both limits names both',
    zipped: 60 * MIB,
    unzipped: 300 * MIB,
    problems: [/zip is 60\.0 MiB/, /unzipped layer is 300\.0 MiB/],
  },
]

for (const row of cases) {
  test(row.name, () => {
    const problems = layerSizeProblems({ zippedBytes: row.zipped, unzippedBytes: row.unzipped })
    assert.equal(problems.length, row.problems.length, problems.join('; '))
    for (const [index, pattern] of row.problems.entries()) assert.match(problems[index] ?? '', pattern)
  })
}

test("the limits are Lambda's, in bytes: 50 MiB zipped and 250 MiB (262144000 bytes) unzipped", () => {
  assert.deepEqual({ ...LAMBDA_LAYER_LIMITS }, { zippedBytes: 52_428_800, unzippedBytes: 262_144_000 })
})
