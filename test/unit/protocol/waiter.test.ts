// The invoke payload and result: key order on the wire, validation naming the bad field, additive fields.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  decodeWaiterRequest,
  decodeWaiterResponse,
  encodeWaiterRequest,
  InvalidWaiterError,
  type WaiterRequest,
} from '../../../src/protocol/index.js'

const REQUEST: WaiterRequest = {
  poolId: 'default',
  id: 'f3a1c2d4-0000-4000-8000-000000000001',
  dispatcherUrl: 'http://127.0.0.1:5003/api/chunked',
  numberOfChannels: 20,
  sentTime: '2026-11-26T14:00:00.123Z',
  initOnly: false,
}

test('the invoke payload uses the original key names in the original order', () => {
  assert.equal(
    encodeWaiterRequest(REQUEST),
    '{"PoolId":"default","Id":"f3a1c2d4-0000-4000-8000-000000000001","DispatcherUrl":"http://127.0.0.1:5003/api/chunked","NumberOfChannels":20,"SentTime":"2026-11-26T14:00:00.123Z","InitOnly":false}',
  )
})

test('additive fields come after the original keys and round-trip', () => {
  const fingerprint = 'AB:'.repeat(31) + 'CD'
  const json = encodeWaiterRequest({ ...REQUEST, routerCertSha256: fingerprint })
  assert.ok(json.endsWith(`"InitOnly":false,"RouterCertSha256":"${fingerprint}"}`))
  assert.equal(decodeWaiterRequest(json).routerCertSha256, fingerprint)
})

test('IdleGraceMs is an additive field after the original keys and round-trips', () => {
  const json = encodeWaiterRequest({ ...REQUEST, idleGraceMs: 60_000 })
  assert.ok(json.endsWith('"InitOnly":false,"IdleGraceMs":60000}'))
  assert.equal(decodeWaiterRequest(json).idleGraceMs, 60_000)
  assert.equal(decodeWaiterRequest(encodeWaiterRequest(REQUEST)).idleGraceMs, undefined)
})

test('the channel token follows the original keys and round-trips; without one the payload is unchanged', () => {
  const channelToken = 'q'.repeat(43)
  const json = encodeWaiterRequest({ ...REQUEST, channelToken })
  assert.ok(json.endsWith(`"InitOnly":false,"ChannelToken":"${channelToken}"}`))
  assert.equal(decodeWaiterRequest(json).channelToken, channelToken)
  assert.equal(encodeWaiterRequest(REQUEST).includes('ChannelToken'), false)
  assert.equal(decodeWaiterRequest({ ...JSON.parse(json), ChannelToken: null }).channelToken, undefined)
})

test('a missing or null PoolId means the default pool and a missing InitOnly means false', () => {
  const { PoolId: _pool, InitOnly: _init, ...rest } = JSON.parse(encodeWaiterRequest(REQUEST))
  assert.deepEqual(decodeWaiterRequest(rest), REQUEST)
  assert.equal(decodeWaiterRequest({ ...rest, PoolId: null }).poolId, 'default')
})

test('unknown keys are ignored', () => {
  assert.deepEqual(decodeWaiterRequest({ ...JSON.parse(encodeWaiterRequest(REQUEST)), Future: [1, 2] }), REQUEST)
})

const INVALID: ReadonlyArray<{ name: string; change: Record<string, unknown>; field: string }> = [
  { name: 'a missing Id', change: { Id: undefined }, field: 'Id' },
  { name: 'an Id with a slash', change: { Id: 'a/b' }, field: 'Id' },
  { name: 'an empty Id', change: { Id: '' }, field: 'Id' },
  { name: 'a PoolId with a space', change: { PoolId: 'a b' }, field: 'PoolId' },
  {
    name: 'a DispatcherUrl with another scheme',
    change: { DispatcherUrl: 'ftp://x/api/chunked' },
    field: 'DispatcherUrl',
  },
  { name: 'a DispatcherUrl that is not a URL', change: { DispatcherUrl: 'not a url' }, field: 'DispatcherUrl' },
  { name: 'NumberOfChannels above 255', change: { NumberOfChannels: 256 }, field: 'NumberOfChannels' },
  { name: 'a negative NumberOfChannels', change: { NumberOfChannels: -1 }, field: 'NumberOfChannels' },
  { name: 'a fractional NumberOfChannels', change: { NumberOfChannels: 1.5 }, field: 'NumberOfChannels' },
  { name: 'a SentTime that is not RFC 3339', change: { SentTime: 'yesterday' }, field: 'SentTime' },
  { name: 'a SentTime with an impossible date', change: { SentTime: '2025-13-45T00:00:00Z' }, field: 'SentTime' },
  { name: 'a string InitOnly', change: { InitOnly: 'true' }, field: 'InitOnly' },
  { name: 'a short fingerprint', change: { RouterCertSha256: 'abcd' }, field: 'RouterCertSha256' },
  { name: 'a string IdleGraceMs', change: { IdleGraceMs: '250' }, field: 'IdleGraceMs' },
  { name: 'a negative IdleGraceMs', change: { IdleGraceMs: -1 }, field: 'IdleGraceMs' },
  { name: 'an IdleGraceMs beyond 15 minutes', change: { IdleGraceMs: 900_001 }, field: 'IdleGraceMs' },
  { name: 'a short channel token', change: { ChannelToken: 'abc' }, field: 'ChannelToken' },
  {
    name: 'a channel token with a line break',
    change: { ChannelToken: `${'a'.repeat(20)}\r\nX: y` },
    field: 'ChannelToken',
  },
  { name: 'a numeric channel token', change: { ChannelToken: 1234567890123456 }, field: 'ChannelToken' },
]

for (const row of INVALID) {
  test(`${row.name} is refused naming ${row.field}`, () => {
    const wire = { ...JSON.parse(encodeWaiterRequest(REQUEST)), ...row.change }
    assert.throws(
      () => decodeWaiterRequest(wire),
      (error: unknown) => error instanceof InvalidWaiterError && error.field === row.field,
    )
  })
}

test('payloads that are not JSON objects are refused naming the payload', () => {
  for (const payload of ['{', '[]', '42', 'null']) {
    assert.throws(
      () => decodeWaiterRequest(payload),
      (error: unknown) => error instanceof InvalidWaiterError && error.field === 'payload',
    )
  }
})

test('the legacy result with only PoolId and Id decodes with the other fields unset', () => {
  assert.deepEqual(decodeWaiterResponse('{"PoolId":"default","Id":"x"}'), { poolId: 'default', id: 'x' })
})

const RESULT = { PoolId: 'default', Id: 'x', RequestCount: 3, InvokeDuration: 1200, ExitReason: 'RouterGoAway' }

test('a full result decodes to the camelCase fields', () => {
  assert.deepEqual(decodeWaiterResponse(JSON.stringify(RESULT)), {
    poolId: 'default',
    id: 'x',
    requestCount: 3,
    invokeDurationMs: 1200,
    exitReason: 'RouterGoAway',
  })
})

const INVALID_RESULTS: ReadonlyArray<{ name: string; change: Record<string, unknown>; field: string }> = [
  { name: 'a missing Id', change: { Id: undefined }, field: 'Id' },
  { name: 'a numeric Id', change: { Id: 7 }, field: 'Id' },
  { name: 'a string RequestCount', change: { RequestCount: '3' }, field: 'RequestCount' },
  { name: 'a negative RequestCount', change: { RequestCount: -1 }, field: 'RequestCount' },
  { name: 'a fractional InvokeDuration', change: { InvokeDuration: 1.5 }, field: 'InvokeDuration' },
  { name: 'a null InvokeDuration', change: { InvokeDuration: null }, field: 'InvokeDuration' },
  { name: 'an unknown ExitReason', change: { ExitReason: 'Bored' }, field: 'ExitReason' },
]

for (const row of INVALID_RESULTS) {
  test(`a result with ${row.name} is refused naming ${row.field}`, () => {
    // JSON.stringify drops the undefined values, so a row can remove a key.
    const wire = JSON.stringify({ ...RESULT, ...row.change })
    assert.throws(
      () => decodeWaiterResponse(wire),
      (error: unknown) => error instanceof InvalidWaiterError && error.field === row.field,
    )
  })
}
