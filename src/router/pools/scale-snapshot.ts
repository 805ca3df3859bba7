// Pure. What the scaler sees of a pool: its instances counted by state, and the requests that want service. No I/O.
import type { InstanceCounts } from '../instances/registry.js'
import type { ScaleSnapshot } from '../scaling/scaler.js'

/**
 * `pendingRequests`: the queue, plus whatever refused demand the pool counts as waiting. Open WebSockets run as their
 * weight in requests, rounded up, so instances that hold them stay wanted.
 */
export function scaleSnapshotOf(counts: InstanceCounts, pendingRequests: number): ScaleSnapshot {
  const { byState, outstanding } = counts
  return {
    pendingRequests,
    runningRequests: outstanding + Math.ceil(counts.webSocketLoad ?? 0),
    startingInstances: byState.initial + byState.starting,
    openInstances: byState.open,
    stoppingInstances: byState.draining + byState.closing,
  }
}
