// The extension's settings: defaults, and one validating loader over the environment (STYLE.md §8). Pure: it reads
// only the object it is given and returns a frozen config or throws ConfigError listing every bad variable.
import { ConfigError, LOG_LEVELS, type LogLevel, parseBytes, parseDurationMs } from '../common/index.js'
import { DEFAULT_APP_PORT, DEFAULT_HEAD_LIMITS } from '../protocol/index.js'
import { parseStatusRanges, type StatusRange } from './readiness.js'

export type ReadinessProtocol = 'http' | 'tcp'

/** Everything the extension needs, validated once. Durations are milliseconds, sizes bytes. */
export interface ExtensionConfig {
  /** `host:port` of the Lambda Runtime and Extensions APIs (`AWS_LAMBDA_RUNTIME_API`). */
  readonly runtimeApi: string
  /** Registered as `Lambda-Extension-Name`; must equal the file name in /opt/extensions. */
  readonly extensionName: string
  readonly appPort: number
  readonly readinessProtocol: ReadinessProtocol
  readonly readinessPath: string
  readonly readinessStatus: readonly StatusRange[]
  /** How long one readiness probe waits for its answer; probes never overlap. */
  readonly readinessProbeTimeoutMs: number
  /** Without async init: how long the init phase waits for the app, counted from process start, before reporting an
   * init error that says what the last probe saw. Unset: wait until Lambda ends the init (the original's way). */
  readonly initTimeoutMs: number | undefined
  /** When the app is not ready, probe `/` once and suggest it as the readiness path (set by `local`). */
  readonly readinessHint: boolean
  readonly asyncInit: boolean
  /** Async init: how long the first invoke waits for the app before failing. */
  readonly asyncInitTimeoutMs: number
  /** Async init: how long the init phase waits for the app, counted from process start. */
  readonly initPhaseBudgetMs: number
  readonly compression: boolean
  /** `LAMBDA_DISPATCH_FORCE_DEADLINE`: overrides every invoke's deadline to now + this (0: no override). */
  readonly forceDeadlineMs: number | undefined
  /** True when `LAMBDA_DISPATCH_FORCE_DEADLINE` is present at all: the original's "local environment" switch. */
  readonly localEnv: boolean
  readonly lastActiveGraceMs: number
  /** The function timeout when known (`AWS_LAMBDA_FUNCTION_TIMEOUT`); otherwise estimated per invoke. */
  readonly functionTimeoutMs: number | undefined
  /** A fixed close-before-deadline margin; unset means it scales with the function timeout. */
  readonly deadlineMarginMs: number | undefined
  readonly closeDrainTimeoutMs: number
  readonly pingIntervalMs: number
  readonly routerConnectTimeoutMs: number
  readonly routerConnectAttempts: number
  readonly routerHeadersTimeoutMs: number
  readonly routerPingTimeoutMs: number
  readonly routerTlsVerify: boolean
  readonly streamWindowBytes: number
  readonly sessionWindowBytes: number
  readonly maxSessionMemoryMb: number
  readonly appKeepAliveTimeoutMs: number
  readonly appConnectTimeoutMs: number
  readonly maxHeadBytes: number
  readonly maxHeaderCount: number
  readonly logLevel: LogLevel
  /** Send X-Pool-Id, X-Lambda-Id and X-Channel-Id to the app (as the original did); off: an app that echoes headers would publish them. */
  readonly forwardInternalHeaders: boolean
}

type DefaultedKey = Exclude<keyof ExtensionConfig, 'runtimeApi' | 'localEnv'>

/** Every default in one place; no I/O. `undefined` means "not set" (see each field). */
export const EXTENSION_DEFAULTS: Readonly<{ [K in DefaultedKey]: ExtensionConfig[K] }> = Object.freeze({
  extensionName: 'lambda-dispatch',
  appPort: DEFAULT_APP_PORT,
  readinessProtocol: 'http',
  readinessPath: '/health',
  readinessStatus: Object.freeze([{ min: 200, max: 299 }]),
  // Lambda's init phase is 10 s: a probe cannot usefully wait longer, and a slow health route answers once.
  readinessProbeTimeoutMs: 10_000,
  initTimeoutMs: undefined,
  readinessHint: false,
  asyncInit: false,
  asyncInitTimeoutMs: 10_000,
  initPhaseBudgetMs: 9_800,
  compression: true,
  forceDeadlineMs: undefined,
  // 250 ms like the original: an idle environment costs GB-seconds every millisecond it stays, while leaving and
  // being invoked again costs one request fee (about 80x less than one idle second at 1 GB); the router decides
  // how many instances it wants, so the extension leaves early and cheaply.
  lastActiveGraceMs: 250,
  functionTimeoutMs: undefined,
  deadlineMarginMs: undefined,
  closeDrainTimeoutMs: 5_000,
  pingIntervalMs: 5_000,
  routerConnectTimeoutMs: 1_000,
  routerConnectAttempts: 3,
  routerHeadersTimeoutMs: 2_000,
  routerPingTimeoutMs: 1_000,
  routerTlsVerify: false,
  streamWindowBytes: 4 * 1024 * 1024,
  sessionWindowBytes: 32 * 1024 * 1024,
  maxSessionMemoryMb: 64,
  // Below Node's default server keep-alive (5 s), so the pool never reuses a socket the app is closing.
  appKeepAliveTimeoutMs: 4_000,
  appConnectTimeoutMs: 2_000,
  maxHeadBytes: DEFAULT_HEAD_LIMITS.maxHeadBytes,
  maxHeaderCount: DEFAULT_HEAD_LIMITS.maxHeaderCount,
  logLevel: 'info',
  forwardInternalHeaders: false,
})

/** The environment variable behind each setting; docs/extension.md documents every one. */
export const EXTENSION_ENV_VARS: Readonly<{ [K in DefaultedKey | 'runtimeApi']: string }> = Object.freeze({
  runtimeApi: 'AWS_LAMBDA_RUNTIME_API',
  extensionName: 'LAMBDA_DISPATCH_EXTENSION_NAME',
  appPort: 'LAMBDA_DISPATCH_PORT',
  readinessProtocol: 'LAMBDA_DISPATCH_READINESS_PROTOCOL',
  readinessPath: 'LAMBDA_DISPATCH_READINESS_PATH',
  readinessStatus: 'LAMBDA_DISPATCH_READINESS_STATUS',
  readinessProbeTimeoutMs: 'LAMBDA_DISPATCH_READINESS_PROBE_TIMEOUT_MS',
  initTimeoutMs: 'LAMBDA_DISPATCH_INIT_TIMEOUT_MS',
  readinessHint: 'LAMBDA_DISPATCH_READINESS_HINT',
  asyncInit: 'LAMBDA_DISPATCH_ASYNC_INIT',
  asyncInitTimeoutMs: 'LAMBDA_DISPATCH_ASYNC_INIT_TIMEOUT',
  initPhaseBudgetMs: 'LAMBDA_DISPATCH_INIT_PHASE_BUDGET_MS',
  compression: 'LAMBDA_DISPATCH_ENABLE_COMPRESSION',
  forceDeadlineMs: 'LAMBDA_DISPATCH_FORCE_DEADLINE',
  lastActiveGraceMs: 'LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS',
  functionTimeoutMs: 'AWS_LAMBDA_FUNCTION_TIMEOUT',
  deadlineMarginMs: 'LAMBDA_DISPATCH_DEADLINE_MARGIN_MS',
  closeDrainTimeoutMs: 'LAMBDA_DISPATCH_CLOSE_DRAIN_TIMEOUT_MS',
  pingIntervalMs: 'LAMBDA_DISPATCH_PING_INTERVAL_MS',
  routerConnectTimeoutMs: 'LAMBDA_DISPATCH_ROUTER_CONNECT_TIMEOUT_MS',
  routerConnectAttempts: 'LAMBDA_DISPATCH_ROUTER_CONNECT_ATTEMPTS',
  routerHeadersTimeoutMs: 'LAMBDA_DISPATCH_ROUTER_HEADERS_TIMEOUT_MS',
  routerPingTimeoutMs: 'LAMBDA_DISPATCH_ROUTER_PING_TIMEOUT_MS',
  routerTlsVerify: 'LAMBDA_DISPATCH_ROUTER_TLS_VERIFY',
  streamWindowBytes: 'LAMBDA_DISPATCH_STREAM_WINDOW',
  sessionWindowBytes: 'LAMBDA_DISPATCH_SESSION_WINDOW',
  maxSessionMemoryMb: 'LAMBDA_DISPATCH_MAX_SESSION_MEMORY_MB',
  appKeepAliveTimeoutMs: 'LAMBDA_DISPATCH_APP_KEEP_ALIVE_TIMEOUT_MS',
  appConnectTimeoutMs: 'LAMBDA_DISPATCH_APP_CONNECT_TIMEOUT_MS',
  maxHeadBytes: 'LAMBDA_DISPATCH_MAX_HEAD_BYTES',
  maxHeaderCount: 'LAMBDA_DISPATCH_MAX_HEADER_COUNT',
  logLevel: 'LAMBDA_DISPATCH_LOG_LEVEL',
  forwardInternalHeaders: 'LAMBDA_DISPATCH_FORWARD_INTERNAL_HEADERS',
})

/**
 * aws-lambda-web-adapter's names, read when our own variable is absent (ours win), in this order. The minimum
 * unhealthy status is LWA's way to say "any status below N is healthy".
 */
export const LWA_ENV_VARS = Object.freeze({
  appPort: ['AWS_LWA_PORT', 'PORT'],
  readinessPath: ['AWS_LWA_READINESS_CHECK_PATH'],
  readinessProtocol: ['AWS_LWA_READINESS_CHECK_PROTOCOL'],
  readinessStatus: ['AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS'],
  asyncInit: ['AWS_LWA_ASYNC_INIT'],
  compression: ['AWS_LWA_ENABLE_COMPRESSION'],
} as const)

/** Accepted and ignored: the original chose a Tokio runtime with it; Node has one event loop. */
export const RUNTIME_VAR_NAME = 'LAMBDA_DISPATCH_RUNTIME'
const RUNTIME_VAR = RUNTIME_VAR_NAME
const RUNTIME_VALUES = ['default_multi_thread', 'multi_thread', 'current_thread']

const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Reads and validates the extension's environment. Throws ConfigError naming each bad variable, its value and the
 * accepted form; returns a frozen config otherwise.
 */
export function loadExtensionConfig(env: Readonly<Record<string, string | undefined>>): ExtensionConfig {
  const reader = new EnvReader(env)
  const d = EXTENSION_DEFAULTS
  const v = EXTENSION_ENV_VARS
  const runtimeApi = reader.text(v.runtimeApi, undefined, /^[^\s/]+:\d{1,5}$/, 'host:port, e.g. 127.0.0.1:9001')
  const forceDeadlineText = env[v.forceDeadlineMs]
  reader.oneOf(RUNTIME_VAR, RUNTIME_VALUES, 'current_thread', { ignoreCase: true })
  // Our name when set, else the first LWA name that is set, else ours (for the default and the error wording).
  const pick = (ours: string, lwa: readonly string[]): string =>
    [ours, ...lwa].find((name) => (env[name] ?? '').trim() !== '') ?? ours
  const statusName = pick(v.readinessStatus, LWA_ENV_VARS.readinessStatus)
  const config: ExtensionConfig = {
    runtimeApi: runtimeApi ?? '',
    extensionName: reader.text(v.extensionName, d.extensionName, /^[A-Za-z0-9._-]{1,128}$/, 'a file name') as string,
    appPort: reader.integer(pick(v.appPort, LWA_ENV_VARS.appPort), d.appPort, 1, 65535),
    readinessProtocol: reader.oneOf(
      pick(v.readinessProtocol, LWA_ENV_VARS.readinessProtocol),
      ['http', 'tcp'] as const,
      d.readinessProtocol,
      { ignoreCase: true },
    ),
    readinessPath: reader.text(
      pick(v.readinessPath, LWA_ENV_VARS.readinessPath),
      d.readinessPath,
      /^\/\S*$/,
      'a path starting with "/"',
    ) as string,
    readinessStatus:
      statusName === v.readinessStatus
        ? reader.statusRanges(v.readinessStatus, d.readinessStatus)
        : belowStatus(reader.integer(statusName, 500, 101, 599)),
    readinessProbeTimeoutMs: reader.durationMs(v.readinessProbeTimeoutMs, d.readinessProbeTimeoutMs, 1),
    initTimeoutMs: reader.optionalDurationMs(v.initTimeoutMs, 1),
    readinessHint: reader.boolean(v.readinessHint, d.readinessHint),
    asyncInit: reader.boolean(pick(v.asyncInit, LWA_ENV_VARS.asyncInit), d.asyncInit),
    asyncInitTimeoutMs: reader.seconds(v.asyncInitTimeoutMs, d.asyncInitTimeoutMs),
    initPhaseBudgetMs: reader.durationMs(v.initPhaseBudgetMs, d.initPhaseBudgetMs),
    compression: reader.boolean(pick(v.compression, LWA_ENV_VARS.compression), d.compression),
    forceDeadlineMs: reader.optionalSeconds(v.forceDeadlineMs),
    localEnv: forceDeadlineText !== undefined,
    lastActiveGraceMs: reader.durationMs(v.lastActiveGraceMs, d.lastActiveGraceMs),
    functionTimeoutMs: reader.optionalSeconds(v.functionTimeoutMs),
    deadlineMarginMs: reader.optionalDurationMs(v.deadlineMarginMs),
    closeDrainTimeoutMs: reader.durationMs(v.closeDrainTimeoutMs, d.closeDrainTimeoutMs),
    pingIntervalMs: reader.durationMs(v.pingIntervalMs, d.pingIntervalMs, 1),
    routerConnectTimeoutMs: reader.durationMs(v.routerConnectTimeoutMs, d.routerConnectTimeoutMs, 1),
    routerConnectAttempts: reader.integer(v.routerConnectAttempts, d.routerConnectAttempts, 1, 20),
    routerHeadersTimeoutMs: reader.durationMs(v.routerHeadersTimeoutMs, d.routerHeadersTimeoutMs, 1),
    routerPingTimeoutMs: reader.durationMs(v.routerPingTimeoutMs, d.routerPingTimeoutMs, 1),
    routerTlsVerify: reader.boolean(v.routerTlsVerify, d.routerTlsVerify),
    streamWindowBytes: reader.bytes(v.streamWindowBytes, d.streamWindowBytes, 65_535, 2 ** 31 - 1),
    sessionWindowBytes: reader.bytes(v.sessionWindowBytes, d.sessionWindowBytes, 65_535, 2 ** 31 - 1),
    maxSessionMemoryMb: reader.integer(v.maxSessionMemoryMb, d.maxSessionMemoryMb, 1, 4096),
    appKeepAliveTimeoutMs: reader.durationMs(v.appKeepAliveTimeoutMs, d.appKeepAliveTimeoutMs, 1),
    appConnectTimeoutMs: reader.durationMs(v.appConnectTimeoutMs, d.appConnectTimeoutMs, 1),
    maxHeadBytes: reader.bytes(v.maxHeadBytes, d.maxHeadBytes, 1024, 16 * 1024 * 1024),
    maxHeaderCount: reader.integer(v.maxHeaderCount, d.maxHeaderCount, 1, 10_000),
    logLevel: reader.oneOf(v.logLevel, LOG_LEVELS, d.logLevel),
    forwardInternalHeaders: reader.boolean(v.forwardInternalHeaders, d.forwardInternalHeaders),
  }
  if ((env[v.runtimeApi] ?? '').trim() === '') {
    reader.problems.push(`${v.runtimeApi} is required: host:port of the Lambda Runtime API, e.g. 127.0.0.1:9001`)
  }
  if (reader.problems.length > 0) throw new ConfigError(reader.problems)
  return Object.freeze(config)
}

/** LWA's AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS: every status from 100 up to, not including, `minUnhealthy`. */
function belowStatus(minUnhealthy: number): readonly StatusRange[] {
  return Object.freeze([{ min: 100, max: minUnhealthy - 1 }])
}

// Collects every problem instead of stopping at the first, so one start shows the whole list.
class EnvReader {
  readonly problems: string[] = []
  readonly #env: Readonly<Record<string, string | undefined>>

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.#env = env
  }

  #value(name: string): string | undefined {
    const text = this.#env[name]
    return text === undefined || text.trim() === '' ? undefined : text.trim()
  }

  #fail<T>(name: string, text: string, accepted: string, fallback: T): T {
    this.problems.push(`${name} must be ${accepted}, got "${text}"`)
    return fallback
  }

  text(name: string, fallback: string | undefined, pattern: RegExp, accepted: string): string | undefined {
    const text = this.#value(name)
    if (text === undefined) return fallback
    return pattern.test(text) ? text : this.#fail(name, text, accepted, fallback)
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const text = this.#value(name)
    if (text === undefined) return fallback
    const value = Number(text)
    if (!/^\d+$/.test(text) || value < min || value > max) {
      return this.#fail(name, text, `an integer ${min}–${max}`, fallback)
    }
    return value
  }

  boolean(name: string, fallback: boolean): boolean {
    const text = this.#value(name)
    if (text === undefined) return fallback
    const lower = text.toLowerCase()
    if (lower === 'true') return true
    if (lower === 'false') return false
    return this.#fail(name, text, 'true or false', fallback)
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T, options: { ignoreCase?: boolean } = {}): T {
    const text = this.#value(name)
    if (text === undefined) return fallback
    const wanted = options.ignoreCase ? text.toLowerCase() : text
    const found = values.find((value) => value === wanted)
    return found ?? this.#fail(name, text, `one of ${values.join(', ')}`, fallback)
  }

  durationMs(name: string, fallback: number, min = 0): number {
    return this.optionalDurationMs(name, min) ?? fallback
  }

  optionalDurationMs(name: string, min = 0): number | undefined {
    const text = this.#value(name)
    if (text === undefined) return undefined
    const value = parseDurationMs(text)
    if (value === undefined || value < min || value > MAX_TIMER_MS) {
      return this.#fail(name, text, 'a duration in milliseconds ("250") or with a unit ("250ms", "2s")', undefined)
    }
    return value
  }

  /** The original's seconds settings: a bare number is seconds; a value with a unit ("500ms") is also accepted. */
  seconds(name: string, fallback: number): number {
    return this.optionalSeconds(name) ?? fallback
  }

  optionalSeconds(name: string): number | undefined {
    const text = this.#value(name)
    if (text === undefined) return undefined
    const value = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : parseDurationMs(text)
    if (value === undefined || value > MAX_TIMER_MS) {
      return this.#fail(name, text, 'a number of seconds ("10") or a duration with a unit ("500ms")', undefined)
    }
    return value
  }

  bytes(name: string, fallback: number, min: number, max: number): number {
    const text = this.#value(name)
    if (text === undefined) return fallback
    const value = parseBytes(text)
    if (value === undefined || value < min || value > max) {
      return this.#fail(name, text, `a size from ${min} to ${max} bytes ("65536", "4MiB")`, fallback)
    }
    return value
  }

  statusRanges(name: string, fallback: readonly StatusRange[]): readonly StatusRange[] {
    const text = this.#value(name)
    if (text === undefined) return fallback
    const ranges = parseStatusRanges(text)
    return ranges ?? this.#fail(name, text, 'status codes or ranges, e.g. "200-299" or "200-399,404"', fallback)
  }
}
