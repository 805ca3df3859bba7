// The soak's byte-for-byte check, for any chunking, with the first differing offset for reports; bodies above
// HASHED_MIN_BYTES are also hashed on both sides (tools/soak/body-check.ts).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import { BodyCheck, ExpectedBodies, HASHED_MIN_BYTES, isExactBody } from '../../../tools/soak/body-check.js'

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

function pattern(length: number): Buffer {
  const bytes = Buffer.alloc(length)
  for (let index = 0; index < length; index++) bytes[index] = index % 251
  return bytes
}

function feed(check: BodyCheck, bytes: Buffer, cuts: readonly number[]): void {
  let offset = 0
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    check.push(bytes.subarray(offset, cut))
    offset = cut
  }
  check.push(bytes.subarray(offset))
}

const payload = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7 + 3) % 256))
const bodies = new ExpectedBodies(payload)

test('a /bytes body of 600,000 bytes matches the i % 251 pattern in any chunking, hash for hash', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 600_000 }), { maxLength: 12 }), (cuts) => {
      const body = pattern(600_000)
      const check = new BodyCheck(bodies.sourceFor({ kind: 'pattern', length: body.length }, { offset: 0, bytes: 0 }))
      feed(check, body, cuts)
      const result = check.result()
      assert.ok(isExactBody(result))
      assert.equal(result.expectedSha256, sha256(body))
      assert.equal(result.firstMismatchAt, undefined)
    }),
    { numRuns: 40 },
  )
})

test('an echo is checked against the uploaded slice of the payload', () => {
  const upload = { offset: 100, bytes: 1000 }
  const check = new BodyCheck(bodies.sourceFor({ kind: 'echo' }, upload))
  feed(check, payload.subarray(100, 1100), [1, 500, 999])
  const result = check.result()
  assert.ok(isExactBody(result))
  assert.equal(result.firstMismatchAt, undefined)
})

test('a body of at most 64 KiB is compared byte for byte without hashing, and one changed byte fails it', () => {
  const body = pattern(HASHED_MIN_BYTES)
  const intact = new BodyCheck(bodies.sourceFor({ kind: 'pattern', length: body.length }, { offset: 0, bytes: 0 }))
  feed(intact, body, [1000])
  const intactResult = intact.result()
  assert.ok(isExactBody(intactResult))
  assert.deepEqual([intactResult.receivedSha256, intactResult.expectedSha256], ['', ''])
  body[HASHED_MIN_BYTES - 1] = (body[HASHED_MIN_BYTES - 1] as number) ^ 1
  const changed = new BodyCheck(bodies.sourceFor({ kind: 'pattern', length: body.length }, { offset: 0, bytes: 0 }))
  feed(changed, body, [1000])
  const changedResult = changed.result()
  assert.equal(isExactBody(changedResult), false)
  assert.equal(changedResult.firstMismatchAt, HASHED_MIN_BYTES - 1)
})

test('a body one byte above 64 KiB is hashed on both sides', () => {
  const body = pattern(HASHED_MIN_BYTES + 1)
  const check = new BodyCheck(bodies.sourceFor({ kind: 'pattern', length: body.length }, { offset: 0, bytes: 0 }))
  feed(check, body, [HASHED_MIN_BYTES])
  const result = check.result()
  assert.ok(isExactBody(result))
  assert.equal(result.receivedSha256, sha256(body))
  assert.equal(result.expectedSha256, sha256(body))
})

test('one changed byte fails the hash and is located exactly', () => {
  const body = pattern(70_000)
  body[65_537] = (body[65_537] as number) ^ 0xff
  const check = new BodyCheck(bodies.sourceFor({ kind: 'pattern', length: body.length }, { offset: 0, bytes: 0 }))
  feed(check, body, [65_536])
  const result = check.result()
  assert.equal(isExactBody(result), false)
  assert.equal(result.firstMismatchAt, 65_537)
  assert.equal(result.prefixIntact, false)
  assert.equal(result.expectedSha256, sha256(pattern(70_000)))
})

test('a short body keeps an intact prefix but is not exact', () => {
  const check = new BodyCheck(bodies.sourceFor({ kind: 'text', text: 'pong' }, { offset: 0, bytes: 0 }))
  check.push(Buffer.from('po'))
  const result = check.result()
  assert.equal(result.prefixIntact, true)
  assert.equal(result.firstMismatchAt, 2)
  assert.equal(isExactBody(result), false)
  assert.equal(result.head, 'po')
})

test('a short large body is not exact; the expected hash still covers the whole body', () => {
  const body = pattern(100_000)
  const check = new BodyCheck(bodies.sourceFor({ kind: 'pattern', length: body.length }, { offset: 0, bytes: 0 }))
  check.push(body.subarray(0, 70_000))
  const result = check.result()
  assert.equal(result.prefixIntact, true)
  assert.equal(result.firstMismatchAt, 70_000)
  assert.equal(isExactBody(result), false)
  assert.equal(result.expectedSha256, sha256(body))
})

test('bytes beyond the expected end are a mismatch at the expected length', () => {
  const check = new BodyCheck(bodies.sourceFor({ kind: 'text', text: 'pong' }, { offset: 0, bytes: 0 }))
  check.push(Buffer.from('pong!'))
  const result = check.result()
  assert.equal(result.firstMismatchAt, 4)
  assert.equal(isExactBody(result), false)
})
