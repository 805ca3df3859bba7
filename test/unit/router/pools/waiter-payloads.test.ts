// The WaiterRequest payloads a pool sends (original-protocol.md §2.1, issue 15): one per instance start, with the
// idle grace only for kept instances and the certificate pin only when there is one, and the init-only pre-warm
// buddy, which opens no channel and never carries the main instance's secret. Each payload survives the wire codec.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeWaiterRequest, encodeWaiterRequest, type WaiterRequest } from '../../../../src/protocol/index.js'
import { createPoolContext } from '../../../../src/router/pools/pool-context.js'
import { instanceWaiterRequest, preWarmWaiterRequest } from '../../../../src/router/pools/waiter-payloads.js'

const MAIN_TOKEN = 'M'.repeat(43)
const BUDDY_TOKEN = 'B'.repeat(43)
const PIN = 'AB'.repeat(32)

const base = createPoolContext({
  poolId: 'pool-a',
  functionName: 'my-fn',
  dispatcherUrl: 'http://10.0.0.5:5003/api/chunked',
  maxConcurrentCount: 4,
  channelCount: 9,
  functionTimeoutMs: 300_000,
})

/** Everything but the send time, which is the wall clock's. */
function withoutSentTime(request: WaiterRequest): Omit<WaiterRequest, 'sentTime'> {
  const { sentTime: _sentTime, ...rest } = request
  return rest
}

const cases: ReadonlyArray<{
  readonly name: string
  readonly routerCertSha256?: string
  readonly kept: boolean
  readonly expected: Omit<WaiterRequest, 'sentTime'>
}> = [
  {
    name: 'an instance started for demand asks for the pool channel count and keeps its own idle grace',
    kept: false,
    expected: {
      poolId: 'pool-a',
      id: 'lambda-1',
      dispatcherUrl: 'http://10.0.0.5:5003/api/chunked',
      numberOfChannels: 9,
      initOnly: false,
      channelToken: MAIN_TOKEN,
    },
  },
  {
    name: 'an instance kept for MinInstances is told to stay idle up to its function timeout',
    kept: true,
    expected: {
      poolId: 'pool-a',
      id: 'lambda-1',
      dispatcherUrl: 'http://10.0.0.5:5003/api/chunked',
      numberOfChannels: 9,
      initOnly: false,
      idleGraceMs: 300_000,
      channelToken: MAIN_TOKEN,
    },
  },
  {
    name: 'a router with a TLS control channel pins its certificate in the payload',
    routerCertSha256: PIN,
    kept: false,
    expected: {
      poolId: 'pool-a',
      id: 'lambda-1',
      dispatcherUrl: 'http://10.0.0.5:5003/api/chunked',
      numberOfChannels: 9,
      initOnly: false,
      routerCertSha256: PIN,
      channelToken: MAIN_TOKEN,
    },
  },
]

for (const row of cases) {
  test(row.name, () => {
    const context =
      row.routerCertSha256 === undefined ? base : createPoolContext({ ...base, routerCertSha256: row.routerCertSha256 })
    const request = instanceWaiterRequest(context, 'lambda-1', MAIN_TOKEN, row.kept)
    assert.deepEqual(withoutSentTime(request), row.expected)
    assert.deepEqual(decodeWaiterRequest(encodeWaiterRequest(request)), request, 'the payload survives the codec')
  })
}

test('the pre-warm buddy is init-only, opens no channel, has its own id and its own secret', () => {
  const main = instanceWaiterRequest(
    createPoolContext({ ...base, routerCertSha256: PIN }),
    'lambda-1',
    MAIN_TOKEN,
    true,
  )
  const buddy = preWarmWaiterRequest(main, BUDDY_TOKEN)
  assert.deepEqual(buddy, {
    ...main,
    id: 'lambda-1-initonly',
    numberOfChannels: 0,
    initOnly: true,
    channelToken: BUDDY_TOKEN,
  })
  assert.equal(main.channelToken, MAIN_TOKEN, 'the main payload is left as it was')
  assert.deepEqual(decodeWaiterRequest(encodeWaiterRequest(buddy)), buddy, 'the buddy survives the codec')
})
