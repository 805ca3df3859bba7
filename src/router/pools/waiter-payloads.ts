// Pure. The WaiterRequest payloads a pool sends: one per instance start, and the init-only pre-warm buddy
// (original-protocol.md §2.1). No I/O.
import type { WaiterRequest } from '../../protocol/index.js'
import type { PoolContext } from './pool-context.js'

/**
 * The invoke payload of a new instance. A kept instance (MinInstances) is told to stay idle up to its deadline
 * (IdleGraceMs); others keep the extension's own idle grace.
 */
export function instanceWaiterRequest(
  context: PoolContext,
  lambdaId: string,
  channelToken: string,
  kept: boolean,
): WaiterRequest {
  return {
    poolId: context.poolId,
    id: lambdaId,
    dispatcherUrl: context.dispatcherUrl,
    numberOfChannels: context.channelCount,
    sentTime: new Date().toISOString(),
    initOnly: false,
    ...(context.routerCertSha256 === undefined ? {} : { routerCertSha256: context.routerCertSha256 }),
    ...(kept ? { idleGraceMs: context.functionTimeoutMs } : {}),
    channelToken,
  }
}

/** The init-only buddy of `main`: it opens no channel, and carries its own secret, never the main instance's. */
export function preWarmWaiterRequest(main: WaiterRequest, channelToken: string): WaiterRequest {
  return { ...main, id: `${main.id}-initonly`, numberOfChannels: 0, initOnly: true, channelToken }
}
