// The picture the dashboard and `lambda-dispatch status` show: one JSON document built from pool snapshots, the
// rolling windows, the counters and the recent errors. buildAdminSnapshot is pure (table-tested); collectAdminSnapshot
// reads the live sources once and calls it.
import { shortId } from '../../common/index.js'
import { type InstanceState, summarizeInstances } from '../instances/instance-states.js'
import {
  latencyQuantileMs,
  type RollingWindow,
  seriesOf,
  totalsOf,
  WINDOW_SECONDS,
  type WindowSeries,
} from '../metrics-window.js'
import type { PoolSnapshot } from '../pools/pool-snapshot.js'
import type { RecentError } from '../telemetry/recent-errors.js'
import type { RouterTelemetry } from '../telemetry/router-telemetry.js'
import { describeHealth, type ListenerHealth, type PoolServingState, type RouterState } from './health.js'

/** Bumped when a field changes meaning or goes away; new fields may appear without a bump. */
export const ADMIN_SNAPSHOT_VERSION = 1
/** requests/s is the average over this many whole seconds before the current one. */
export const RATE_SECONDS = 10
/** p50/p99 are computed over this many seconds up to now. */
export const LATENCY_SECONDS = 60

/** Traffic over the recent past, router-wide or for one pool. */
export interface TrafficSummary {
  /** Every request that ended, since the router started (from the counters). */
  readonly requestsTotal: number
  /** Requests that ended per second, over the last RATE_SECONDS whole seconds. */
  readonly requestsPerSecond: number
  /** Gateway errors and app 5xx per second, over the same seconds. */
  readonly errorsPerSecond: number
  /** Completed-response latency over the last LATENCY_SECONDS; null without a completed response. */
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  /** Invokes sent in the last 60 seconds. */
  readonly invokesPerMinute: number
}

export interface InstanceView {
  /** The id's first 8 characters: enough to tell instances apart, too little to address one (issue 13). */
  readonly lambdaId: string
  readonly state: InstanceState
  readonly ageMs: number
  readonly outstanding: number
  readonly busyChannels: number
  readonly idleChannels: number
  /** WebSockets open (issue 18); their channels are among the busy ones. */
  readonly webSockets?: number
}

/** One pool's WebSockets (issue 18): open now, and since start the counters of their handshakes, closes and bytes. */
export interface WebSocketView {
  readonly open: number
  /** By outcome: accepted, refused (by the app), unsupported, no-capacity, closing, failed. */
  readonly handshakes: Readonly<Record<string, number>>
  /** Accepted sockets that ended, by reason: client, app, going-away, idle, error. */
  readonly closes: Readonly<Record<string, number>>
  /** Frames as relayed after the 101, counted when a socket ends. */
  readonly bytes: { readonly clientToApp: number; readonly appToClient: number }
  /** Clients cut off for not closing their side within WebSocketCloseTimeout. */
  readonly closeTimeouts: number
}

export interface PoolView {
  readonly poolId: string
  readonly functionName: string
  readonly state: PoolServingState
  readonly queueLength: number
  readonly runningRequests: number
  readonly desiredInstances: number
  readonly breakerState: PoolSnapshot['breakerState']
  readonly noCapacity: string | null
  readonly instancesByState: Readonly<Record<InstanceState, number>>
  readonly channels: { readonly busy: number; readonly idle: number }
  readonly instances: readonly InstanceView[]
  readonly traffic: TrafficSummary
  /** `lambda_dispatch_router_requests_total` by outcome, since start. */
  readonly outcomes: Readonly<Record<string, number>>
  readonly invokes: {
    readonly started: number
    /** Returned invokes by result. */
    readonly results: Readonly<Record<string, number>>
    readonly exitReasons: Readonly<Record<string, number>>
  }
  /** Absent from snapshots of routers older than issue 18. */
  readonly webSockets?: WebSocketView
}

export interface RecentErrorView {
  /** ISO 8601. */
  readonly time: string
  readonly code: string
  readonly poolId: string | null
  readonly message: string
  readonly requestId: string | null
  readonly lambdaId: string | null
}

export interface AdminSnapshot {
  readonly version: typeof ADMIN_SNAPSHOT_VERSION
  /** ISO 8601. */
  readonly generatedAt: string
  readonly router: {
    readonly state: RouterState
    readonly ready: boolean
    readonly listeners: ListenerHealth
    readonly pid: number
    readonly uptimeS: number
    readonly rssBytes: number
    readonly frontDoorUrl: string | null
    readonly adminUrl: string | null
  }
  /** Every pool together. */
  readonly traffic: TrafficSummary
  /** Router-wide, one point per second: the last WINDOW_SECONDS whole seconds (the current one is not over yet). */
  readonly series: WindowSeries
  readonly pools: readonly PoolView[]
  /** Oldest first. */
  readonly recentErrors: readonly RecentErrorView[]
}

/** One sample of a counter: its labels and value. */
export interface CounterSample {
  readonly labels: Readonly<Record<string, string | number>>
  readonly value: number
}

export interface SnapshotInput {
  readonly nowMs: number
  readonly state: RouterState
  readonly listeners: ListenerHealth
  readonly process: { readonly pid: number; readonly uptimeS: number; readonly rssBytes: number }
  readonly frontDoorUrl: string | undefined
  readonly adminUrl: string | undefined
  readonly pools: readonly PoolSnapshot[]
  /** The rolling window of each pool id (a pool without one shows no traffic). */
  readonly windows: ReadonlyMap<string, RollingWindow>
  /** The current epoch second of the windows' clock. */
  readonly currentSecond: number
  readonly counters: {
    readonly requests: readonly CounterSample[]
    readonly invokesStarted: readonly CounterSample[]
    readonly invokes: readonly CounterSample[]
    readonly exitReasons: readonly CounterSample[]
    /** The WebSocket counters (issue 18); absent ones count as none. */
    readonly webSocketHandshakes?: readonly CounterSample[]
    readonly webSocketCloses?: readonly CounterSample[]
    readonly webSocketBytes?: readonly CounterSample[]
    readonly webSocketCloseTimeouts?: readonly CounterSample[]
  }
  readonly recentErrors: readonly RecentError[]
}

/** Builds the snapshot document. Pure: reads only its input (windows are read, never written). */
export function buildAdminSnapshot(input: SnapshotInput): AdminSnapshot {
  const health = describeHealth(input.state, input.pools, input.listeners)
  const allWindows: RollingWindow[] = []
  const pools = input.pools.map((pool, index): PoolView => {
    const window = input.windows.get(pool.poolId)
    if (window !== undefined) allWindows.push(window)
    const summary = summarizeInstances(pool.instances)
    const outcomes = byLabel(input.counters.requests, pool.poolId, 'outcome')
    return {
      poolId: pool.poolId,
      functionName: pool.functionName,
      state: health.pools[index]?.state ?? 'serving',
      queueLength: pool.queueLength,
      runningRequests: pool.runningRequests,
      desiredInstances: pool.desiredInstances,
      breakerState: pool.breakerState,
      noCapacity: pool.noCapacity?.why ?? null,
      instancesByState: summary.byState,
      channels: { busy: summary.busyChannels, idle: summary.parkedChannels },
      instances: [...pool.instances]
        .sort((a, b) => b.ageMs - a.ageMs)
        .map((instance) => ({
          lambdaId: shortId(instance.lambdaId),
          state: instance.state,
          ageMs: Math.round(instance.ageMs),
          outstanding: instance.outstanding,
          busyChannels: instance.busyChannels,
          idleChannels: instance.parkedChannels,
          webSockets: instance.webSockets ?? 0,
        })),
      traffic: trafficOf(window === undefined ? [] : [window], input.currentSecond, sum(outcomes)),
      outcomes,
      invokes: {
        started: sum(byLabel(input.counters.invokesStarted, pool.poolId, 'kind')),
        results: byLabel(input.counters.invokes, pool.poolId, 'result'),
        exitReasons: byLabel(input.counters.exitReasons, pool.poolId, 'reason'),
      },
      webSockets: webSocketView(pool, input.counters),
    }
  })
  return {
    version: ADMIN_SNAPSHOT_VERSION,
    generatedAt: new Date(input.nowMs).toISOString(),
    router: {
      state: input.state,
      ready: health.ready,
      listeners: input.listeners,
      pid: input.process.pid,
      uptimeS: Math.round(input.process.uptimeS),
      rssBytes: input.process.rssBytes,
      frontDoorUrl: input.frontDoorUrl ?? null,
      adminUrl: input.adminUrl ?? null,
    },
    traffic: trafficOf(
      allWindows,
      input.currentSecond,
      pools.reduce((total, pool) => total + pool.traffic.requestsTotal, 0),
    ),
    // Whole seconds only: the current second is still filling and would always draw as a dip.
    series: seriesOf(allWindows, input.currentSecond - 1, WINDOW_SECONDS),
    pools,
    recentErrors: input.recentErrors.map(recentErrorView),
  }
}

/** A recent error as the dashboard and the status command show it (pure). */
export function recentErrorView(error: RecentError): RecentErrorView {
  return {
    time: new Date(error.timeMs).toISOString(),
    code: error.code,
    poolId: error.poolId ?? null,
    message: error.message,
    requestId: error.requestId ?? null,
    lambdaId: shortId(error.lambdaId) ?? null,
  }
}

/** The traffic summary of some windows at `currentSecond` (pure). */
export function trafficOf(
  windows: readonly RollingWindow[],
  currentSecond: number,
  requestsTotal: number,
): TrafficSummary {
  const rate = totalsOf(windows, currentSecond - RATE_SECONDS, currentSecond - 1)
  const latency = totalsOf(windows, currentSecond - LATENCY_SECONDS + 1, currentSecond)
  const minute = totalsOf(windows, currentSecond - 59, currentSecond)
  return {
    requestsTotal,
    requestsPerSecond: round1(rate.requests / RATE_SECONDS),
    errorsPerSecond: round1(rate.errors / RATE_SECONDS),
    p50Ms: roundMs(latencyQuantileMs(latency, 0.5)),
    p99Ms: roundMs(latencyQuantileMs(latency, 0.99)),
    invokesPerMinute: minute.invokes,
  }
}

/** What the live router hands collectAdminSnapshot. */
export interface SnapshotSources {
  readonly state: RouterState
  readonly listeners: ListenerHealth
  /** The router's pools now, as health reads them. */
  readonly pools: readonly PoolSnapshot[]
  readonly telemetry: RouterTelemetry
  readonly frontDoorUrl: string | undefined
  readonly adminUrl: string | undefined
}

/** Reads the live sources once (counters are read through prom-client) and builds the snapshot. */
export async function collectAdminSnapshot(sources: SnapshotSources): Promise<AdminSnapshot> {
  const { telemetry, pools } = sources
  const { metrics, webSocketMetrics } = telemetry
  const [requests, invokesStarted, invokes, exitReasons, handshakes, closes, bytes, closeTimeouts] = await Promise.all([
    metrics.requests.get(),
    metrics.invokesStarted.get(),
    metrics.invokes.get(),
    metrics.invokeExitReasons.get(),
    webSocketMetrics.handshakes.get(),
    webSocketMetrics.closes.get(),
    webSocketMetrics.bytes.get(),
    webSocketMetrics.closeTimeouts.get(),
  ])
  const windows = new Map(pools.map((pool) => [pool.poolId, telemetry.windowFor(pool.poolId)]))
  const nowMs = telemetry.now()
  return buildAdminSnapshot({
    nowMs,
    state: sources.state,
    listeners: sources.listeners,
    process: { pid: process.pid, uptimeS: process.uptime(), rssBytes: process.memoryUsage.rss() },
    frontDoorUrl: sources.frontDoorUrl,
    adminUrl: sources.adminUrl,
    pools,
    windows,
    currentSecond: Math.floor(nowMs / 1000),
    counters: {
      requests: requests.values,
      invokesStarted: invokesStarted.values,
      invokes: invokes.values,
      exitReasons: exitReasons.values,
      webSocketHandshakes: handshakes.values,
      webSocketCloses: closes.values,
      webSocketBytes: bytes.values,
      webSocketCloseTimeouts: closeTimeouts.values,
    },
    recentErrors: telemetry.recentErrors(),
  })
}

function webSocketView(pool: PoolSnapshot, counters: SnapshotInput['counters']): WebSocketView {
  let open = 0
  for (const instance of pool.instances) open += instance.webSockets ?? 0
  const bytes = byLabel(counters.webSocketBytes ?? [], pool.poolId, 'direction')
  return {
    open,
    handshakes: byLabel(counters.webSocketHandshakes ?? [], pool.poolId, 'outcome'),
    closes: byLabel(counters.webSocketCloses ?? [], pool.poolId, 'reason'),
    bytes: { clientToApp: bytes.client_to_app ?? 0, appToClient: bytes.app_to_client ?? 0 },
    closeTimeouts: sum(byLabel(counters.webSocketCloseTimeouts ?? [], pool.poolId, 'pool')),
  }
}

function byLabel(samples: readonly CounterSample[], poolId: string, label: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const sample of samples) {
    if (sample.labels.pool !== poolId) continue
    const key = String(sample.labels[label])
    out[key] = (out[key] ?? 0) + sample.value
  }
  return out
}

function sum(values: Readonly<Record<string, number>>): number {
  let total = 0
  for (const value of Object.values(values)) total += value
  return total
}

function round1(value: number): number {
  return Math.round(value * 10) / 10
}

function roundMs(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value * 1000) / 1000
}
