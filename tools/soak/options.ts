// Pure. Turns the soak's command-line values (strings as commander hands them over) into validated SoakOptions,
// or a list of problems naming each option, the accepted form and the value given. No I/O.
import { parseDurationMs } from '../../src/common/index.js'
import { DEFAULT_SOAK_PROFILE, isSoakProfileName, SOAK_PROFILE_NAMES, SOAK_PROFILES } from './profiles.js'
import { SOAK_DEFAULTS, type SoakOptions } from './run-soak.js'

/** The raw values: each undefined when the option was not given. */
export interface SoakArgs {
  /** A profile's mix and values; the options given here override its values. */
  readonly profile?: string
  readonly requests?: string
  readonly duration?: string
  readonly concurrency?: string
  readonly seed?: string
  readonly instances?: string
  readonly maxInstances?: string
  readonly maxConcurrentCount?: string
  readonly functionTimeout?: string
  readonly deadlineMargin?: string
  readonly pingTimeout?: string
  readonly lullEvery?: string
  readonly lull?: string
  readonly requestTimeout?: string
  readonly largePercent?: string
  readonly controlPort?: string
  readonly summaryInterval?: string
  readonly runtime?: string
}

export type ResolvedSoakOptions =
  | { readonly kind: 'options'; readonly options: Omit<SoakOptions, 'logger'> }
  | { readonly kind: 'problems'; readonly problems: readonly string[] }

/**
 * `fallbackSeed` is used when --seed is absent (the caller draws one and prints it, so the run can be replayed).
 * Values come from the flags given, then from the profile (`mixed` unless --profile), then from SOAK_DEFAULTS.
 */
export function resolveSoakOptions(args: SoakArgs, fallbackSeed: number): ResolvedSoakOptions {
  const problems: string[] = []
  const profileText = args.profile ?? DEFAULT_SOAK_PROFILE
  if (!isSoakProfileName(profileText)) {
    problems.push(`--profile must be one of ${SOAK_PROFILE_NAMES.join(', ')}, got "${profileText}"`)
  }
  const profile = isSoakProfileName(profileText) ? profileText : DEFAULT_SOAK_PROFILE
  const profileSettings = SOAK_PROFILES[profile].settings
  const integer = (flag: string, text: string | undefined, fallback: number, min: number, max: number): number => {
    if (text === undefined) return fallback
    const value = Number(text.replaceAll('_', ''))
    if (!/^\d[\d_]*$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${flag} must be an integer ${min}–${max}, got "${text}"`)
      return fallback
    }
    return value
  }
  const duration = (flag: string, text: string | undefined, fallback: number | undefined): number | undefined => {
    if (text === undefined) return fallback
    const value = parseDurationMs(text)
    if (value === undefined) {
      problems.push(`${flag} must be a duration such as 500ms, 30s, 10m or 2h, got "${text}"`)
      return fallback
    }
    return value
  }
  const durationMs = duration('--duration', args.duration, undefined)
  // With only a duration the run is bounded by time; otherwise by the request count (default 10,000).
  const requests =
    args.requests === undefined && durationMs !== undefined
      ? undefined
      : integer('--requests', args.requests, SOAK_DEFAULTS.requests, 1, Number.MAX_SAFE_INTEGER)
  const instances = integer('--instances', args.instances, SOAK_DEFAULTS.instances, 1, 100)
  const maxInstances = integer('--max-instances', args.maxInstances, instances * 2, 1, 200)
  if (maxInstances < instances)
    problems.push(`--max-instances (${maxInstances}) must be at least --instances (${instances})`)
  const largePercentText = args.largePercent
  let largePercent: number = profileSettings.largePercent
  if (largePercentText !== undefined) {
    const value = Number(largePercentText)
    if (!Number.isFinite(value) || value < 0 || value >= 50 || largePercentText.trim() === '') {
      problems.push(`--large-percent must be a number from 0 to below 50, got "${largePercentText}"`)
    } else largePercent = value
  }
  const runtime = args.runtime ?? 'bundle'
  if (runtime !== 'bundle' && runtime !== 'source')
    problems.push(`--runtime must be bundle or source, got "${runtime}"`)
  const options = {
    profile,
    requests,
    durationMs,
    concurrency: integer('--concurrency', args.concurrency, profileSettings.concurrency, 1, 10_000),
    seed: integer('--seed', args.seed, fallbackSeed, 0, 2 ** 32 - 1),
    instances,
    maxInstances,
    maxConcurrentCount: integer(
      '--max-concurrent-count',
      args.maxConcurrentCount,
      SOAK_DEFAULTS.maxConcurrentCount,
      1,
      100,
    ),
    functionTimeoutMs: duration(
      '--function-timeout',
      args.functionTimeout,
      profileSettings.functionTimeoutMs,
    ) as number,
    deadlineMarginMs: duration('--deadline-margin', args.deadlineMargin, profileSettings.deadlineMarginMs) as number,
    pingTimeoutMs: duration('--ping-timeout', args.pingTimeout, SOAK_DEFAULTS.pingTimeoutMs) as number,
    idleEnvironmentTtlMs: SOAK_DEFAULTS.idleEnvironmentTtlMs,
    lullEveryMs: duration('--lull-every', args.lullEvery, profileSettings.lullEveryMs) as number,
    lullMs: duration('--lull', args.lull, profileSettings.lullMs) as number,
    requestTimeoutMs: duration('--request-timeout', args.requestTimeout, SOAK_DEFAULTS.requestTimeoutMs) as number,
    h2cSessions: SOAK_DEFAULTS.h2cSessions,
    largePercent,
    controlPort: integer('--control-port', args.controlPort, 0, 0, 65_535),
    summaryIntervalMs: duration('--summary-interval', args.summaryInterval, SOAK_DEFAULTS.summaryIntervalMs) as number,
    runtime: runtime === 'source' ? 'source' : 'bundle',
  } as const
  if (options.functionTimeoutMs < 1000 || options.functionTimeoutMs > 900_000) {
    problems.push(`--function-timeout must be 1s–15m, got "${args.functionTimeout}"`)
  }
  if (options.deadlineMarginMs >= options.functionTimeoutMs) {
    problems.push(`--deadline-margin must be shorter than --function-timeout, got "${args.deadlineMargin}"`)
  }
  if (options.requestTimeoutMs < 1) problems.push(`--request-timeout must be positive, got "${args.requestTimeout}"`)
  return problems.length > 0 ? { kind: 'problems', problems } : { kind: 'options', options }
}
