// Pure. How one request's end (RequestEnd) reads as the `outcome` label of lambda_dispatch_router_requests_total, and
// whether the charts count it as an error. No I/O.
import type { RequestEnd } from '../events.js'

/**
 * How one client request ended, as a metric label. Each request ends exactly once: a response from the app by its
 * status class, or the kind of gateway failure, timeout or abort.
 */
export type RequestOutcome =
  | StatusClass
  | 'queue_full'
  | 'no_capacity'
  | 'closing'
  | 'queue_timeout'
  | 'head_timeout'
  | 'body_idle_timeout'
  | 'request_body_timeout'
  | 'aborted_queued'
  | 'aborted_running'
  | 'bad_upstream_head'
  | 'bad_upstream_framing'
  | 'upstream_closed'
  | 'tunnel_ordering'
  | 'app_start_failed'

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx'

const STATUS_CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx']

/** The class label of an HTTP status (anything outside 100–599 is clamped to the nearest class). */
export function statusClassOf(status: number): StatusClass {
  const index = Math.min(Math.max(Math.floor(status / 100) - 1, 0), 4)
  return STATUS_CLASSES[index] as StatusClass
}

// Gateway outcomes a client saw as a 5xx: they count as errors in the charts (aborts do not: the client left).
const ERROR_OUTCOMES: ReadonlySet<RequestOutcome> = new Set<RequestOutcome>([
  '5xx',
  'queue_full',
  'no_capacity',
  'closing',
  'queue_timeout',
  'head_timeout',
  'body_idle_timeout',
  'bad_upstream_head',
  'bad_upstream_framing',
  'upstream_closed',
  'tunnel_ordering',
  'app_start_failed',
])

// The outcome of each phase's timeout. A request body that came too slowly (408) is the client's fault, not an error.
const TIMEOUT_OUTCOMES = {
  queue: 'queue_timeout',
  head: 'head_timeout',
  'body-idle': 'body_idle_timeout',
  'request-body': 'request_body_timeout',
} as const satisfies Record<string, RequestOutcome>

const REJECTION_OUTCOMES = {
  'queue-full': 'queue_full',
  'no-capacity': 'no_capacity',
  closing: 'closing',
  aborted: 'aborted_queued',
} as const satisfies Record<string, RequestOutcome>

const DROP_OUTCOMES = {
  'no-capacity': 'no_capacity',
  closing: 'closing',
  'app-start-failed': 'app_start_failed',
} as const satisfies Record<string, RequestOutcome>

/** The outcome label of one request's end. */
export function outcomeOf(end: RequestEnd): RequestOutcome {
  switch (end.kind) {
    case 'completed':
      return statusClassOf(end.status)
    case 'rejected':
      return REJECTION_OUTCOMES[end.reason]
    case 'timed-out':
      return TIMEOUT_OUTCOMES[end.phase]
    case 'aborted':
      return end.phase === 'queued' ? 'aborted_queued' : 'aborted_running'
    case 'dropped':
      return DROP_OUTCOMES[end.reason]
    case 'failed':
      return end.failure
    default: {
      const unreachable: never = end
      throw new Error(`unknown request end ${String(unreachable)}`)
    }
  }
}

/** Whether the dashboard's charts count the outcome as an error (a gateway failure or an app 5xx). */
export function isErrorOutcome(outcome: RequestOutcome): boolean {
  return ERROR_OUTCOMES.has(outcome)
}
