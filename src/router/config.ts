// The router's configuration: the RouterConfig type, its defaults, and loadRouterConfig(env, argv), which
// validates everything once and reports every bad setting in one ConfigError.
// Pure: reads only the env object and argv it is given; files named here are read at start, not now.
import { ConfigError, closestName, type LogLevel } from '../common/index.js'
import {
  DEFAULT_CONTROL_H2C_PORT,
  DEFAULT_CONTROL_TLS_PORT,
  DEFAULT_FRONT_DOOR_HTTP_PORT,
  DEFAULT_FRONT_DOOR_HTTPS_PORT,
  DEFAULT_HEAD_LIMITS,
} from '../protocol/index.js'
import { boolean, ENV_PREFIX, ROUTER_SETTINGS, type RouterSetting } from './config-settings.js'
import { type PoolInstanceLimit, unknownPoolNames } from './pool-instance-limits.js'

export { ENV_PREFIX, isValidFunctionReference, ROUTER_SETTINGS, type RouterSetting } from './config-settings.js'

/** The validated, frozen configuration of one router. Units are in the names; durations are ms, sizes bytes. */
export interface RouterConfig {
  /** Default pool's function: name, name:qualifier or ARN (`FunctionName`). */
  readonly functionName: string
  readonly maxConcurrentCount: number
  /** Resolved: `ChannelCount=-1` becomes min(2 × MaxConcurrentCount, 100). */
  readonly channelCount: number
  readonly instanceCountMultiplier: number
  readonly incomingRequestHttpPort: number
  readonly incomingRequestHttpsPort: number
  readonly controlChannelInsecureHttp2Port: number
  readonly controlChannelHttp2Port: number
  readonly allowInsecureControlChannel: boolean
  readonly preferredControlChannelScheme: 'http' | 'https'
  readonly routerCallbackHost: string | undefined
  readonly envVarForCallbackIp: string
  /** `IncomingRequestTimeout`: the longest a request waits in the queue for a channel. */
  readonly queueTimeoutMs: number
  readonly scalingAlgorithm: 'simple' | 'ewma'
  readonly cloudWatchMetricsEnabled: boolean
  readonly logPeriodicMetrics: boolean
  /** Address every listener binds; undefined binds all interfaces. */
  readonly listenHost: string | undefined
  /** Values of X-Lambda-Name that get a pool of their own. */
  readonly allowedLambdaNames: readonly string[]
  readonly queueLimit: number
  readonly responseHeadTimeoutMs: number
  readonly bodyIdleTimeoutMs: number
  readonly instanceStartTimeoutMs: number
  /** Limits of every pool without its own entry in `poolInstanceLimits`. */
  readonly minInstances: number
  readonly maxInstances: number
  /** Per-pool MinInstances/MaxInstances, by FunctionName (the default pool) or allow-listed name. */
  readonly poolInstanceLimits: readonly PoolInstanceLimit[]
  readonly maxInvokesPerMinute: number
  /** The function's own timeout; invokes get this plus a margin as their HTTP request timeout. */
  readonly functionTimeoutMs: number
  readonly shutdownTimeoutMs: number
  readonly maxRequestHeadBytes: number
  readonly maxResponseHeadBytes: number
  readonly clientHeadersTimeoutMs: number
  /** 0: off (stalled uploads are bounded by the body idle timeout instead). */
  readonly clientRequestTimeoutMs: number
  readonly clientKeepAliveTimeoutMs: number
  /** Absolute time for a new plain connection's first bytes (protocol sniffing). */
  readonly clientPrefaceTimeoutMs: number
  /** Whole request body, from when a channel starts reading it; 0: off. */
  readonly requestBodyTimeoutMs: number
  /** Bytes per second; 0: off. */
  readonly minRequestBodyDataRate: number
  readonly minRequestBodyDataRateGraceMs: number
  /** Per client listener. */
  readonly maxConnections: number
  readonly maxStreamsPerConnection: number
  readonly trustForwardedHeaders: boolean
  readonly tlsCertPath: string | undefined
  readonly tlsKeyPath: string | undefined
  readonly pinControlChannelCertificate: boolean
  /** Admit control requests without a channel token (the original extension); a wrong token is refused anyway. */
  readonly allowUnauthenticatedChannels: boolean
  readonly exposeInternalHeaders: boolean
  readonly preWarmInvokes: boolean
  readonly logLevel: LogLevel
  readonly logFormat: 'json' | 'pretty'
  readonly accessLog: boolean
  /** Admin listener (health, readiness, metrics, dashboard); 0 picks a free port. */
  readonly adminPort: number
  /** Address the admin listener binds: loopback by default, whatever ListenHost says. */
  readonly adminHost: string
  /** Host names the admin listener answers besides IP literals, loopback names and adminHost (DNS rebinding). */
  readonly adminAllowedHosts: readonly string[]
  /** AWS region for Lambda invokes (AWS_REGION, else AWS_DEFAULT_REGION). */
  readonly awsRegion: string | undefined
  /** Lambda endpoint override, e.g. the local Lambda (AWS_ENDPOINT_URL_LAMBDA). */
  readonly lambdaEndpoint: string | undefined
}

/**
 * Defaults of every setting except FunctionName (required), as validated values. No I/O. Keys are RouterConfig
 * fields; each one's env var, flag and meaning are in ROUTER_SETTINGS and docs/router.md.
 */
export const ROUTER_DEFAULTS: Readonly<Omit<RouterConfig, 'functionName'>> = Object.freeze({
  maxConcurrentCount: 10,
  channelCount: -1,
  instanceCountMultiplier: 2,
  incomingRequestHttpPort: DEFAULT_FRONT_DOOR_HTTP_PORT,
  incomingRequestHttpsPort: DEFAULT_FRONT_DOOR_HTTPS_PORT,
  controlChannelInsecureHttp2Port: DEFAULT_CONTROL_H2C_PORT,
  controlChannelHttp2Port: DEFAULT_CONTROL_TLS_PORT,
  allowInsecureControlChannel: false,
  preferredControlChannelScheme: 'https',
  routerCallbackHost: undefined,
  envVarForCallbackIp: 'K8S_POD_IP',
  queueTimeoutMs: 120_000,
  scalingAlgorithm: 'simple',
  cloudWatchMetricsEnabled: false,
  logPeriodicMetrics: false,
  listenHost: undefined,
  allowedLambdaNames: Object.freeze([]),
  queueLimit: 1000,
  responseHeadTimeoutMs: 120_000,
  bodyIdleTimeoutMs: 120_000,
  instanceStartTimeoutMs: 30_000,
  minInstances: 0,
  maxInstances: 20,
  poolInstanceLimits: Object.freeze([]),
  maxInvokesPerMinute: 300,
  functionTimeoutMs: 15 * 60_000,
  shutdownTimeoutMs: 20_000,
  maxRequestHeadBytes: DEFAULT_HEAD_LIMITS.maxHeadBytes,
  maxResponseHeadBytes: DEFAULT_HEAD_LIMITS.maxHeadBytes,
  clientHeadersTimeoutMs: 60_000,
  clientRequestTimeoutMs: 0,
  clientKeepAliveTimeoutMs: 65_000,
  clientPrefaceTimeoutMs: 5_000,
  requestBodyTimeoutMs: 10 * 60_000,
  minRequestBodyDataRate: 240,
  minRequestBodyDataRateGraceMs: 5_000,
  maxConnections: 5_000,
  maxStreamsPerConnection: 100,
  trustForwardedHeaders: false,
  tlsCertPath: undefined,
  tlsKeyPath: undefined,
  pinControlChannelCertificate: true,
  allowUnauthenticatedChannels: false,
  exposeInternalHeaders: false,
  preWarmInvokes: false,
  logLevel: 'info',
  logFormat: 'json',
  accessLog: true,
  adminPort: 5005,
  adminHost: '127.0.0.1',
  adminAllowedHosts: Object.freeze([]),
  awsRegion: undefined,
  lambdaEndpoint: undefined,
})

/**
 * Reads every setting from `env` (LAMBDA_DISPATCH_<Key>, key case-insensitive as the original's binder allowed) and
 * `argv` (`--max-concurrent-count 20`, `--max-concurrent-count=20`, bare `--access-log` for on/off settings; flags win
 * over env), validates each and the rules between them, and returns a frozen RouterConfig. Throws one ConfigError
 * listing every problem, each naming the variable or flag, the accepted form and the value given.
 */
export function loadRouterConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = [],
): RouterConfig {
  const problems: string[] = []
  const fromArgv = parseArgv(argv, problems)
  const envLower = new Map<string, { name: string; value: string }>()
  for (const [name, value] of Object.entries(env)) {
    // The documented casing wins over another spelling of the same key.
    if (value !== undefined && !envLower.has(name.toLowerCase())) envLower.set(name.toLowerCase(), { name, value })
  }
  const values: Record<string, unknown> = { ...ROUTER_DEFAULTS, functionName: undefined }
  const given = new Set<keyof RouterConfig>()
  for (const spec of ROUTER_SETTINGS) {
    let source: { name: string; value: string } | undefined
    const flagged = fromArgv.get(spec.flag)
    if (flagged !== undefined) source = { name: spec.flag, value: flagged }
    else {
      for (const name of spec.env) {
        const exact = env[name]
        const found = exact !== undefined ? { name, value: exact } : envLower.get(name.toLowerCase())
        if (found !== undefined) {
          source = found
          break
        }
      }
    }
    if (source === undefined) continue
    given.add(spec.field)
    const parsed = spec.parse(source.value)
    if ('problem' in parsed) problems.push(`${source.name} ${parsed.problem}, got "${source.value}"`)
    else values[spec.field] = parsed.value
  }
  // Every value below is either a default or passed its setting's parser; the casts restate what was checked.
  const config = values as unknown as { -readonly [K in keyof RouterConfig]: RouterConfig[K] }
  const name = (field: keyof RouterConfig): string => {
    const spec = ROUTER_SETTINGS.find((candidate) => candidate.field === field) as RouterSetting
    return fromArgv.has(spec.flag) ? spec.flag : (spec.env[0] as string)
  }
  if (config.functionName === undefined && !given.has('functionName')) {
    problems.push(
      'LAMBDA_DISPATCH_FunctionName (or --function-name) is required: a function name, name:qualifier or ARN',
    )
  }
  if (config.channelCount === -1) config.channelCount = Math.min(2 * config.maxConcurrentCount, 100)
  else if (config.channelCount < config.maxConcurrentCount) {
    problems.push(
      `${name('channelCount')} must be -1 or at least MaxConcurrentCount (${config.maxConcurrentCount}), got "${config.channelCount}"`,
    )
  }
  if (config.preferredControlChannelScheme === 'http' && !config.allowInsecureControlChannel) {
    problems.push(
      `${name('preferredControlChannelScheme')} may be "http" only when ${name('allowInsecureControlChannel')} is true`,
    )
  }
  if (config.minInstances > config.maxInstances) {
    problems.push(
      `${name('minInstances')} (${config.minInstances}) must not exceed MaxInstances (${config.maxInstances})`,
    )
  }
  if ((config.tlsCertPath === undefined) !== (config.tlsKeyPath === undefined)) {
    problems.push(`${name('tlsCertPath')} and ${name('tlsKeyPath')} must be set together`)
  }
  if (config.clientRequestTimeoutMs > 0 && config.clientRequestTimeoutMs < config.clientHeadersTimeoutMs) {
    problems.push(
      `${name('clientRequestTimeoutMs')} must be 0 or at least ClientHeadersTimeout (${config.clientHeadersTimeoutMs} ms)`,
    )
  }
  if (config.functionName !== undefined && config.allowedLambdaNames.includes(config.functionName)) {
    problems.push(
      `${name('allowedLambdaNames')} must not repeat FunctionName "${config.functionName}": it is the default pool`,
    )
  }
  if (config.functionName !== undefined) {
    const unknown = unknownPoolNames(config.poolInstanceLimits, config.functionName, config.allowedLambdaNames)
    if (unknown.length > 0) {
      problems.push(
        `${name('poolInstanceLimits')} names ${unknown.map((pool) => `"${pool}"`).join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} neither FunctionName nor on AllowedLambdaNames`,
      )
    }
  }
  problems.push(...portConflicts(config))
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze(config)
}

/** The listeners this configuration opens, by name and port (port 0 may repeat: each picks its own). */
export function openedPorts(config: RouterConfig): { readonly key: string; readonly port: number }[] {
  const ports = [{ key: 'IncomingRequestHTTPPort', port: config.incomingRequestHttpPort }]
  if (config.tlsCertPath !== undefined)
    ports.push({ key: 'IncomingRequestHTTPSPort', port: config.incomingRequestHttpsPort })
  if (config.allowInsecureControlChannel) {
    ports.push({ key: 'ControlChannelInsecureHTTP2Port', port: config.controlChannelInsecureHttp2Port })
  }
  if (usesTlsControlChannel(config))
    ports.push({ key: 'ControlChannelHTTP2Port', port: config.controlChannelHttp2Port })
  ports.push({ key: 'AdminPort', port: config.adminPort })
  return ports
}

/** Whether the TLS control listener opens: it is advertised (https preferred) or a certificate was given. */
export function usesTlsControlChannel(config: RouterConfig): boolean {
  return config.preferredControlChannelScheme === 'https' || config.tlsCertPath !== undefined
}

function portConflicts(config: RouterConfig): string[] {
  const seen = new Map<number, string>()
  const problems: string[] = []
  for (const { key, port } of openedPorts(config)) {
    if (port === 0) continue
    const other = seen.get(port)
    if (other) problems.push(`${ENV_PREFIX}${key} and ${ENV_PREFIX}${other} both use port ${port}`)
    else seen.set(port, key)
  }
  return problems
}

function parseArgv(argv: readonly string[], problems: string[]): Map<string, string> {
  const byFlag = new Map(ROUTER_SETTINGS.map((spec) => [spec.flag, spec]))
  const values = new Map<string, string>()
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string
    const equals = arg.indexOf('=')
    const flagName = equals === -1 ? arg : arg.slice(0, equals)
    const spec = byFlag.get(flagName)
    if (spec === undefined) {
      const closest = flagName.startsWith('--') ? closestName(flagName, byFlag.keys()) : undefined
      problems.push(`unknown option "${arg}"${closest === undefined ? '' : `: did you mean ${closest}?`} (see --help)`)
      continue
    }
    if (equals !== -1) {
      values.set(flagName, arg.slice(equals + 1))
      continue
    }
    const next = argv[index + 1]
    if (spec.boolean && (next === undefined || next.startsWith('--') || 'problem' in boolean(next))) {
      values.set(flagName, 'true')
      continue
    }
    if (next === undefined) {
      problems.push(`${flagName} needs a value (${spec.unit})`)
      continue
    }
    values.set(flagName, next)
    index++
  }
  return values
}
