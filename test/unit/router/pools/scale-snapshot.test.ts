// What the scaler sees of a pool (issue 15): instances counted by state fold into starting, open and stopping, and
// the pending demand is passed through; open WebSockets add their weight to the running requests (issue 18: an
// instance with open WebSockets is not idle, so scale-in must not see it as spare). Table tests.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { InstanceState } from '../../../../src/router/instances/instance-states.js'
import { scaleSnapshotOf } from '../../../../src/router/pools/scale-snapshot.js'
import type { ScaleSnapshot } from '../../../../src/router/scaling/scaler.js'

const NONE: Record<InstanceState, number> = { initial: 0, starting: 0, open: 0, draining: 0, closing: 0, closed: 0 }

const cases: ReadonlyArray<{
  readonly name: string
  readonly byState: Partial<Record<InstanceState, number>>
  readonly outstanding: number
  readonly pending: number
  readonly snapshot: ScaleSnapshot
}> = [
  {
    name: 'an empty pool with nothing waiting shows all zeros',
    byState: {},
    outstanding: 0,
    pending: 0,
    snapshot: { pendingRequests: 0, runningRequests: 0, startingInstances: 0, openInstances: 0, stoppingInstances: 0 },
  },
  {
    name: 'initial and starting instances both count as starting',
    byState: { initial: 2, starting: 3 },
    outstanding: 0,
    pending: 7,
    snapshot: { pendingRequests: 7, runningRequests: 0, startingInstances: 5, openInstances: 0, stoppingInstances: 0 },
  },
  {
    name: 'draining and closing instances both count as stopping, and are not open',
    byState: { open: 4, draining: 1, closing: 2 },
    outstanding: 9,
    pending: 0,
    snapshot: { pendingRequests: 0, runningRequests: 9, startingInstances: 0, openInstances: 4, stoppingInstances: 3 },
  },
  {
    name: 'closed instances count nowhere',
    byState: { open: 1, closed: 6 },
    outstanding: 1,
    pending: 2,
    snapshot: { pendingRequests: 2, runningRequests: 1, startingInstances: 0, openInstances: 1, stoppingInstances: 0 },
  },
  {
    name: 'every state at once lands in its own bucket',
    byState: { initial: 1, starting: 1, open: 1, draining: 1, closing: 1, closed: 1 },
    outstanding: 3,
    pending: 11,
    snapshot: { pendingRequests: 11, runningRequests: 3, startingInstances: 2, openInstances: 1, stoppingInstances: 2 },
  },
]

for (const row of cases) {
  test(row.name, () => {
    const counts = { byState: { ...NONE, ...row.byState }, outstanding: row.outstanding }
    assert.deepEqual(scaleSnapshotOf(counts, row.pending), row.snapshot)
  })
}

const webSocketCases: ReadonlyArray<{ name: string; outstanding: number; webSocketLoad?: number; running: number }> = [
  { name: 'requests only', outstanding: 3, running: 3 },
  {
    name: 'one WebSocket as its fraction of a request: demand, but no extra instance beside a request',
    outstanding: 1,
    webSocketLoad: 0.1,
    running: 1.1,
  },
  { name: 'a full instance of WebSockets weighs a full instance', outstanding: 2, webSocketLoad: 10, running: 12 },
]

for (const row of webSocketCases) {
  test(`running requests count ${row.name}`, () => {
    const counts = { byState: { ...NONE, open: 1 }, outstanding: row.outstanding, webSocketLoad: row.webSocketLoad }
    assert.equal(scaleSnapshotOf(counts, 0).runningRequests, row.running)
  })
}
