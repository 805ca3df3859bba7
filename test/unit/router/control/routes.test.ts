// Table tests of the control channel's pure route table and pool-id rule (original-protocol.md §3.4).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  type ControlRoute,
  headerValues,
  parseControlPath,
  resolveControlPoolId,
} from '../../../../src/router/control/routes.js'

const paths: ReadonlyArray<{ path: string; route: ControlRoute | undefined }> = [
  { path: '/api/chunked/request/L1/C1', route: { kind: 'request', lambdaId: 'L1', channelId: 'C1' } },
  {
    path: '/api/chunked/request/poolId/P/lambdaId/L1/channelId/C1',
    route: { kind: 'request', poolId: 'P', lambdaId: 'L1', channelId: 'C1' },
  },
  { path: '/api/chunked/ping/L1', route: { kind: 'ping', lambdaId: 'L1' } },
  { path: '/api/chunked/ping/poolId/P/lambdaId/L1', route: { kind: 'ping', poolId: 'P', lambdaId: 'L1' } },
  { path: '/api/chunked/close/L1', route: { kind: 'close', lambdaId: 'L1' } },
  { path: '/api/chunked/close/poolId/P/lambdaId/L1', route: { kind: 'close', poolId: 'P', lambdaId: 'L1' } },
  { path: '/API/Chunked/Request/L1/C1', route: { kind: 'request', lambdaId: 'L1', channelId: 'C1' } },
  { path: '/api/chunked/ping/L1?x=1', route: { kind: 'ping', lambdaId: 'L1' } },
  { path: '/api/chunked/ping/L1/', route: { kind: 'ping', lambdaId: 'L1' } },
  { path: '/api/chunked/request/a%2Db/c', route: { kind: 'request', lambdaId: 'a-b', channelId: 'c' } },
  {
    path: '/api/chunked/request/poolId/lambdaId',
    route: { kind: 'request', lambdaId: 'poolId', channelId: 'lambdaId' },
  },
  { path: '/api/chunked/request/L1', route: undefined },
  { path: '/api/chunked/request/L1/C1/extra', route: undefined },
  { path: '/api/chunked/request//C1', route: undefined },
  { path: '/api/chunked/request/a%2Fb/c', route: undefined },
  { path: '/api/chunked/request/%E0%A4%A/c', route: undefined },
  { path: '/api/chunked/request/pool/P/lambda/L/channel/C', route: undefined },
  { path: '/api/chunked/ping', route: undefined },
  { path: '/api/chunked/ping/poolId/P/lambdaId', route: undefined },
  { path: '/api/chunked/reset', route: undefined },
  { path: '/api/chunked', route: undefined },
  { path: '/api/chunked/', route: undefined },
  { path: '/api/chunkedx/ping/L1', route: undefined },
  { path: '/health', route: undefined },
  { path: '', route: undefined },
]

for (const row of paths) {
  test(`parseControlPath(${JSON.stringify(row.path)}) is ${JSON.stringify(row.route)}`, () => {
    assert.deepEqual(parseControlPath(row.path), row.route)
  })
}

const pools: ReadonlyArray<{ name: string; route: ControlRoute; raw: string[]; poolId: string }> = [
  { name: 'one header value', route: { kind: 'ping', lambdaId: 'L' }, raw: ['x-pool-id', 'P'], poolId: 'P' },
  { name: 'no header', route: { kind: 'ping', lambdaId: 'L' }, raw: [], poolId: 'default' },
  { name: 'a blank value', route: { kind: 'ping', lambdaId: 'L' }, raw: ['x-pool-id', '  '], poolId: 'default' },
  {
    name: 'two values',
    route: { kind: 'ping', lambdaId: 'L' },
    raw: ['x-pool-id', 'P', 'x-pool-id', 'Q'],
    poolId: 'default',
  },
  {
    name: 'the path variant over the header',
    route: { kind: 'ping', poolId: 'Path', lambdaId: 'L' },
    raw: ['x-pool-id', 'P'],
    poolId: 'Path',
  },
  { name: 'a mixed-case header name', route: { kind: 'ping', lambdaId: 'L' }, raw: ['X-Pool-Id', 'P'], poolId: 'P' },
]

for (const row of pools) {
  test(`the pool id comes from ${row.name}`, () => {
    assert.equal(resolveControlPoolId(row.route, row.raw, 'x-pool-id'), row.poolId)
  })
}

const headerLists: ReadonlyArray<{ name: string; raw: string[]; values: string[] }> = [
  { name: 'no such header', raw: ['x-pool-id', 'P', 'content-type', 'text/plain'], values: [] },
  { name: 'one value', raw: ['x-pool-id', 'P', 'x-lambda-id', 'L1'], values: ['L1'] },
  { name: 'a name in another case', raw: ['X-Lambda-Id', 'L1'], values: ['L1'] },
  {
    name: 'two values, in order',
    raw: ['x-lambda-id', 'L1', 'x-pool-id', 'P', 'x-lambda-id', 'L2'],
    values: ['L1', 'L2'],
  },
  { name: 'three values', raw: ['x-lambda-id', 'a', 'x-lambda-id', 'b', 'x-lambda-id', 'c'], values: ['a', 'b', 'c'] },
  { name: 'an empty value', raw: ['x-lambda-id', ''], values: [''] },
  { name: 'a longer name with the same start', raw: ['x-lambda-ids', 'L1'], values: [] },
]

for (const row of headerLists) {
  test(`headerValues: ${row.name} → ${JSON.stringify(row.values)}`, () => {
    assert.deepEqual(headerValues(row.raw, 'x-lambda-id'), row.values)
  })
}

test('a control path reads the same with a query string appended (the channel POST fast path agrees with the general parse)', () => {
  const segment = fc.oneof(
    fc.constantFrom(
      'request',
      'Request',
      'ping',
      'close',
      'poolId',
      'lambdaId',
      'channelId',
      '',
      'L1',
      'C-2',
      'a%2Fb',
      '%41',
      '%',
    ),
    fc.stringMatching(/^[A-Za-z0-9._~%-]{0,6}$/),
  )
  const path = fc
    .tuple(
      fc.constantFrom('/api/chunked/', '/API/Chunked/', '/api/chunked', '/api/other/'),
      fc.array(segment, { maxLength: 8 }),
    )
    .map(([prefix, segments]) => prefix + segments.join('/'))
  fc.assert(
    fc.property(path, fc.boolean(), (p, trailingSlash) => {
      const candidate = trailingSlash ? `${p}/` : p
      assert.deepEqual(parseControlPath(candidate), parseControlPath(`${candidate}?q=1`))
    }),
    { numRuns: 2000 },
  )
})
