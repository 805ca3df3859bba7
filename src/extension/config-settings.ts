// The extension's settings table: the ExtensionConfig type and, for each setting, its environment variable(s),
// default, parser and meaning, written once (src/common/settings). config.ts reads it; docs/extension.md lists it.
// Pure.
import {
  bad,
  bytesIn,
  defineSetting,
  durationIn,
  formatBytes,
  formatDurationMs,
  integerIn,
  LOG_LEVELS,
  type LogLevel,
  MAX_TIMER_MS,
  mapParsed,
  ok,
  oneOf,
  type Parsed,
  parseBoolean,
  type Setting,
  type SettingOptions,
  secondsUpTo,
  textMatching,
} from '../common/index.js'
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
  /** Where an invoke that is not the router's (an SQS batch, an EventBridge event…) is POSTed to the app. */
  readonly passThroughPath: string
}

/** What the table fills: every config field but `localEnv` (derived), and the accepted-and-ignored runtime choice. */
export type ExtensionSettings = Omit<ExtensionConfig, 'localEnv'> & { readonly runtime: string }

/** One row of the extension's settings table. */
export type ExtensionSetting = Setting<ExtensionSettings>

/** Accepted and ignored: the original chose a Tokio runtime with it; Node has one event loop. */
export const RUNTIME_VAR_NAME = 'LAMBDA_DISPATCH_RUNTIME'

/** aws-lambda-web-adapter's "min unhealthy status": every status from 100 up to, not including, it is healthy. */
const LWA_MIN_UNHEALTHY_STATUS = 'AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS'

type FieldsOf<T> = {
  [K in keyof ExtensionSettings]: ExtensionSettings[K] extends T ? K : never
}[keyof ExtensionSettings]

function setting<K extends keyof ExtensionSettings>(
  field: K,
  options: SettingOptions<ExtensionSettings, K>,
): ExtensionSetting {
  return defineSetting<ExtensionSettings, K>(field, options)
}

function duration(env: string, field: FieldsOf<number>, defaultMs: number, minMs = 0): ExtensionSetting {
  const parse = durationIn(minMs, MAX_TIMER_MS)
  return setting(field, { env: [env], unit: 'duration', default: defaultMs, parse, format: formatDurationMs })
}

function optionalDuration(env: string, field: FieldsOf<number | undefined>, minMs = 0): ExtensionSetting {
  const parse = durationIn(minMs, MAX_TIMER_MS)
  return setting(field, { env: [env], unit: 'duration', parse, format: formatDurationMs })
}

function seconds(env: string, field: FieldsOf<number | undefined>, defaultMs?: number): ExtensionSetting {
  const parse = secondsUpTo(MAX_TIMER_MS)
  return setting(field, { env: [env], unit: 'seconds', default: defaultMs, parse, format: formatDurationMs })
}

function integer(env: readonly string[], field: FieldsOf<number>, defaultValue: number, min: number, max: number) {
  return setting(field, { env, unit: `integer ${min}–${max}`, default: defaultValue, parse: integerIn(min, max) })
}

function onOff(env: readonly string[], field: FieldsOf<boolean>, defaultValue: boolean): ExtensionSetting {
  return setting(field, { env, unit: 'true|false', default: defaultValue, parse: parseBoolean, isSwitch: true })
}

function size(env: string, field: FieldsOf<number>, defaultBytes: number, min: number, max: number) {
  const parse = bytesIn(min, max)
  return setting(field, { env: [env], unit: 'size', default: defaultBytes, parse, format: formatBytes })
}

function statusRanges(text: string): Parsed<readonly StatusRange[]> {
  const ranges = parseStatusRanges(text)
  return ranges === undefined ? bad('must be status codes or ranges, e.g. "200-299" or "200-399,404"') : ok(ranges)
}

function formatStatusRanges(ranges: readonly StatusRange[]): string {
  return ranges.map((range) => (range.min === range.max ? `${range.min}` : `${range.min}-${range.max}`)).join(',')
}

/** LWA's AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS: every status from 100 up to, not including, `minUnhealthy`. */
function belowStatus(minUnhealthy: number): readonly StatusRange[] {
  return Object.freeze([{ min: 100, max: minUnhealthy - 1 }])
}

/**
 * Every setting, the Runtime API first. Where a row lists aws-lambda-web-adapter's names after ours, they are read
 * when ours is absent, in that order. Blank values count as unset.
 */
export const EXTENSION_SETTINGS: readonly ExtensionSetting[] = Object.freeze([
  setting('runtimeApi', {
    env: ['AWS_LAMBDA_RUNTIME_API'],
    unit: 'host:port',
    required: 'host:port of the Lambda Runtime API, e.g. 127.0.0.1:9001',
    parse: textMatching(/^[^\s/]+:\d{1,5}$/, 'host:port, e.g. 127.0.0.1:9001'),
  }),
  setting('runtime', {
    env: [RUNTIME_VAR_NAME],
    unit: 'default_multi_thread | multi_thread | current_thread',
    default: 'current_thread',
    parse: oneOf(['default_multi_thread', 'multi_thread', 'current_thread']),
  }),
  setting('extensionName', {
    env: ['LAMBDA_DISPATCH_EXTENSION_NAME'],
    unit: 'file name',
    default: 'lambda-dispatch',
    parse: textMatching(/^[A-Za-z0-9._-]{1,128}$/, 'a file name'),
  }),
  integer(['LAMBDA_DISPATCH_PORT', 'AWS_LWA_PORT', 'PORT'], 'appPort', DEFAULT_APP_PORT, 1, 65535),
  setting('readinessProtocol', {
    env: ['LAMBDA_DISPATCH_READINESS_PROTOCOL', 'AWS_LWA_READINESS_CHECK_PROTOCOL'],
    unit: 'http | tcp',
    default: 'http',
    parse: oneOf(['http', 'tcp'] as const),
  }),
  setting('readinessPath', {
    env: ['LAMBDA_DISPATCH_READINESS_PATH', 'AWS_LWA_READINESS_CHECK_PATH'],
    unit: 'path',
    default: '/health',
    parse: textMatching(/^\/\S*$/, 'a path starting with "/"'),
  }),
  setting('readinessStatus', {
    env: ['LAMBDA_DISPATCH_READINESS_STATUS', LWA_MIN_UNHEALTHY_STATUS],
    unit: 'status codes or ranges',
    default: Object.freeze([{ min: 200, max: 299 }]),
    parse: statusRanges,
    envParse: { [LWA_MIN_UNHEALTHY_STATUS]: mapParsed(integerIn(101, 599), belowStatus) },
    format: formatStatusRanges,
  }),
  // Lambda's init phase is 10 s: a probe cannot usefully wait longer, and a slow health route answers once.
  duration('LAMBDA_DISPATCH_READINESS_PROBE_TIMEOUT_MS', 'readinessProbeTimeoutMs', 10_000, 1),
  optionalDuration('LAMBDA_DISPATCH_INIT_TIMEOUT_MS', 'initTimeoutMs', 1),
  onOff(['LAMBDA_DISPATCH_READINESS_HINT'], 'readinessHint', false),
  onOff(['LAMBDA_DISPATCH_ASYNC_INIT', 'AWS_LWA_ASYNC_INIT'], 'asyncInit', false),
  seconds('LAMBDA_DISPATCH_ASYNC_INIT_TIMEOUT', 'asyncInitTimeoutMs', 10_000),
  duration('LAMBDA_DISPATCH_INIT_PHASE_BUDGET_MS', 'initPhaseBudgetMs', 9_800),
  onOff(['LAMBDA_DISPATCH_ENABLE_COMPRESSION', 'AWS_LWA_ENABLE_COMPRESSION'], 'compression', true),
  seconds('LAMBDA_DISPATCH_FORCE_DEADLINE', 'forceDeadlineMs'),
  // 250 ms like the original: an idle environment costs GB-seconds every millisecond it stays, while leaving and
  // being invoked again costs one request fee (about 80x less than one idle second at 1 GB); the router decides
  // how many instances it wants, so the extension leaves early and cheaply.
  duration('LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS', 'lastActiveGraceMs', 250),
  seconds('AWS_LAMBDA_FUNCTION_TIMEOUT', 'functionTimeoutMs'),
  optionalDuration('LAMBDA_DISPATCH_DEADLINE_MARGIN_MS', 'deadlineMarginMs'),
  duration('LAMBDA_DISPATCH_CLOSE_DRAIN_TIMEOUT_MS', 'closeDrainTimeoutMs', 5_000),
  duration('LAMBDA_DISPATCH_PING_INTERVAL_MS', 'pingIntervalMs', 5_000, 1),
  duration('LAMBDA_DISPATCH_ROUTER_CONNECT_TIMEOUT_MS', 'routerConnectTimeoutMs', 1_000, 1),
  integer(['LAMBDA_DISPATCH_ROUTER_CONNECT_ATTEMPTS'], 'routerConnectAttempts', 3, 1, 20),
  duration('LAMBDA_DISPATCH_ROUTER_HEADERS_TIMEOUT_MS', 'routerHeadersTimeoutMs', 2_000, 1),
  duration('LAMBDA_DISPATCH_ROUTER_PING_TIMEOUT_MS', 'routerPingTimeoutMs', 1_000, 1),
  onOff(['LAMBDA_DISPATCH_ROUTER_TLS_VERIFY'], 'routerTlsVerify', false),
  size('LAMBDA_DISPATCH_STREAM_WINDOW', 'streamWindowBytes', 4 * 1024 * 1024, 65_535, 2 ** 31 - 1),
  size('LAMBDA_DISPATCH_SESSION_WINDOW', 'sessionWindowBytes', 32 * 1024 * 1024, 65_535, 2 ** 31 - 1),
  integer(['LAMBDA_DISPATCH_MAX_SESSION_MEMORY_MB'], 'maxSessionMemoryMb', 64, 1, 4096),
  // Below Node's default server keep-alive (5 s), so the pool never reuses a socket the app is closing.
  duration('LAMBDA_DISPATCH_APP_KEEP_ALIVE_TIMEOUT_MS', 'appKeepAliveTimeoutMs', 4_000, 1),
  duration('LAMBDA_DISPATCH_APP_CONNECT_TIMEOUT_MS', 'appConnectTimeoutMs', 2_000, 1),
  size('LAMBDA_DISPATCH_MAX_HEAD_BYTES', 'maxHeadBytes', DEFAULT_HEAD_LIMITS.maxHeadBytes, 1024, 16 * 1024 * 1024),
  integer(['LAMBDA_DISPATCH_MAX_HEADER_COUNT'], 'maxHeaderCount', DEFAULT_HEAD_LIMITS.maxHeaderCount, 1, 10_000),
  setting('logLevel', {
    env: ['LAMBDA_DISPATCH_LOG_LEVEL'],
    unit: LOG_LEVELS.join(' | '),
    default: 'info' as LogLevel,
    parse: oneOf(LOG_LEVELS),
  }),
  onOff(['LAMBDA_DISPATCH_FORWARD_INTERNAL_HEADERS'], 'forwardInternalHeaders', false),
  // aws-lambda-web-adapter's default, so an app written for its pass-through works unchanged.
  setting('passThroughPath', {
    env: ['LAMBDA_DISPATCH_PASS_THROUGH_PATH', 'AWS_LWA_PASS_THROUGH_PATH'],
    unit: 'path',
    default: '/events',
    parse: textMatching(/^\/\S*$/, 'a path starting with "/"'),
  }),
])
