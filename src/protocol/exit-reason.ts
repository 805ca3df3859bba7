// Why an invoke ended, as the WaiterResponse reports it (original-protocol.md §2.3). Pure.

/** Every ExitReason name, worst first: the index is the original's severity (lower is worse). */
export const EXIT_REASONS = [
  'RouterLambdaInvokeInvalid',
  'RouterUnreachable',
  'RouterConnectionError',
  'ChannelErrorOther',
  'AppConnectionError',
  'AppConnectionClosed',
  'RouterStatus5xx',
  'RouterStatus4xx',
  'RouterStatusOther',
  'RouterGoAway',
  'SelfLastActive',
  'SelfDeadline',
  'SelfStaleRequest',
  'SelfInitOnly',
] as const

export type ExitReason = (typeof EXIT_REASONS)[number]

const SEVERITY: ReadonlyMap<string, number> = new Map(EXIT_REASONS.map((reason, index) => [reason, index]))

export function isExitReason(value: unknown): value is ExitReason {
  return typeof value === 'string' && SEVERITY.has(value)
}

/** The original's severity of `reason`: 0 is the worst. */
export function exitReasonSeverity(reason: ExitReason): number {
  return SEVERITY.get(reason) as number
}

/** The worse of two reasons, so one invoke reports its most serious cause. */
export function worseExitReason(a: ExitReason, b: ExitReason): ExitReason {
  return exitReasonSeverity(b) < exitReasonSeverity(a) ? b : a
}
