// The large-body echo check: the generated body, and a byte-for-byte comparison wherever chunk boundaries fall.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { bodyBlock, bodyChunks, PatternCheck } from '../../../bench/lib/echo-client.js'

const BLOCK = bodyBlock()

test('the body is whole blocks then a partial one, and the block is the same every time', () => {
  const sizes = [...bodyChunks(BLOCK, 2.5 * BLOCK.length)].map((chunk) => chunk.length)
  assert.deepEqual(sizes, [BLOCK.length, BLOCK.length, BLOCK.length / 2])
  assert.deepEqual(bodyBlock(), BLOCK)
  assert.ok(new Set(BLOCK.subarray(0, 4096)).size > 200, 'the block is not a constant fill')
})

test('an echo split at any boundaries checks clean; one changed byte is found at its offset', () => {
  const total = 3 * BLOCK.length + 12_345
  const body = Buffer.concat([...bodyChunks(BLOCK, total)])
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: total - 1 }), { maxLength: 12 }),
      fc.nat(total - 1),
      (cuts, flip) => {
        const points = [0, ...new Set(cuts)].sort((a, b) => a - b)
        const clean = new PatternCheck(BLOCK)
        const broken = new PatternCheck(BLOCK)
        const damaged = Buffer.from(body)
        damaged[flip] = (damaged[flip] as number) ^ 0xff
        points.forEach((start, index) => {
          const end = points[index + 1] ?? total
          clean.update(body.subarray(start, end))
          broken.update(damaged.subarray(start, end))
        })
        return clean.bytes === total && clean.firstMismatch === undefined && broken.firstMismatch === flip
      },
    ),
    { numRuns: 30 },
  )
})
