// Pure. What the scaler sees of a pool: its instances counted by state, and the requests that want service. No I/O.
import type { InstanceCounts } from '../instances/registry.js'
import type { ScaleSnapshot } from '../scaling/scaler.js'

/**
 * `pendingRequests`: the queue, plus whatever refused demand the pool counts as waiting. Open WebSockets run as their
 * weight in requests, a fraction kept as is: any weight keeps an instance wanted, and a few sockets beside a request
 * do not round up to a second instance.
 */
export function scaleSnapshotOf(counts: InstanceCounts, pendingRequests: number): ScaleSnapshot {
  const { byState, outstanding } = counts
  return {
    pendingRequests,
    runningRequests: outstanding + (counts.webSocketLoad ?? 0),
    startingInstances: byState.initial + byState.starting,
    openInstances: byState.open,
    stoppingInstances: byState.draining + byState.closing,
  }
}
