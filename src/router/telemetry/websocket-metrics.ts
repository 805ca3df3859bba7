// The WebSocket metrics (issue 18): open sockets read at scrape time from the pools' instances (never mirrored),
// handshakes by outcome, closes by reason, the bytes each way and the clients cut off for not closing, counted from the
// exchanges' events (bytes once, when a socket ends). Touches only the registry it is given.
import { Counter, Gauge, type Registry } from 'prom-client'
import type { PoolSource, RouterEvents } from '../events.js'

/** The WebSocket counters, for the dashboard's snapshot (the open gauge is read from the pools instead). */
export interface WebSocketMetricFamilies {
  readonly handshakes: Counter<'pool' | 'outcome'>
  readonly closes: Counter<'pool' | 'reason'>
  readonly bytes: Counter<'pool' | 'direction'>
  readonly closeTimeouts: Counter<'pool'>
}

/** Registers the WebSocket families on `registry` and subscribes them to `events`. */
export function registerWebSocketMetrics(
  registry: Registry,
  events: RouterEvents,
  pools: () => Iterable<PoolSource>,
): WebSocketMetricFamilies {
  const registers = [registry]
  new Gauge({
    name: 'lambda_dispatch_router_websockets_open',
    help: 'WebSockets open through the pool now (they hold channels, not MaxConcurrentCount slots)',
    labelNames: ['pool'],
    registers,
    collect() {
      this.reset()
      for (const source of pools()) {
        let open = 0
        for (const instance of source.snapshot().instances) open += instance.webSockets ?? 0
        this.set({ pool: source.poolId }, open)
      }
    },
  })
  const handshakes = new Counter({
    name: 'lambda_dispatch_router_websocket_handshakes_total',
    help: 'WebSocket handshakes by outcome: accepted (101), refused by the app, unsupported (501), no-capacity (503), closing, failed',
    labelNames: ['pool', 'outcome'],
    registers,
  })
  const closes = new Counter({
    name: 'lambda_dispatch_router_websocket_closes_total',
    help: 'Accepted WebSockets that ended, by reason: client, app, going-away (1001), idle (1001), error',
    labelNames: ['pool', 'reason'],
    registers,
  })
  const bytes = new Counter({
    name: 'lambda_dispatch_router_websocket_bytes_total',
    help: 'WebSocket bytes (frames as sent) relayed each way, counted when a socket ends',
    labelNames: ['pool', 'direction'],
    registers,
  })
  const closeTimeouts = new Counter({
    name: 'lambda_dispatch_router_websocket_close_timeouts_total',
    help: 'WebSocket clients cut off for not closing their side within WebSocketCloseTimeout after the router ended it',
    labelNames: ['pool'],
    registers,
  })
  events.webSocketCloseTimedOut.subscribe(({ poolId }) => closeTimeouts.inc({ pool: poolId }))
  events.webSocketHandshake.subscribe(({ poolId, outcome }) => handshakes.inc({ pool: poolId, outcome }))
  events.webSocketClosed.subscribe((closed) => {
    const pool = closed.poolId
    closes.inc({ pool, reason: closed.reason })
    bytes.inc({ pool, direction: 'client_to_app' }, closed.clientToAppBytes)
    bytes.inc({ pool, direction: 'app_to_client' }, closed.appToClientBytes)
  })
  return { handshakes, closes, bytes, closeTimeouts }
}
