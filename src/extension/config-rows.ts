// Pure. The extension's configuration type and the builders of its settings table's rows (config-settings.ts): one
// per kind of value (duration, seconds, integer, switch, size, status ranges), each with its unit, parser and
// formatter (src/common/settings). No I/O.
import {
  bad,
  bytesIn,
  defineSetting,
  durationIn,
  formatBytes,
  formatDurationMs,
  integerIn,
  type LogLevel,
  MAX_TIMER_MS,
  ok,
  type Parsed,
  parseBoolean,
  type Setting,
  type SettingOptions,
  secondsUpTo,
} from '../common/index.js'
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

type FieldsOf<T> = {
  [K in keyof ExtensionSettings]: ExtensionSettings[K] extends T ? K : never
}[keyof ExtensionSettings]

export function setting<K extends keyof ExtensionSettings>(
  field: K,
  options: SettingOptions<ExtensionSettings, K>,
): ExtensionSetting {
  return defineSetting<ExtensionSettings, K>(field, options)
}

export function duration(
  env: string,
  field: FieldsOf<number>,
  defaultMs: number,
  minMs: number,
  description: string,
): ExtensionSetting {
  const parse = durationIn(minMs, MAX_TIMER_MS)
  return setting(field, {
    env: [env],
    unit: 'duration',
    default: defaultMs,
    description,
    parse,
    format: formatDurationMs,
  })
}

export function optionalDuration(
  env: string,
  field: FieldsOf<number | undefined>,
  minMs: number,
  description: string,
): ExtensionSetting {
  const parse = durationIn(minMs, MAX_TIMER_MS)
  return setting(field, { env: [env], unit: 'duration', description, parse, format: formatDurationMs })
}

export function seconds(
  env: string,
  field: FieldsOf<number | undefined>,
  defaultMs: number | undefined,
  description: string,
): ExtensionSetting {
  const parse = secondsUpTo(MAX_TIMER_MS)
  return setting(field, {
    env: [env],
    unit: 'seconds',
    default: defaultMs,
    description,
    parse,
    format: formatDurationMs,
  })
}

export function integer(
  env: readonly string[],
  field: FieldsOf<number>,
  defaultValue: number,
  [min, max]: readonly [number, number],
  description: string,
): ExtensionSetting {
  const parse = integerIn(min, max)
  return setting(field, { env, unit: `integer ${min}–${max}`, default: defaultValue, description, parse })
}

export function onOff(
  env: readonly string[],
  field: FieldsOf<boolean>,
  defaultValue: boolean,
  description: string,
): ExtensionSetting {
  return setting(field, {
    env,
    unit: 'true|false',
    default: defaultValue,
    description,
    parse: parseBoolean,
    isSwitch: true,
  })
}

export function size(
  env: string,
  field: FieldsOf<number>,
  defaultBytes: number,
  [min, max]: readonly [number, number],
  description: string,
): ExtensionSetting {
  const parse = bytesIn(min, max)
  return setting(field, { env: [env], unit: 'size', default: defaultBytes, description, parse, format: formatBytes })
}

export function statusRanges(text: string): Parsed<readonly StatusRange[]> {
  const ranges = parseStatusRanges(text)
  return ranges === undefined ? bad('must be status codes or ranges, e.g. "200-299" or "200-399,404"') : ok(ranges)
}

export function formatStatusRanges(ranges: readonly StatusRange[]): string {
  return ranges.map((range) => (range.min === range.max ? `${range.min}` : `${range.min}-${range.max}`)).join(',')
}

/** LWA's AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS: every status from 100 up to, not including, `minUnhealthy`. */
export function belowStatus(minUnhealthy: number): readonly StatusRange[] {
  return Object.freeze([{ min: 100, max: minUnhealthy - 1 }])
}
