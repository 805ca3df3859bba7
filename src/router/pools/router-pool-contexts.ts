// Pure. What the router configuration means for its pools: each pool's frozen context, and the invoke sockets all of
// them need together. No I/O.
import { DEFAULT_HEAD_LIMITS } from '../../protocol/index.js'
import type { RouterConfig } from '../config.js'
import { DEFAULT_INVOKE_GATE_POLICY } from '../invoke/invoke-gate.js'
import { instanceLimitsFor } from '../pool-instance-limits.js'
import { DEFAULT_SCALING_POLICY } from '../scaling/policy.js'
import { createPoolContext, type PoolContext } from './pool-context.js'

// Sockets beyond the instance caps, for instances still returning while their replacements run.
const INVOKE_SPARE_SOCKETS = 16

/**
 * The frozen per-pool settings derived from the router configuration; every pool gets the same ones, except the
 * instance limits that PoolInstanceLimits sets for the pool named `functionName`.
 */
export function poolContextFor(
  config: RouterConfig,
  poolId: string,
  functionName: string,
  dispatcherUrl: string,
  routerCertSha256: string | undefined,
): PoolContext {
  return createPoolContext({
    poolId,
    functionName,
    dispatcherUrl,
    maxConcurrentCount: config.maxConcurrentCount,
    channelCount: config.channelCount,
    queueLimit: config.queueLimit,
    queueTimeoutMs: config.queueTimeoutMs,
    responseHeadTimeoutMs: config.responseHeadTimeoutMs,
    bodyIdleTimeoutMs: config.bodyIdleTimeoutMs,
    maxWebSocketsPerInstance: config.maxWebSocketsPerInstance,
    webSocketIdleTimeoutMs: config.webSocketIdleTimeoutMs,
    webSocketCloseTimeoutMs: config.webSocketCloseTimeoutMs,
    requestBody: {
      timeoutMs: config.requestBodyTimeoutMs,
      minBytesPerSecond: config.minRequestBodyDataRate,
      minRateGraceMs: config.minRequestBodyDataRateGraceMs,
    },
    instanceStartTimeoutMs: config.instanceStartTimeoutMs,
    upstreamHeadLimits: {
      maxHeadBytes: config.maxResponseHeadBytes,
      maxHeaderCount: DEFAULT_HEAD_LIMITS.maxHeaderCount,
    },
    scaling: {
      ...DEFAULT_SCALING_POLICY,
      algorithm: config.scalingAlgorithm,
      maxConcurrentCount: config.maxConcurrentCount,
      instanceCountMultiplier: config.instanceCountMultiplier,
      ...instanceLimitsFor(functionName, config.poolInstanceLimits, config),
    },
    invokeGate: { ...DEFAULT_INVOKE_GATE_POLICY, maxInvokesPerMinute: config.maxInvokesPerMinute },
    ...(routerCertSha256 === undefined ? {} : { routerCertSha256 }),
    preWarmInvokes: config.preWarmInvokes,
    exposeInternalHeaders: config.exposeInternalHeaders,
    functionTimeoutMs: config.functionTimeoutMs,
  })
}

/**
 * Sockets the AWS invoker needs: each running instance holds one Invoke open, and instances still returning overlap
 * their replacements (DESIGN.md §6), so twice every pool's cap, plus spares.
 */
export function invokeSocketsNeeded(config: RouterConfig): number {
  let maxInstances = 0
  for (const name of [config.functionName, ...config.allowedLambdaNames]) {
    maxInstances += instanceLimitsFor(name, config.poolInstanceLimits, config).maxInstances
  }
  return maxInstances * 2 + INVOKE_SPARE_SOCKETS
}
