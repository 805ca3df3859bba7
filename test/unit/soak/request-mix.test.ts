// The soak's request chooser: weighted kinds, sizes within bounds, planned aborts inside the body, expected answers,
// and the same sequence for the same seed (tools/soak/request-mix.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRandom, type Random } from '../../../tools/soak/random.js'
import {
  CHURN_MIX,
  CHURN_SIZES,
  chooseRequest,
  MIXED_MIX,
  MIXED_SIZES,
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

const weights = { ...MIXED_MIX.weights }
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
  assert.equal(plan.uploadBytes, MIXED_SIZES.abortUploadMin)
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
    if (plan.kind === 'echo') assert.ok(plan.uploadBytes <= MIXED_SIZES.echoMax)
    if (plan.kind === 'large-echo') {
      assert.ok(plan.uploadBytes >= MIXED_SIZES.largeMin && plan.uploadBytes <= MIXED_SIZES.largeMax)
    }
    if (plan.abort?.side === 'upload') assert.ok(plan.abort.afterBytes >= 1 && plan.abort.afterBytes < plan.uploadBytes)
    if (plan.abort?.side === 'download') {
      assert.ok(plan.expectedBody.kind === 'pattern')
      assert.ok(plan.abort.afterBytes >= 1 && plan.abort.afterBytes < plan.expectedBody.length)
    }
  }
  for (const kind of REQUEST_KINDS) {
    const share = (counts[kind] / total) * 100
    assert.ok(Math.abs(share - MIXED_MIX.weights[kind]) < 1.5, `${kind}: ${share.toFixed(2)} %`)
  }
  assert.ok(Math.abs(h2c / total - 0.5) < 0.02)
})

test('the same seed replays the same sequence of plans', () => {
  const first = createRandom(7)
  const second = createRandom(7)
  for (let index = 0; index < 1000; index++) assert.deepEqual(chooseRequest(first), chooseRequest(second))
})

test('withLargeShare rescales the 1–4 MiB kinds to the given percent and keeps the rest in proportion', () => {
  const mix = withLargeShare(MIXED_MIX, 1)
  const total = REQUEST_KINDS.reduce((sum, kind) => sum + mix.weights[kind], 0)
  assert.ok(Math.abs(total - 100) < 1e-9)
  assert.ok(Math.abs(mix.weights['large-echo'] + mix.weights['large-bytes'] - 1) < 1e-9)
  assert.ok(Math.abs(mix.weights.ping / mix.weights.echo - 35 / 25) < 1e-9)
  assert.equal(withLargeShare(MIXED_MIX, 0).weights['large-echo'], 0)
  assert.throws(() => withLargeShare(MIXED_MIX, 100), /below 100/)
})

// issue 17: the churn profile's mix, as the soak draws it (--large-percent 0).
const churn = withLargeShare(CHURN_MIX, 0)

test('the churn mix draws no 1–4 MiB kind and no body above 16 KiB in 20,000 seeded plans', () => {
  const random = createRandom(17)
  const counts = Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, 0])) as Record<RequestKind, number>
  let h2c = 0
  const total = 20_000
  for (let index = 0; index < total; index++) {
    const plan = chooseRequest(random, churn)
    counts[plan.kind]++
    if (plan.protocol === 'h2c') h2c++
    assert.ok(plan.uploadBytes <= 16 * 1024, `${plan.kind} uploads ${plan.uploadBytes} bytes`)
    assert.ok(plan.payloadOffset >= 0 && plan.payloadOffset + plan.uploadBytes <= PAYLOAD_BLOCK_BYTES)
    if (plan.expectedBody.kind === 'pattern') assert.ok(plan.expectedBody.length <= 16 * 1024)
    if (plan.expectedBody.kind === 'text') assert.ok(Buffer.byteLength(plan.expectedBody.text) <= 16 * 1024)
  }
  assert.equal(counts['large-echo'] + counts['large-bytes'], 0)
  for (const kind of REQUEST_KINDS) {
    const share = (counts[kind] / total) * 100
    assert.ok(Math.abs(share - churn.weights[kind]) < 1.5, `${kind}: ${share.toFixed(2)} %`)
  }
  assert.ok(Math.abs(h2c / total - 0.5) < 0.02)
})

test('the churn mix keeps SSE and aborts on both sides of the response head, over both protocols', () => {
  const random = createRandom(18)
  const seen = new Set<string>()
  for (let index = 0; index < 5000; index++) {
    const plan = chooseRequest(random, churn)
    if (plan.kind === 'sse') seen.add(`sse ${plan.protocol}`)
    // An upload cut before it is complete: the app has not answered it yet.
    if (plan.abort?.side === 'upload') {
      assert.ok(plan.abort.afterBytes >= 1 && plan.abort.afterBytes < plan.uploadBytes)
      seen.add(`before the head ${plan.protocol}`)
    }
    // A download cut after body bytes arrived, so after the head, and before the body's end.
    if (plan.abort?.side === 'download') {
      const length =
        plan.expectedBody.kind === 'pattern'
          ? plan.expectedBody.length
          : plan.expectedBody.kind === 'text'
            ? Buffer.byteLength(plan.expectedBody.text)
            : 0
      assert.ok(plan.abort.afterBytes >= 1 && plan.abort.afterBytes < length, `${plan.kind} ${plan.abort.afterBytes}`)
      seen.add(`after the head ${plan.protocol}`)
    }
  }
  assert.deepEqual([...seen].sort(), [
    'after the head h1',
    'after the head h2c',
    'before the head h1',
    'before the head h2c',
    'sse h1',
    'sse h2c',
  ])
})

test('an abort-sse plan cuts the stream within its first event and expects the events as a prefix', () => {
  // kind (the top of the mix), protocol, abort point (highest)
  const plan = chooseRequest(scripted([0.999, 0.1, 0.999]), churn)
  assert.equal(plan.kind, 'abort-sse')
  assert.equal(plan.protocol, 'h2c')
  assert.equal(plan.target, '/sse?n=3&interval=5')
  assert.deepEqual(plan.expectedBody, { kind: 'text', text: sseBody(3) })
  assert.deepEqual(plan.abort, { side: 'download', afterBytes: sseBody(1).length })
})

test('a churn abort-upload stays within 1–16 KiB', () => {
  // kind (abort-upload band: 85–90 %), protocol, size (lowest), abort point, payload offset, declared length
  const plan = chooseRequest(scripted([0.86, 0.9, 0, 0.5, 0.5, 0.9]), churn)
  assert.equal(plan.kind, 'abort-upload')
  assert.equal(plan.uploadBytes, CHURN_SIZES.abortUploadMin)
  assert.equal(plan.declaresLength, false)
})

test('the mixed mix never draws abort-sse, so its seeded sequences are what they were', () => {
  assert.equal(MIXED_MIX.weights['abort-sse'], 0)
  assert.equal(pickKind(withLargeShare(MIXED_MIX, 3).weights, 0.999999), 'abort-download')
})

test('--large-percent brings the 1–4 MiB kinds back into the churn mix', () => {
  const mix = withLargeShare(CHURN_MIX, 2)
  assert.ok(Math.abs(mix.weights['large-echo'] + mix.weights['large-bytes'] - 2) < 1e-9)
  const plan = chooseRequest(scripted([0.69, 0.1, 0, 0.5, 0.5]), mix)
  assert.equal(plan.kind, 'large-echo')
  assert.equal(plan.uploadBytes, CHURN_SIZES.largeMin)
})
