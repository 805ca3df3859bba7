// Pure. What the scaler sees of a pool: its instances counted by state, and the requests that want service. No I/O.
import type { InstanceCounts } from '../instances/registry.js'
import type { ScaleSnapshot } from '../scaling/scaler.js'

/** `pendingRequests`: the queue, plus whatever refused demand the pool counts as waiting. */
export function scaleSnapshotOf(counts: InstanceCounts, pendingRequests: number): ScaleSnapshot {
  const { byState, outstanding } = counts
  return {
    pendingRequests,
    runningRequests: outstanding,
    startingInstances: byState.initial + byState.starting,
    openInstances: byState.open,
    stoppingInstances: byState.draining + byState.closing,
  }
}
