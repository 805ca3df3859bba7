// Pure. Turns what one request saw into ok, expected-error (aborted on purpose, as planned) or unexpected with a
// reason; and turns a whole run's figures into the verdict and exit code. No I/O.
import { type BodyCheckResult, isExactBody } from './body-check.js'
import type { RequestPlan } from './request-mix.js'

/** What the client observed for one request. */
export interface Observation {
  /** Response status, when a response head arrived. */
  readonly status: number | undefined
  readonly body: BodyCheckResult
  /** The response body ended cleanly (END_STREAM / complete HTTP/1.1 message). */
  readonly ended: boolean
  /** The planned abort happened: the client stopped at the planned byte. */
  readonly abortedAsPlanned: boolean
  /** A failure the client saw that was not our own abort: reset, refused connection, parse error… */
  readonly error: string | undefined
  /** The request hit the soak's per-request timeout and was cancelled. */
  readonly timedOut: boolean
}

export type UnexpectedReason = 'timeout' | 'error' | 'status' | 'body' | 'truncated' | 'abort-not-reached'

export type Outcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'expected-error' }
  | { readonly kind: 'unexpected'; readonly reason: UnexpectedReason; readonly detail: string }

export function classifyOutcome(plan: RequestPlan, seen: Observation): Outcome {
  if (seen.timedOut) {
    return unexpected('timeout', `no complete answer in time (status ${seen.status ?? 'none'}, ${received(seen)})`)
  }
  if (plan.abort !== undefined) {
    if (!seen.abortedAsPlanned) {
      if (seen.status !== undefined && seen.status !== plan.expectedStatus) {
        return unexpected('status', `status ${seen.status}, expected ${plan.expectedStatus}: ${quote(seen.body.head)}`)
      }
      if (seen.error !== undefined) {
        return unexpected('error', `failed before the planned ${plan.abort.side} abort: ${seen.error}`)
      }
      return unexpected(
        'abort-not-reached',
        `ended before the planned ${plan.abort.side} abort at byte ${plan.abort.afterBytes} (${received(seen)})`,
      )
    }
    if (seen.status !== undefined && seen.status !== plan.expectedStatus) {
      return unexpected('status', `status ${seen.status}, expected ${plan.expectedStatus}: ${quote(seen.body.head)}`)
    }
    if (!seen.body.prefixIntact) {
      return unexpected('body', `byte ${seen.body.firstMismatchAt} differs before the planned abort`)
    }
    return { kind: 'expected-error' }
  }
  if (seen.error !== undefined) return unexpected('error', `${seen.error} (status ${seen.status ?? 'none'})`)
  if (seen.status !== plan.expectedStatus) {
    return unexpected(
      'status',
      `status ${seen.status ?? 'none'}, expected ${plan.expectedStatus}: ${quote(seen.body.head)}`,
    )
  }
  if (!seen.ended) return unexpected('truncated', `the body did not end cleanly (${received(seen)})`)
  if (!isExactBody(seen.body)) {
    const { body } = seen
    return unexpected(
      'body',
      `${body.receivedBytes} of ${body.expectedBytes} bytes, first difference at ${body.firstMismatchAt ?? 'none'}` +
        (body.expectedSha256 === ''
          ? ''
          : `, sha256 ${body.receivedSha256.slice(0, 16)}… expected ${body.expectedSha256.slice(0, 16)}…`),
    )
  }
  return { kind: 'ok' }
}

function unexpected(reason: UnexpectedReason, detail: string): Outcome {
  return { kind: 'unexpected', reason, detail }
}

function received(seen: Observation): string {
  return `${seen.body.receivedBytes} of ${seen.body.expectedBytes} bytes received`
}

function quote(head: string): string {
  return JSON.stringify(head.length > 80 ? `${head.slice(0, 80)}…` : head)
}

/** Everything the verdict looks at, gathered after the run. */
export interface RunFigures {
  /** Requests the run was asked for; undefined in duration-only mode. */
  readonly requested: number | undefined
  readonly issued: number
  /** Requests whose outcome was counted (ok + expected errors + unexpected). */
  readonly settled: number
  readonly ok: number
  readonly expectedErrors: number
  readonly unexpected: number
  /** The run stopped early on a signal. */
  readonly interrupted: boolean
  /** `lambda_dispatch_router_tunnel_ordering_violations_total`, all pools. */
  readonly orderingViolations: number
  /** `lambda_dispatch_router_http2_errors_total` by kind. */
  readonly http2Errors: Readonly<Record<string, number>>
  /** The router's own request outcomes that only a protocol fault produces (bad_upstream_head, upstream_closed, tunnel_ordering). */
  readonly upstreamFaults: Readonly<Record<string, number>>
  /** Probe requests sent after the load, each must succeed. */
  readonly probes: { readonly sent: number; readonly ok: number }
  /** Left over once the load ended: must all be 0. */
  readonly leftOver: {
    readonly busyChannels: number
    readonly queuedRequests: number
    readonly inFlightRequests: number
  }
  /** Child processes of this process before the stack started and after it closed. */
  readonly processes: { readonly baseline: number; readonly afterClose: number }
}

export interface Verdict {
  readonly exitCode: 0 | 1
  /** One line per problem; empty when the run passed. */
  readonly problems: readonly string[]
}

export function computeVerdict(figures: RunFigures): Verdict {
  const problems: string[] = []
  const lost = figures.issued - figures.settled
  if (lost !== 0) problems.push(`${lost} requests lost: issued but never settled`)
  if (figures.ok + figures.expectedErrors + figures.unexpected !== figures.settled) {
    problems.push(
      `the outcome counts (${figures.ok} + ${figures.expectedErrors} + ${figures.unexpected}) do not add up to ${figures.settled}`,
    )
  }
  if (figures.unexpected > 0) problems.push(`${figures.unexpected} unexpected outcomes`)
  if (figures.interrupted) {
    problems.push(`interrupted after ${figures.issued} of ${figures.requested ?? 'unbounded'} requests`)
  } else if (figures.requested !== undefined && figures.issued !== figures.requested) {
    problems.push(`issued ${figures.issued} of ${figures.requested} requests`)
  }
  if (figures.issued === 0) problems.push('no request was issued')
  if (figures.orderingViolations > 0) {
    problems.push(`${figures.orderingViolations} tunnel ordering violations (DATA before HEADERS refused)`)
  }
  for (const [kind, count] of Object.entries(figures.http2Errors)) {
    if (count > 0) problems.push(`${count} control-channel HTTP/2 errors of kind ${kind}`)
  }
  for (const [outcome, count] of Object.entries(figures.upstreamFaults)) {
    if (count > 0) problems.push(`${count} router requests ended ${outcome}`)
  }
  if (figures.probes.ok !== figures.probes.sent) {
    problems.push(
      `${figures.probes.sent - figures.probes.ok} of ${figures.probes.sent} probe requests after the load failed`,
    )
  }
  const { leftOver, processes } = figures
  if (leftOver.busyChannels > 0) problems.push(`${leftOver.busyChannels} channels still busy after the load`)
  if (leftOver.queuedRequests > 0) problems.push(`${leftOver.queuedRequests} requests still queued after the load`)
  if (leftOver.inFlightRequests > 0)
    problems.push(`${leftOver.inFlightRequests} requests still in flight after the load`)
  if (processes.afterClose > processes.baseline) {
    problems.push(`${processes.afterClose - processes.baseline} child processes left after close`)
  }
  return { exitCode: problems.length === 0 ? 0 : 1, problems }
}
