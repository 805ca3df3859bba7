// Pure policy for how long one invoke lives: the deadline it works to, the close-before-deadline margin, idle
// decisions, staleness and which ExitReason to report. No I/O, no timers: callers pass `nowMs`.
import { type ExitReason, exitReasonSeverity } from '../protocol/index.js'

const SECOND_MS = 1_000
const MINUTE_MS = 60 * SECOND_MS

/**
 * How long before the deadline the extension asks the router to close, so in-flight requests can finish and the
 * invoke still returns in time. Scales with the function timeout (issue 4 §6; the legacy C# extension used
 * 10/15/30/60 s): under 1 min a quarter of the timeout capped at 5 s (a 3 s function still serves 2.25 s),
 * 1–5 min 15 s, up to 10 min 30 s, above 60 s.
 */
export function deadlineMarginMs(functionTimeoutMs: number): number {
  if (functionTimeoutMs < MINUTE_MS) return Math.min(5 * SECOND_MS, Math.floor(functionTimeoutMs / 4))
  if (functionTimeoutMs <= 5 * MINUTE_MS) return 15 * SECOND_MS
  if (functionTimeoutMs <= 10 * MINUTE_MS) return 30 * SECOND_MS
  return 60 * SECOND_MS
}

/**
 * How long before the deadline every stream is reset and the invoke returns regardless, so the Runtime API gets its
 * response before Lambda kills the environment: 1 s, or half the close margin when that is smaller.
 */
export function hardStopMarginMs(closeMarginMs: number): number {
  return Math.min(SECOND_MS, Math.floor(closeMarginMs / 2))
}

/**
 * How long before the deadline a closing instance stops taking requests: its waiting channels are refused
 * (REFUSED_STREAM, so a request the router wrote into one meanwhile goes elsewhere) and none is opened again. Halfway
 * between the close margin and the hard stop, so the router has had half the margin to answer the close and start a
 * replacement, and requests already in the app have the other half to finish before streams are reset.
 */
export function refuseMarginMs(closeMarginMs: number): number {
  const hardStopMs = hardStopMarginMs(closeMarginMs)
  return hardStopMs + Math.floor((closeMarginMs - hardStopMs) / 2)
}

/** When each deadline timer of an invoke fires (epoch ms): the close request, the refusal of waiting channels, the hard stop. */
export interface DeadlineSchedule {
  readonly closeAtMs: number
  readonly refuseAtMs: number
  readonly hardStopAtMs: number
}

/** The deadline timers of an invoke that works to `deadlineMs` with `closeMarginMs`, from the margins above. */
export function deadlineSchedule(deadlineMs: number, closeMarginMs: number): DeadlineSchedule {
  return {
    closeAtMs: deadlineMs - closeMarginMs,
    refuseAtMs: deadlineMs - refuseMarginMs(closeMarginMs),
    hardStopAtMs: deadlineMs - hardStopMarginMs(closeMarginMs),
  }
}

// SHUTDOWN and SIGTERM deadlines are hard; leave time to post the result before them.
const SHUTDOWN_SAFETY_MS = 300

/** The hard stop for a SHUTDOWN or a signal whose own deadline is `shutdownDeadlineMs` (epoch ms). */
export function shutdownHardStopAtMs(shutdownDeadlineMs: number): number {
  return shutdownDeadlineMs - SHUTDOWN_SAFETY_MS
}

/** The delay that makes a timer fire at `atMs`: never negative, so a time already past fires at once. */
export function timerDelayMs(atMs: number, nowMs: number): number {
  return Math.max(0, atMs - nowMs)
}

// original-protocol.md §2.5: a deadline more than 15 min away is not a real Lambda deadline; work to 60 s instead.
const MAX_REAL_DEADLINE_MS = 15 * MINUTE_MS
const TRIMMED_DEADLINE_MS = 60 * SECOND_MS

/** The deadline (epoch ms) this invoke works to: Lambda's, trimmed when absurd, or forced by configuration. */
export function effectiveDeadlineMs(input: {
  lambdaDeadlineMs: number
  nowMs: number
  forceDeadlineMs: number | undefined
}): number {
  if (input.forceDeadlineMs !== undefined && input.forceDeadlineMs > 0) return input.nowMs + input.forceDeadlineMs
  if (input.lambdaDeadlineMs - input.nowMs > MAX_REAL_DEADLINE_MS) return input.nowMs + TRIMMED_DEADLINE_MS
  return input.lambdaDeadlineMs
}

/**
 * The function timeout the margin scales with: the configured one (AWS_LAMBDA_FUNCTION_TIMEOUT) when known,
 * otherwise the time left when the invoke arrived, which is the timeout less the invoke's transit time.
 */
export function functionTimeoutMs(input: {
  configuredMs: number | undefined
  deadlineMs: number
  invokeStartMs: number
}): number {
  return input.configuredMs ?? Math.max(0, input.deadlineMs - input.invokeStartMs)
}

/** The close margin for one invoke: the configured one, or the scaled one. */
export function closeMarginMs(input: { configuredMarginMs: number | undefined; functionTimeoutMs: number }): number {
  return input.configuredMarginMs ?? deadlineMarginMs(input.functionTimeoutMs)
}

const STALE_INVOKE_MS = 5 * SECOND_MS

/**
 * original-protocol.md §2.5 step 4: in a local environment (LAMBDA_DISPATCH_FORCE_DEADLINE set), an invoke sent
 * more than 5 s ago is stale: its router has long given up on it.
 */
export function isStaleInvoke(input: { localEnv: boolean; sentTimeMs: number; nowMs: number }): boolean {
  return input.localEnv && input.nowMs - input.sentTimeMs > STALE_INVOKE_MS
}

/** What the idle check should do now. */
export type IdleDecision =
  | { readonly kind: 'not-started' }
  | { readonly kind: 'busy' }
  | { readonly kind: 'wait'; readonly delayMs: number }
  | { readonly kind: 'close' }

/**
 * Idle rule (original-protocol.md §5): once a channel has been active, close when nothing is in flight and nothing
 * happened for `graceMs`. `lastActiveAtMs` is 0 until the first channel opened.
 */
export function decideIdle(input: {
  nowMs: number
  lastActiveAtMs: number
  inFlight: number
  graceMs: number
}): IdleDecision {
  if (input.lastActiveAtMs === 0) return { kind: 'not-started' }
  if (input.inFlight > 0) return { kind: 'busy' }
  const idleMs = input.nowMs - input.lastActiveAtMs
  if (idleMs >= input.graceMs) return { kind: 'close' }
  return { kind: 'wait', delayMs: input.graceMs - idleMs }
}

const ROUTER_GO_AWAY_SEVERITY = exitReasonSeverity('RouterGoAway')

/** True for reasons that report a failure (worse than RouterGoAway) rather than a normal way to end. */
export function isFailureExitReason(reason: ExitReason): boolean {
  return exitReasonSeverity(reason) < ROUTER_GO_AWAY_SEVERITY
}

/**
 * The reason an invoke reports. The first cause wins, so a deadline close that the router then answers with goaways
 * still says SelfDeadline (the original's worse() turned every such exit into RouterGoAway). A later failure
 * replaces a normal cause, and a worse failure replaces a lesser one.
 */
export function mergeExitReason(current: ExitReason | undefined, next: ExitReason): ExitReason {
  if (current === undefined) return next
  if (!isFailureExitReason(next)) return current
  if (!isFailureExitReason(current)) return next
  return exitReasonSeverity(next) < exitReasonSeverity(current) ? next : current
}

/** ExitReason for a router answer other than 200 or 409 on a channel or ping. */
export function exitReasonForRouterStatus(status: number): ExitReason {
  if (status >= 500 && status <= 599) return 'RouterStatus5xx'
  if (status >= 400 && status <= 499) return 'RouterStatus4xx'
  return 'RouterStatusOther'
}

/**
 * The time one router connect attempt gets: the configured timeout for the first (always made), doubling for each
 * later one (1, 2, 4 s by default: a starved host that needs a few seconds to finish a handshake is slow, not
 * unreachable), and never past `stopAtMs`, when the invoke stops taking requests and a session could serve nothing.
 * Undefined: no attempt is worth starting (the configured attempts are used up, or no time is left).
 */
export function connectAttemptTimeoutMs(input: {
  attempt: number
  attempts: number
  baseTimeoutMs: number
  nowMs: number
  stopAtMs: number
}): number | undefined {
  if (input.attempt > input.attempts) return undefined
  if (input.attempt <= 1) return input.baseTimeoutMs
  const leftMs = Math.floor(input.stopAtMs - input.nowMs)
  if (leftMs <= 0) return undefined
  return Math.min(input.baseTimeoutMs * 2 ** (input.attempt - 1), leftMs)
}

/** Sessions lost in a row, with no channel opened in between, before the invoke gives up (RouterConnectionError). */
export const MAX_SESSION_LOSSES_WITHOUT_PROGRESS = 5

/** Wait before reconnecting after `losses` sessions were lost in a row without progress: 50 ms doubling to 1 s. */
export function reconnectDelayMs(losses: number): number {
  if (losses <= 0) return 0
  return Math.min(1_000, 50 * 2 ** (losses - 1))
}
