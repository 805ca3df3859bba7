// What the scaler sees of a pool: requests in flight plus what open WebSockets weigh (issue 18: an instance with open
// WebSockets is not idle, so scale-in must not see it as spare).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { InstanceCounts } from '../../../../src/router/instances/registry.js'
import { scaleSnapshotOf } from '../../../../src/router/pools/scale-snapshot.js'

const byState = { initial: 0, starting: 1, open: 2, draining: 1, closing: 1, closed: 0 }

const cases: ReadonlyArray<{ name: string; counts: InstanceCounts; running: number }> = [
  { name: 'requests only', counts: { byState, outstanding: 3 }, running: 3 },
  {
    name: 'one WebSocket as its fraction of a request: demand, but no extra instance beside a request',
    counts: { byState, outstanding: 1, webSocketLoad: 0.1 },
    running: 1.1,
  },
  {
    name: 'a full instance of WebSockets weighs a full instance',
    counts: { byState, outstanding: 2, webSocketLoad: 10 },
    running: 12,
  },
]

for (const row of cases) {
  test(`scaleSnapshotOf counts ${row.name}`, () => {
    const snapshot = scaleSnapshotOf(row.counts, 4)
    assert.deepEqual(snapshot, {
      pendingRequests: 4,
      runningRequests: row.running,
      startingInstances: 1,
      openInstances: 2,
      stoppingInstances: 2,
    })
  })
}
