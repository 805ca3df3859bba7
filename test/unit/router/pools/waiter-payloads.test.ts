// The WaiterRequest payloads a pool sends (issue 15): built from the pool's context and the clock passed in, so the
// same input always gives the same payload; the pre-warm buddy opens no channel and carries its own token.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { WaiterRequest } from '../../../../src/protocol/index.js'
import { createPoolContext } from '../../../../src/router/pools/pool-context.js'
import { instanceWaiterRequest, preWarmWaiterRequest } from '../../../../src/router/pools/waiter-payloads.js'

const context = createPoolContext({
  poolId: 'pool-a',
  functionName: 'fn',
  dispatcherUrl: 'https://10.0.0.1:5004/api/chunked',
  maxConcurrentCount: 2,
  functionTimeoutMs: 60_000,
})
const NOW_MS = Date.UTC(2026, 0, 2, 3, 4, 5, 6)

const base: WaiterRequest = {
  poolId: 'pool-a',
  id: 'lambda-1',
  dispatcherUrl: 'https://10.0.0.1:5004/api/chunked',
  numberOfChannels: 4,
  sentTime: '2026-01-02T03:04:05.006Z',
  initOnly: false,
  channelToken: 'token-1',
}

const cases: { name: string; kept: boolean; certSha256?: string; expected: WaiterRequest }[] = [
  { name: 'an instance started for load keeps the extension idle grace', kept: false, expected: base },
  {
    name: 'a kept instance stays idle up to its deadline',
    kept: true,
    expected: { ...base, idleGraceMs: 60_000 },
  },
  {
    name: 'a pinned control certificate travels with the payload',
    kept: false,
    certSha256: 'ab'.repeat(32),
    expected: { ...base, routerCertSha256: 'ab'.repeat(32) },
  },
]

for (const row of cases) {
  test(`instanceWaiterRequest: ${row.name}, stamped with the clock passed in`, () => {
    const pool = row.certSha256 === undefined ? context : { ...context, routerCertSha256: row.certSha256 }
    const payload = instanceWaiterRequest(pool, {
      lambdaId: 'lambda-1',
      channelToken: 'token-1',
      kept: row.kept,
      nowMs: NOW_MS,
    })
    assert.deepEqual(payload, row.expected)
  })
}

test('the pre-warm buddy opens no channel, is init-only, and carries its own token', () => {
  assert.deepEqual(preWarmWaiterRequest(base, 'token-2'), {
    ...base,
    id: 'lambda-1-initonly',
    numberOfChannels: 0,
    initOnly: true,
    channelToken: 'token-2',
  })
})
