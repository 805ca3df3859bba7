// Pure. Reads the router counters the soak reports and judges from prom-client's JSON form of the registry
// (`registry.getMetricsAsJSON()`), summed over pools. No I/O.

/** The part of prom-client's metric JSON this reads. */
export interface MetricJson {
  readonly name: string
  readonly values: ReadonlyArray<{
    readonly value: number
    readonly labels: Readonly<Partial<Record<string, string | number>>>
  }>
}

export interface RouterCounters {
  /** `lambda_dispatch_router_requests_total` by outcome. */
  readonly requestsByOutcome: Readonly<Record<string, number>>
  readonly orderingViolations: number
  /** `lambda_dispatch_router_http2_errors_total` by kind. */
  readonly http2ErrorsByKind: Readonly<Record<string, number>>
  readonly invokesByResult: Readonly<Record<string, number>>
  readonly exitReasons: Readonly<Record<string, number>>
  readonly channelsOpened: number
  readonly channelsClosedByReason: Readonly<Record<string, number>>
  /** `lambda_dispatch_router_instance_transitions_total` by the state entered. */
  readonly instanceTransitions: Readonly<Record<string, number>>
  /** `lambda_dispatch_router_control_responses_total` by `route status`. */
  readonly controlResponses: Readonly<Record<string, number>>
}

/** Router request outcomes that only a protocol or tunnel fault produces; any of them fails a soak. */
export const UPSTREAM_FAULT_OUTCOMES = ['bad_upstream_head', 'upstream_closed', 'tunnel_ordering'] as const

const PREFIX = 'lambda_dispatch_router_'

export function readRouterCounters(metrics: readonly MetricJson[]): RouterCounters {
  const byName = new Map(metrics.map((metric) => [metric.name, metric]))
  const sumBy = (
    name: string,
    label: string | ((labels: Readonly<Partial<Record<string, string | number>>>) => string),
  ): Record<string, number> => {
    const totals: Record<string, number> = {}
    for (const { value, labels } of byName.get(PREFIX + name)?.values ?? []) {
      const key = typeof label === 'string' ? String(labels[label] ?? '') : label(labels)
      totals[key] = (totals[key] ?? 0) + value
    }
    return totals
  }
  const total = (name: string): number =>
    (byName.get(PREFIX + name)?.values ?? []).reduce((sum, entry) => sum + entry.value, 0)
  return {
    requestsByOutcome: sumBy('requests_total', 'outcome'),
    orderingViolations: total('tunnel_ordering_violations_total'),
    http2ErrorsByKind: sumBy('http2_errors_total', 'kind'),
    invokesByResult: sumBy('invokes_total', 'result'),
    exitReasons: sumBy('invoke_exit_reasons_total', 'reason'),
    channelsOpened: total('channels_opened_total'),
    channelsClosedByReason: sumBy('channels_closed_total', 'reason'),
    instanceTransitions: sumBy('instance_transitions_total', 'to'),
    controlResponses: sumBy('control_responses_total', (labels) => `${labels.route} ${labels.status}`),
  }
}

/** How fast channels, streams and instances turned over while the load ran. */
export interface Turnover {
  /** Requests settled per second of load. */
  readonly requestsPerSecond: number
  /** Channel streams the router accepted (`channels_opened_total`). */
  readonly channelStreamsOpened: number
  /** Instances whose invoke returned (`instance_transitions_total{to="closed"}`). */
  readonly instancesRecycled: number
  /** Why those invokes ended, as the extensions reported (`invoke_exit_reasons_total`). */
  readonly exitReasons: Readonly<Record<string, number>>
}

/** `counters` read when the load ended, before the stack's own close recycles what is left. */
export function turnoverOf(counters: RouterCounters, settled: number, elapsedMs: number): Turnover {
  return {
    requestsPerSecond: elapsedMs > 0 ? (settled * 1000) / elapsedMs : 0,
    channelStreamsOpened: counters.channelsOpened,
    instancesRecycled: counters.instanceTransitions.closed ?? 0,
    exitReasons: counters.exitReasons,
  }
}

/** The router outcomes in UPSTREAM_FAULT_OUTCOMES, each with its count (0 when absent). */
export function upstreamFaults(counters: RouterCounters): Record<string, number> {
  return Object.fromEntries(
    UPSTREAM_FAULT_OUTCOMES.map((outcome) => [outcome, counters.requestsByOutcome[outcome] ?? 0]),
  )
}

/** `a 3, b 1` in descending count order, or `none`. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0]))
  return entries.length === 0 ? 'none' : entries.map(([key, count]) => `${key} ${count}`).join(', ')
}
