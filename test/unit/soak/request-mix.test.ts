// The soak's request chooser: weighted kinds, sizes within bounds, planned aborts inside the body, expected answers,
// and the same sequence for the same seed (tools/soak/request-mix.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRandom, type Random } from '../../../tools/soak/random.js'
import {
  chooseRequest,
  DEFAULT_MIX,
  MIX_SIZES,
  PAYLOAD_BLOCK_BYTES,
  pickKind,
  REQUEST_KINDS,
  type RequestKind,
  sseBody,
  withLargeShare,
} from '../../../tools/soak/request-mix.js'

/** A random source that replays `values`, then fails the test if asked for more. */
function scripted(values: readonly number[]): Random {
  let index = 0
  return () => {
    const value = values[index++]
    if (value === undefined) throw new Error(`the chooser drew more than ${values.length} numbers`)
    return value
  }
}

const weights = { ...DEFAULT_MIX.weights }
const pickCases: { name: string; draw: number; kind: RequestKind }[] = [
  { name: 'a draw of 0 picks the first kind', draw: 0, kind: 'ping' },
  { name: 'just below the first boundary stays on ping', draw: 0.3499, kind: 'ping' },
  { name: 'the first boundary moves on to bytes', draw: 0.35, kind: 'bytes' },
  { name: 'the middle of echo', draw: 0.6, kind: 'echo' },
  { name: 'the large echo band', draw: 0.805, kind: 'large-echo' },
  { name: 'the top draw picks the last kind', draw: 0.99999, kind: 'abort-download' },
]
for (const row of pickCases) {
  test(`pickKind: ${row.name}`, () => {
    assert.equal(pickKind(weights, row.draw), row.kind)
  })
}

test('pickKind skips kinds with no weight and refuses a mix with none', () => {
  const onlySse = Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, kind === 'sse' ? 1 : 0])) as Record<
    RequestKind,
    number
  >
  assert.equal(pickKind(onlySse, 0), 'sse')
  assert.equal(pickKind(onlySse, 0.999), 'sse')
  const none = Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, 0])) as Record<RequestKind, number>
  assert.throws(() => pickKind(none, 0.5), /at least one positive weight/)
})

const planCases: { name: string; draws: number[]; expect: Record<string, unknown> }[] = [
  {
    name: 'a ping over h1 expects 200 "pong"',
    draws: [0, 0.9],
    expect: {
      kind: 'ping',
      protocol: 'h1',
      method: 'GET',
      target: '/ping',
      expectedBody: { kind: 'text', text: 'pong' },
    },
  },
  {
    name: 'a small /bytes over h2c, chunked, expects the pattern',
    draws: [0.36, 0.1, 0, 0.2],
    expect: {
      kind: 'bytes',
      protocol: 'h2c',
      target: '/bytes?n=0&chunked=1',
      expectedBody: { kind: 'pattern', length: 0 },
    },
  },
  {
    name: 'an SSE request expects three events',
    draws: [0.85, 0.9],
    expect: { kind: 'sse', target: '/sse?n=3&interval=5', expectedBody: { kind: 'text', text: sseBody(3) } },
  },
  {
    name: 'a /status/204 request expects an empty body',
    draws: [0.9, 0.9, 0.3],
    expect: { kind: 'status', target: '/status/204', expectedStatus: 204, expectedBody: { kind: 'text', text: '' } },
  },
]
for (const row of planCases) {
  test(`chooseRequest: ${row.name}`, () => {
    const plan = chooseRequest(scripted(row.draws))
    for (const [key, value] of Object.entries(row.expect)) {
      assert.deepEqual(plan[key as keyof typeof plan], value, key)
    }
  })
}

test('an abort-upload plan stops strictly inside its body and expects the echo', () => {
  // kind, protocol, size (lowest), abort point (lowest), payload offset, declared length
  const plan = chooseRequest(scripted([0.95, 0.9, 0, 0, 0.5, 0.1]))
  assert.equal(plan.kind, 'abort-upload')
  assert.equal(plan.uploadBytes, MIX_SIZES.abortUploadMin)
  assert.deepEqual(plan.abort, { side: 'upload', afterBytes: 1 })
  assert.equal(plan.declaresLength, true)
  assert.deepEqual(plan.expectedBody, { kind: 'echo' })
})

test('20,000 seeded plans stay within their bounds and follow the weights', () => {
  const random = createRandom(42)
  const counts = Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, 0])) as Record<RequestKind, number>
  let h2c = 0
  const total = 20_000
  for (let index = 0; index < total; index++) {
    const plan = chooseRequest(random)
    counts[plan.kind]++
    if (plan.protocol === 'h2c') h2c++
    assert.ok(plan.payloadOffset >= 0 && plan.payloadOffset + plan.uploadBytes <= PAYLOAD_BLOCK_BYTES)
    if (plan.method === 'GET') assert.equal(plan.uploadBytes, 0)
    if (plan.kind === 'echo') assert.ok(plan.uploadBytes <= MIX_SIZES.echoMax)
    if (plan.kind === 'large-echo') {
      assert.ok(plan.uploadBytes >= MIX_SIZES.largeMin && plan.uploadBytes <= MIX_SIZES.largeMax)
    }
    if (plan.abort?.side === 'upload') assert.ok(plan.abort.afterBytes >= 1 && plan.abort.afterBytes < plan.uploadBytes)
    if (plan.abort?.side === 'download') {
      assert.ok(plan.expectedBody.kind === 'pattern')
      assert.ok(plan.abort.afterBytes >= 1 && plan.abort.afterBytes < plan.expectedBody.length)
    }
  }
  for (const kind of REQUEST_KINDS) {
    const share = (counts[kind] / total) * 100
    assert.ok(Math.abs(share - DEFAULT_MIX.weights[kind]) < 1.5, `${kind}: ${share.toFixed(2)} %`)
  }
  assert.ok(Math.abs(h2c / total - 0.5) < 0.02)
})

test('the same seed replays the same sequence of plans', () => {
  const first = createRandom(7)
  const second = createRandom(7)
  for (let index = 0; index < 1000; index++) assert.deepEqual(chooseRequest(first), chooseRequest(second))
})

test('withLargeShare rescales the 1–4 MiB kinds to the given percent and keeps the rest in proportion', () => {
  const mix = withLargeShare(DEFAULT_MIX, 1)
  const total = REQUEST_KINDS.reduce((sum, kind) => sum + mix.weights[kind], 0)
  assert.ok(Math.abs(total - 100) < 1e-9)
  assert.ok(Math.abs(mix.weights['large-echo'] + mix.weights['large-bytes'] - 1) < 1e-9)
  assert.ok(Math.abs(mix.weights.ping / mix.weights.echo - 35 / 25) < 1e-9)
  assert.equal(withLargeShare(DEFAULT_MIX, 0).weights['large-echo'], 0)
  assert.throws(() => withLargeShare(DEFAULT_MIX, 100), /below 100/)
})
