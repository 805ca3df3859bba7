// The router's counters and histograms, as one table: names, help, labels and buckets. Registered on the Registry
// passed in (never the global one). Data only; the subscribers in prometheus.ts bump them, the busiest counters and
// histograms through `pending` (folded in whenever their family is read).
import { Counter, Histogram, type Registry } from 'prom-client'
import { PendingCounts } from './pending-counts.js'

/** Registers every counter and histogram of the router on `registry`. */
export function createMetricFamilies(registry: Registry) {
  const registers = [registry]
  // The counters and histograms a proxied request moves; each folds the pending values in before it is read.
  const pending = new PendingCounts()
  const collect = (): void => pending.fold()
  return {
    pending,
    requests: new Counter({
      name: 'lambda_dispatch_router_requests_total',
      help: 'Client requests dispatched to a pool, by how they ended: the app response status class, or the gateway failure, timeout or abort',
      labelNames: ['pool', 'outcome'],
      registers,
      collect,
    }),
    requestsQueued: new Counter({
      name: 'lambda_dispatch_router_requests_queued_total',
      help: 'Client requests that had to wait in the pool queue',
      labelNames: ['pool'],
      registers,
      collect,
    }),
    requestsRetried: new Counter({
      name: 'lambda_dispatch_router_requests_retried_total',
      help: 'Client requests an instance refused unprocessed (REFUSED_STREAM before any of it reached the app) and that were dispatched again',
      labelNames: ['pool'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'lambda_dispatch_router_request_duration_seconds',
      help: 'Time from front-door acceptance to the end of a completed response',
      labelNames: ['pool'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
      collect,
    }),
    queueWait: new Histogram({
      name: 'lambda_dispatch_router_queue_wait_seconds',
      help: 'Time queued requests waited for a channel',
      labelNames: ['pool'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
      collect,
    }),
    requestBodyBytes: new Counter({
      name: 'lambda_dispatch_router_request_body_bytes_total',
      help: 'Client request body bytes written into channels (in)',
      labelNames: ['pool'],
      registers,
      collect,
    }),
    responseBodyBytes: new Counter({
      name: 'lambda_dispatch_router_response_body_bytes_total',
      help: 'Response body bytes relayed from channels to clients (out)',
      labelNames: ['pool'],
      registers,
      collect,
    }),
    frontDoorRefusals: new Counter({
      name: 'lambda_dispatch_router_front_door_refusals_total',
      help: 'Requests the front door answered itself before any pool (reserved path, name not allowed, closing)',
      labelNames: ['status', 'code'],
      registers,
    }),
    connectionsDropped: new Counter({
      name: 'lambda_dispatch_router_connections_dropped_total',
      help: 'Client connections closed before a request was read: over MaxConnections, or no protocol shown within ClientPrefaceTimeout of the first byte',
      labelNames: ['reason'],
      registers,
    }),
    channelsOpened: new Counter({
      name: 'lambda_dispatch_router_channels_opened_total',
      help: 'Channel streams accepted (HEADERS sent, then published)',
      labelNames: ['pool'],
      registers,
      collect,
    }),
    channelsClosed: new Counter({
      name: 'lambda_dispatch_router_channels_closed_total',
      help: 'Channel streams retired, by reason',
      labelNames: ['pool', 'reason'],
      registers,
      collect,
    }),
    controlResponses: new Counter({
      name: 'lambda_dispatch_router_control_responses_total',
      help: 'Control-channel answers other than an accepted channel, by route and status',
      labelNames: ['route', 'status'],
      registers,
    }),
    controlAuthRefusals: new Counter({
      name: 'lambda_dispatch_router_control_auth_refusals_total',
      help: 'Control requests for a live instance refused with 403 for a missing or wrong channel token, by route',
      labelNames: ['route', 'reason'],
      registers,
    }),
    channelsRefused: new Counter({
      name: 'lambda_dispatch_router_channels_refused_total',
      help: 'Channel POSTs refused for a live instance: over_cap is a new channel id beyond its NumberOfChannels',
      labelNames: ['pool', 'reason'],
      registers,
    }),
    instanceTransitions: new Counter({
      name: 'lambda_dispatch_router_instance_transitions_total',
      help: 'Instance state transitions, by the state entered',
      labelNames: ['pool', 'to'],
      registers,
    }),
    instanceStartTimeouts: new Counter({
      name: 'lambda_dispatch_router_instance_start_timeouts_total',
      help: 'Instances that did not connect back within the start timeout',
      labelNames: ['pool'],
      registers,
    }),
    instanceConnect: new Histogram({
      name: 'lambda_dispatch_router_instance_connect_seconds',
      help: 'Cold start as the router sees it: from the invoke to the instance first channel (connect-back)',
      labelNames: ['pool'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    invokesStarted: new Counter({
      name: 'lambda_dispatch_router_invokes_started_total',
      help: 'Lambda invokes sent: one per instance started, plus init-only pre-warm invokes',
      labelNames: ['pool', 'kind'],
      registers,
    }),
    invokes: new Counter({
      name: 'lambda_dispatch_router_invokes_total',
      help: 'Lambda invokes that returned, by result',
      labelNames: ['pool', 'result'],
      registers,
    }),
    invokeExitReasons: new Counter({
      name: 'lambda_dispatch_router_invoke_exit_reasons_total',
      help: 'ExitReason reported by returned invokes',
      labelNames: ['pool', 'reason'],
      registers,
    }),
    invokeRefusals: new Counter({
      name: 'lambda_dispatch_router_invoke_refusals_total',
      help: 'Instance starts the invoke gate refused, by reason',
      labelNames: ['pool', 'reason'],
      registers,
    }),
    orderingViolations: new Counter({
      name: 'lambda_dispatch_router_tunnel_ordering_violations_total',
      help: 'Writes of tunnel DATA refused because the channel response HEADERS were not sent',
      labelNames: ['pool'],
      registers,
    }),
    http2Errors: new Counter({
      name: 'lambda_dispatch_router_http2_errors_total',
      help: 'HTTP/2 session, stream and protocol errors on the control channel',
      labelNames: ['kind'],
      registers,
    }),
  }
}

/** The counters and histograms of one router. */
export type MetricFamilies = ReturnType<typeof createMetricFamilies>
