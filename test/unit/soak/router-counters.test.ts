// Reading the router counters the soak judges from prom-client's JSON, summed over pools
// (tools/soak/router-counters.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Counter, Registry } from 'prom-client'
import { formatCounts, readRouterCounters, turnoverOf, upstreamFaults } from '../../../tools/soak/router-counters.js'

test('counters are summed over pools and keyed by their label', async () => {
  const registry = new Registry()
  const registers = [registry]
  const requests = new Counter({
    name: 'lambda_dispatch_router_requests_total',
    help: 'x',
    labelNames: ['pool', 'outcome'],
    registers,
  })
  requests.inc({ pool: 'default', outcome: '2xx' }, 5)
  requests.inc({ pool: 'other', outcome: '2xx' }, 2)
  requests.inc({ pool: 'other', outcome: 'upstream_closed' })
  new Counter({
    name: 'lambda_dispatch_router_tunnel_ordering_violations_total',
    help: 'x',
    labelNames: ['pool'],
    registers,
  })
  const http2 = new Counter({
    name: 'lambda_dispatch_router_http2_errors_total',
    help: 'x',
    labelNames: ['kind'],
    registers,
  })
  http2.inc({ kind: 'frame_error' }, 3)
  const control = new Counter({
    name: 'lambda_dispatch_router_control_responses_total',
    help: 'x',
    labelNames: ['route', 'status'],
    registers,
  })
  control.inc({ route: 'ping', status: '409' })

  const counters = readRouterCounters(await registry.getMetricsAsJSON())
  assert.deepEqual(counters.requestsByOutcome, { '2xx': 7, upstream_closed: 1 })
  assert.equal(counters.orderingViolations, 0)
  assert.deepEqual(counters.http2ErrorsByKind, { frame_error: 3 })
  assert.deepEqual(counters.controlResponses, { 'ping 409': 1 })
  assert.deepEqual(counters.invokesByResult, {})
  assert.deepEqual(upstreamFaults(counters), { bad_upstream_head: 0, upstream_closed: 1, tunnel_ordering: 0 })
})

test('formatCounts lists non-zero counts, largest first', () => {
  assert.equal(formatCounts({ b: 1, a: 3, c: 0, d: 1 }), 'a 3, b 1, d 1')
  assert.equal(formatCounts({ a: 0 }), 'none')
})

test('turnover counts channel streams opened, instances closed and requests per second of load', async () => {
  const registry = new Registry()
  const counter = (name: string, labelNames: string[]): Counter =>
    new Counter({ name: `lambda_dispatch_router_${name}`, help: 'x', labelNames, registers: [registry] })
  const channels = counter('channels_opened_total', ['pool'])
  channels.inc({ pool: 'default' }, 30)
  channels.inc({ pool: 'other' }, 12)
  const transitions = counter('instance_transitions_total', ['pool', 'to'])
  transitions.inc({ pool: 'default', to: 'starting' }, 9)
  transitions.inc({ pool: 'default', to: 'closed' }, 5)
  transitions.inc({ pool: 'other', to: 'closed' }, 2)
  const exits = counter('invoke_exit_reasons_total', ['pool', 'reason'])
  exits.inc({ pool: 'default', reason: 'SelfDeadline' }, 4)
  exits.inc({ pool: 'other', reason: 'SelfLastActive' }, 2)
  exits.inc({ pool: 'default', reason: 'RouterGoAway' })

  const turnover = turnoverOf(readRouterCounters(await registry.getMetricsAsJSON()), 3000, 2000)
  assert.deepEqual(turnover, {
    requestsPerSecond: 1500,
    channelStreamsOpened: 42,
    instancesRecycled: 7,
    exitReasons: { SelfDeadline: 4, SelfLastActive: 2, RouterGoAway: 1 },
  })
})

test('turnover of an empty registry and no time is all zero', () => {
  assert.deepEqual(turnoverOf(readRouterCounters([]), 0, 0), {
    requestsPerSecond: 0,
    channelStreamsOpened: 0,
    instancesRecycled: 0,
    exitReasons: {},
  })
})
