// The router's configuration: its defaults (derived from the settings table) and loadRouterConfig(env, argv), which
// reads the table, checks the rules between settings, and reports every bad setting in one ConfigError.
// Pure: reads only the env object and argv it is given; files named here are read at start, not now.
import { ConfigError, loadSettings, settingDefaults } from '../common/index.js'
import { ENV_PREFIX, ROUTER_SETTINGS, type RouterConfig } from './config-settings.js'
import { unknownPoolNames } from './pool-instance-limits.js'

export {
  ENV_PREFIX,
  isValidFunctionReference,
  ROUTER_SETTINGS,
  type RouterConfig,
  type RouterSetting,
} from './config-settings.js'

/**
 * Defaults of every setting except FunctionName (required), as validated values, derived from ROUTER_SETTINGS. No
 * I/O. Keys are RouterConfig fields; each one's env var, flag and meaning are in ROUTER_SETTINGS and docs/router.md.
 */
export const ROUTER_DEFAULTS = settingDefaults(ROUTER_SETTINGS) as Readonly<Omit<RouterConfig, 'functionName'>>

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
  const loaded = loadSettings(ROUTER_SETTINGS, env, argv, { blankIsUnset: false, ignoreEnvCase: true })
  const problems = loaded.problems
  const name = loaded.nameOf
  // Every value below is either a default or passed its setting's parser; the cast restates what was checked.
  const config = { ...loaded.values } as { -readonly [K in keyof RouterConfig]: RouterConfig[K] }
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
