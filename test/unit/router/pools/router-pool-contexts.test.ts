// What the router configuration means for its pools (issue 15): each setting lands in the pool context field that
// reads it, the per-pool instance limits apply only to the pool they name, and the invoke sockets cover twice every
// pool's cap plus spares. Table tests over configurations built from the validated defaults.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_HEAD_LIMITS } from '../../../../src/protocol/index.js'
import { loadRouterConfig, type RouterConfig } from '../../../../src/router/config.js'
import { DEFAULT_INVOKE_GATE_POLICY } from '../../../../src/router/invoke/invoke-gate.js'
import { invokeSocketsNeeded, poolContextFor } from '../../../../src/router/pools/router-pool-contexts.js'
import { DEFAULT_SCALING_POLICY } from '../../../../src/router/scaling/policy.js'

const DEFAULTS = loadRouterConfig({ LAMBDA_DISPATCH_FunctionName: 'main-fn' })
const URL = 'http://10.0.0.5:5003/api/chunked'

function configWith(patch: Partial<RouterConfig>): RouterConfig {
  return Object.freeze({ ...DEFAULTS, ...patch })
}

test('a pool context carries every request, instance and invoke setting of the configuration', () => {
  const config = configWith({
    maxConcurrentCount: 7,
    channelCount: 15,
    queueLimit: 42,
    queueTimeoutMs: 1_111,
    responseHeadTimeoutMs: 2_222,
    bodyIdleTimeoutMs: 3_333,
    requestBodyTimeoutMs: 4_444,
    minRequestBodyDataRate: 555,
    minRequestBodyDataRateGraceMs: 6_666,
    instanceStartTimeoutMs: 7_777,
    maxResponseHeadBytes: 8_192,
    scalingAlgorithm: 'ewma',
    instanceCountMultiplier: 3,
    minInstances: 2,
    maxInstances: 9,
    maxInvokesPerMinute: 120,
    preWarmInvokes: true,
    exposeInternalHeaders: true,
    functionTimeoutMs: 60_000,
  })
  const context = poolContextFor(config, 'main-fn', 'main-fn', URL, undefined)
  assert.deepEqual(
    {
      poolId: context.poolId,
      functionName: context.functionName,
      dispatcherUrl: context.dispatcherUrl,
      maxConcurrentCount: context.maxConcurrentCount,
      channelCount: context.channelCount,
      queueLimit: context.queueLimit,
      queueTimeoutMs: context.queueTimeoutMs,
      responseHeadTimeoutMs: context.responseHeadTimeoutMs,
      bodyIdleTimeoutMs: context.bodyIdleTimeoutMs,
      requestBody: context.requestBody,
      instanceStartTimeoutMs: context.instanceStartTimeoutMs,
      upstreamHeadLimits: context.upstreamHeadLimits,
      preWarmInvokes: context.preWarmInvokes,
      exposeInternalHeaders: context.exposeInternalHeaders,
      functionTimeoutMs: context.functionTimeoutMs,
    },
    {
      poolId: 'main-fn',
      functionName: 'main-fn',
      dispatcherUrl: URL,
      maxConcurrentCount: 7,
      channelCount: 15,
      queueLimit: 42,
      queueTimeoutMs: 1_111,
      responseHeadTimeoutMs: 2_222,
      bodyIdleTimeoutMs: 3_333,
      requestBody: { timeoutMs: 4_444, minBytesPerSecond: 555, minRateGraceMs: 6_666 },
      instanceStartTimeoutMs: 7_777,
      upstreamHeadLimits: { maxHeadBytes: 8_192, maxHeaderCount: DEFAULT_HEAD_LIMITS.maxHeaderCount },
      preWarmInvokes: true,
      exposeInternalHeaders: true,
      functionTimeoutMs: 60_000,
    },
  )
  assert.deepEqual(context.scaling, {
    ...DEFAULT_SCALING_POLICY,
    algorithm: 'ewma',
    maxConcurrentCount: 7,
    instanceCountMultiplier: 3,
    minInstances: 2,
    maxInstances: 9,
  })
  assert.deepEqual(context.invokeGate, { ...DEFAULT_INVOKE_GATE_POLICY, maxInvokesPerMinute: 120 })
  assert.equal(Object.isFrozen(context), true)
  assert.equal('routerCertSha256' in context, false, 'no pin without a TLS control channel')
})

test('a TLS control channel certificate is pinned in every pool context', () => {
  const pin = 'ab'.repeat(32)
  assert.equal(poolContextFor(DEFAULTS, 'main-fn', 'main-fn', URL, pin).routerCertSha256, pin)
})

const limitCases: ReadonlyArray<{
  readonly name: string
  readonly patch: Partial<RouterConfig>
  readonly functionName: string
  readonly limits: { readonly minInstances: number; readonly maxInstances: number }
}> = [
  {
    name: 'a pool without its own PoolInstanceLimits entry gets MinInstances and MaxInstances',
    patch: { minInstances: 1, maxInstances: 4 },
    functionName: 'main-fn',
    limits: { minInstances: 1, maxInstances: 4 },
  },
  {
    name: 'the default pool named in PoolInstanceLimits gets its own limits',
    patch: {
      minInstances: 1,
      maxInstances: 4,
      poolInstanceLimits: [{ poolName: 'main-fn', minInstances: 3, maxInstances: 30 }],
    },
    functionName: 'main-fn',
    limits: { minInstances: 3, maxInstances: 30 },
  },
  {
    name: 'an allow-listed pool named in PoolInstanceLimits gets its own limits',
    patch: {
      allowedLambdaNames: ['reports'],
      poolInstanceLimits: [{ poolName: 'reports', minInstances: 0, maxInstances: 2 }],
    },
    functionName: 'reports',
    limits: { minInstances: 0, maxInstances: 2 },
  },
  {
    name: 'an entry for another pool leaves this pool on the global limits',
    patch: {
      minInstances: 0,
      maxInstances: 6,
      allowedLambdaNames: ['reports'],
      poolInstanceLimits: [{ poolName: 'reports', minInstances: 1, maxInstances: 2 }],
    },
    functionName: 'main-fn',
    limits: { minInstances: 0, maxInstances: 6 },
  },
]

for (const row of limitCases) {
  test(row.name, () => {
    const context = poolContextFor(configWith(row.patch), row.functionName, row.functionName, URL, undefined)
    assert.deepEqual(
      { minInstances: context.scaling.minInstances, maxInstances: context.scaling.maxInstances },
      row.limits,
    )
  })
}

const socketCases: ReadonlyArray<{
  readonly name: string
  readonly patch: Partial<RouterConfig>
  readonly sockets: number
}> = [
  { name: 'one pool of 20 instances needs 56 invoke sockets', patch: { maxInstances: 20 }, sockets: 20 * 2 + 16 },
  {
    name: 'every allow-listed pool adds twice its cap',
    patch: { maxInstances: 5, allowedLambdaNames: ['a', 'b'] },
    sockets: (5 + 5 + 5) * 2 + 16,
  },
  {
    name: 'per-pool caps count instead of MaxInstances for the pools they name',
    patch: {
      maxInstances: 5,
      allowedLambdaNames: ['a', 'b'],
      poolInstanceLimits: [
        { poolName: 'main-fn', minInstances: 0, maxInstances: 1 },
        { poolName: 'b', minInstances: 0, maxInstances: 100 },
      ],
    },
    sockets: (1 + 5 + 100) * 2 + 16,
  },
]

for (const row of socketCases) {
  test(row.name, () => assert.equal(invokeSocketsNeeded(configWith(row.patch)), row.sockets))
}
