// Pure. One pool's resolved, frozen settings (fastify context.js): built once when the pool is created, read
// everywhere after. Defaults for what the composition root leaves out; programmer errors throw here.
import { DEFAULT_HEAD_LIMITS, type HeadLimits, MAX_NUMBER_OF_CHANNELS } from '../../protocol/index.js'
import { DEFAULT_WEBSOCKET_CLOSE_TIMEOUT_MS } from '../dispatch/exchange-channel.js'
import type { RequestBodyLimits } from '../dispatch/upload-rate.js'
import type { WebSocketLimits } from '../instances/instance.js'
import { DEFAULT_INVOKE_GATE_POLICY, type InvokeGatePolicy } from '../invoke/invoke-gate.js'
import { DEFAULT_SCALING_POLICY, type ScalingPolicy } from '../scaling/policy.js'
import { targetRequestsPerInstance } from '../scaling/simple.js'

export interface PoolContext {
  readonly poolId: string
  /** Name, name:qualifier or ARN, passed to Invoke unchanged. */
  readonly functionName: string
  /** Requests one instance serves at once (`MaxConcurrentCount`); equals `scaling.maxConcurrentCount`. */
  readonly maxConcurrentCount: number
  /** Channels each instance opens (`NumberOfChannels`, 1–255); those beyond maxConcurrentCount are hidden spares. */
  readonly channelCount: number
  /** Most requests waiting for a channel; beyond it: 503 + Retry-After. */
  readonly queueLimit: number
  /** Longest wait for a channel, from front-door acceptance. */
  readonly queueTimeoutMs: number
  /** Longest wait for the response head once the request is fully written. */
  readonly responseHeadTimeoutMs: number
  /** Longest time no body byte moves either way. */
  readonly bodyIdleTimeoutMs: number
  /** WebSockets one instance carries at once, apart from `maxConcurrentCount` (issue 18). */
  readonly maxWebSocketsPerInstance: number
  /** A WebSocket with no byte either way for this long closes with 1001; 0: off. */
  readonly webSocketIdleTimeoutMs: number
  /** After the router ends a WebSocket's client side, the client's time to end its own; then it is cut off. */
  readonly webSocketCloseTimeoutMs: number
  /**
   * Derived: `maxWebSocketsPerInstance`, and what one open WebSocket weighs for the scaler, in requests. A full
   * instance of sockets weighs one instance's scaling target, so it wants one instance, not more.
   */
  readonly webSocketLimits: WebSocketLimits
  /** Total deadline and minimum rate for a client's request body, once a channel reads it. */
  readonly requestBody: RequestBodyLimits
  /** Longest time an invoked instance may take to open its first channel. */
  readonly instanceStartTimeoutMs: number
  /** Limits on the response heads the extension sends back. */
  readonly upstreamHeadLimits: HeadLimits
  readonly scaling: ScalingPolicy
  readonly invokeGate: InvokeGatePolicy
  /** `{scheme}://{host}:{port}/api/chunked`, sent in every WaiterRequest. */
  readonly dispatcherUrl: string
  /** Fingerprint of the control channel's TLS certificate, for the extension to pin (additive WaiterRequest field). */
  readonly routerCertSha256?: string
  /** The original's init-only buddy invoke per start (warms a spare environment); off by default: it doubles invokes. */
  readonly preWarmInvokes: boolean
  /** Let X-Lambda-Id / X-Channel-Id reach clients (debugging only). */
  readonly exposeInternalHeaders: boolean
  /** Default bound of `pool.close()` for queued and in-flight work, and again for invokes to return. */
  readonly closeGraceMs: number
  /**
   * The function's timeout. Instances kept for MinInstances get it as their idle grace (IdleGraceMs): they stay in
   * their invoke until their deadline. A kept instance that lived half of it is replaced without a burst token.
   */
  readonly functionTimeoutMs: number
}

/** What a pool must be told; everything else has a default. */
export type PoolContextInput = Pick<PoolContext, 'poolId' | 'functionName' | 'dispatcherUrl'> &
  Partial<Omit<PoolContext, 'poolId' | 'functionName' | 'dispatcherUrl'>>

/**
 * Defaults where the composition root gives none. Queue 1000 × 30 s; head and idle 120 s (the original's one 2 min
 * timeout, now split); start 30 s (Lambda's 10 s init limit plus a cold start and margin); close 10 s.
 */
export const POOL_CONTEXT_DEFAULTS = Object.freeze({
  maxConcurrentCount: DEFAULT_SCALING_POLICY.maxConcurrentCount,
  queueLimit: 1000,
  queueTimeoutMs: 30_000,
  responseHeadTimeoutMs: 120_000,
  bodyIdleTimeoutMs: 120_000,
  maxWebSocketsPerInstance: 100,
  webSocketIdleTimeoutMs: 600_000,
  webSocketCloseTimeoutMs: DEFAULT_WEBSOCKET_CLOSE_TIMEOUT_MS,
  requestBody: Object.freeze({ timeoutMs: 600_000, minBytesPerSecond: 240, minRateGraceMs: 5_000 }),
  instanceStartTimeoutMs: 30_000,
  upstreamHeadLimits: DEFAULT_HEAD_LIMITS,
  scaling: DEFAULT_SCALING_POLICY,
  invokeGate: DEFAULT_INVOKE_GATE_POLICY,
  preWarmInvokes: false,
  exposeInternalHeaders: false,
  closeGraceMs: 10_000,
  functionTimeoutMs: 15 * 60_000,
})

/** The original's default channel count: twice the concurrency, at most 100 (original-protocol.md §12). */
export function defaultChannelCount(maxConcurrentCount: number): number {
  return Math.min(2 * maxConcurrentCount, 100)
}

function webSocketLimitsOf(scaling: ScalingPolicy, maxPerInstance: number | undefined): WebSocketLimits {
  const max = maxPerInstance ?? POOL_CONTEXT_DEFAULTS.maxWebSocketsPerInstance
  return Object.freeze({ maxPerInstance: max, weight: targetRequestsPerInstance(scaling) / Math.max(1, max) })
}

/** Fills defaults, keeps `scaling.maxConcurrentCount` equal to `maxConcurrentCount`, checks bounds, freezes. */
export function createPoolContext(input: PoolContextInput): PoolContext {
  const maxConcurrentCount =
    input.maxConcurrentCount ?? input.scaling?.maxConcurrentCount ?? POOL_CONTEXT_DEFAULTS.maxConcurrentCount
  const scaling = Object.freeze({ ...(input.scaling ?? POOL_CONTEXT_DEFAULTS.scaling), maxConcurrentCount })
  const context: PoolContext = {
    ...POOL_CONTEXT_DEFAULTS,
    ...input,
    maxConcurrentCount,
    channelCount: input.channelCount ?? defaultChannelCount(maxConcurrentCount),
    scaling,
    webSocketLimits: webSocketLimitsOf(scaling, input.maxWebSocketsPerInstance),
  }
  const problems: string[] = []
  const integer = (name: string, value: number, min: number, max: number): void => {
    if (!Number.isInteger(value) || value < min || value > max)
      problems.push(`${name} must be an integer ${min}–${max}, got ${value}`)
  }
  integer('maxConcurrentCount', context.maxConcurrentCount, 1, 100)
  integer('channelCount', context.channelCount, 1, MAX_NUMBER_OF_CHANNELS)
  integer('queueLimit', context.queueLimit, 0, 10_000_000)
  integer('maxWebSocketsPerInstance', context.maxWebSocketsPerInstance, 0, 10_000)
  for (const name of [
    'queueTimeoutMs',
    'responseHeadTimeoutMs',
    'bodyIdleTimeoutMs',
    'webSocketIdleTimeoutMs',
    'webSocketCloseTimeoutMs',
    'instanceStartTimeoutMs',
    'closeGraceMs',
    'functionTimeoutMs',
  ] as const) {
    if (!Number.isFinite(context[name]) || context[name] < 0)
      problems.push(`${name} must be a number of ms ≥ 0, got ${context[name]}`)
  }
  if (context.poolId.length === 0) problems.push('poolId must not be empty')
  if (context.functionName.length === 0) problems.push('functionName must not be empty')
  if (problems.length > 0) throw new RangeError(`invalid pool context for ${context.poolId}: ${problems.join('; ')}`)
  return Object.freeze(context)
}
