// Pure. The WaiterRequest payloads a pool sends: one per instance start, and the init-only pre-warm buddy
// (original-protocol.md §2.1). No I/O; the clock is the caller's.
import type { WaiterRequest } from '../../protocol/index.js'
import type { PoolContext } from './pool-context.js'

/** Who a new instance is, and when its invoke is sent. */
export interface InstanceInvoke {
  readonly lambdaId: string
  readonly channelToken: string
  /** Started to keep the pool at MinInstances. */
  readonly kept: boolean
  /** Wall clock (epoch ms) when the invoke is sent: the payload's SentTime. */
  readonly nowMs: number
}

/**
 * The invoke payload of a new instance. A kept instance (MinInstances) is told to stay idle up to its deadline
 * (IdleGraceMs); others keep the extension's own idle grace.
 */
export function instanceWaiterRequest(context: PoolContext, invoke: InstanceInvoke): WaiterRequest {
  return {
    poolId: context.poolId,
    id: invoke.lambdaId,
    dispatcherUrl: context.dispatcherUrl,
    numberOfChannels: context.channelCount,
    sentTime: new Date(invoke.nowMs).toISOString(),
    initOnly: false,
    ...(context.routerCertSha256 === undefined ? {} : { routerCertSha256: context.routerCertSha256 }),
    ...(invoke.kept ? { idleGraceMs: context.functionTimeoutMs } : {}),
    channelToken: invoke.channelToken,
  }
}

/** The init-only buddy of `main`: it opens no channel, and carries its own secret, never the main instance's. */
export function preWarmWaiterRequest(main: WaiterRequest, channelToken: string): WaiterRequest {
  return { ...main, id: `${main.id}-initonly`, numberOfChannels: 0, initOnly: true, channelToken }
}
