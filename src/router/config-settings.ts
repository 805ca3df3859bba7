// The router's settings table: for each setting its env var, CLI flag, unit, default and meaning, and the parser
// that checks it. config.ts reads and cross-checks them; --help and docs/router.md list them. Pure.
import { LOG_LEVELS, parseBytes, parseDurationMs } from '../common/index.js'
import {
  DEFAULT_CONTROL_H2C_PORT,
  DEFAULT_CONTROL_TLS_PORT,
  DEFAULT_FRONT_DOOR_HTTP_PORT,
  DEFAULT_FRONT_DOOR_HTTPS_PORT,
  DEFAULT_POOL_ID,
} from '../protocol/index.js'
import type { RouterConfig } from './config.js'
import { MAX_INSTANCES_LIMIT, parsePoolInstanceLimits } from './pool-instance-limits.js'

/** One row of the settings table: where a value comes from, what it means, how it is checked. */
export interface RouterSetting {
  /** The original's PascalCase key (`MaxConcurrentCount`); the env var is `LAMBDA_DISPATCH_<key>` unless `env` says otherwise. */
  readonly key: string
  readonly field: keyof RouterConfig
  /** Environment variable names, first wins. */
  readonly env: readonly string[]
  /** CLI flag, kebab-case of the key. */
  readonly flag: string
  /** Unit or accepted form, for --help and docs/router.md. */
  readonly unit: string
  /** The default as a user would write it ('' when there is none). */
  readonly defaultText: string
  readonly description: string
  /** True for on/off settings: the flag may stand alone (`--access-log`). */
  readonly boolean?: true
  /** Turns the raw text into the value, or returns a problem ("must be …"); never throws. */
  readonly parse: (text: string) => { readonly value: unknown } | { readonly problem: string }
}

export const ENV_PREFIX = 'LAMBDA_DISPATCH_'

// The original LambdaArnParser patterns (original-router.md §4): name, name:qualifier, full ARN (partition aws).
const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/
const FUNCTION_NAME_QUALIFIER = /^[a-zA-Z0-9-_]{1,64}:([a-zA-Z0-9-_]{1,128}|\$LATEST)$/
const FUNCTION_ARN =
  /^arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:[a-zA-Z0-9-_]{1,64}(:[a-zA-Z0-9-_]{1,128}|:\$LATEST)?$/
const ENV_VAR_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** A Lambda function reference the original accepted: name, name:qualifier, or ARN with optional qualifier. */
export function isValidFunctionReference(value: string): boolean {
  return FUNCTION_NAME.test(value) || FUNCTION_NAME_QUALIFIER.test(value) || FUNCTION_ARN.test(value)
}

type Parsed = { readonly value: unknown } | { readonly problem: string }

const ok = (value: unknown): Parsed => ({ value })
const bad = (problem: string): Parsed => ({ problem })

function integer(min: number, max: number, extra?: string): (text: string) => Parsed {
  return (text) => {
    const value = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
    return Number.isSafeInteger(value) && value >= min && value <= max
      ? ok(value)
      : bad(`must be an integer ${min}–${max}${extra ? ` (${extra})` : ''}`)
  }
}

const port = integer(0, 65535, '0 picks a free port')

/** Parses true/false (any case) and 1/0. */
export function boolean(text: string): Parsed {
  switch (text.trim().toLowerCase()) {
    case 'true':
    case '1':
      return ok(true)
    case 'false':
    case '0':
      return ok(false)
    default:
      return bad('must be true or false')
  }
}

function duration(minMs: number, maxMs: number): (text: string) => Parsed {
  return (text) => {
    const value = parseDurationMs(text)
    return value !== undefined && value >= minMs && value <= maxMs
      ? ok(value)
      : bad(`must be a duration ${describeMs(minMs)}–${describeMs(maxMs)} like 250ms, 30s, 2m or 00:02:00`)
  }
}

function bytes(min: number, max: number): (text: string) => Parsed {
  return (text) => {
    const value = parseBytes(text)
    return value !== undefined && value >= min && value <= max
      ? ok(value)
      : bad(`must be a size ${min}–${max} bytes like 65536, 64KiB or 1MiB`)
  }
}

function oneOf<T extends string>(choices: readonly T[]): (text: string) => Parsed {
  return (text) => {
    const lower = text.trim().toLowerCase()
    const choice = choices.find((candidate) => candidate === lower)
    return choice === undefined ? bad(`must be one of ${choices.join(', ')}`) : ok(choice)
  }
}

function requiredText(text: string): Parsed {
  const trimmed = text.trim()
  return trimmed === '' ? bad('must not be empty') : ok(trimmed)
}

function optionalText(text: string): Parsed {
  const trimmed = text.trim()
  return ok(trimmed === '' ? undefined : trimmed)
}

function functionReference(text: string): Parsed {
  const trimmed = text.trim()
  return isValidFunctionReference(trimmed)
    ? ok(trimmed)
    : bad('must be a function name, name:qualifier or ARN (arn:aws:lambda:<region>:<account>:function:<name>)')
}

function functionList(text: string): Parsed {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
  const invalid = names.filter((name) => !isValidFunctionReference(name) || name === DEFAULT_POOL_ID)
  return invalid.length > 0
    ? bad(`must be a comma-separated list of function names, name:qualifier or ARNs; not valid: ${invalid.join(', ')}`)
    : ok(Object.freeze([...new Set(names)]))
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i

function hostList(text: string): Parsed {
  const names = text
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
  const invalid = names.filter((name) => !HOST_NAME.test(name))
  return invalid.length > 0
    ? bad(`must be a comma-separated list of host names; not valid: ${invalid.join(', ')}`)
    : ok(Object.freeze([...new Set(names)]))
}

function envVarName(text: string): Parsed {
  const trimmed = text.trim()
  return trimmed === '' || ENV_VAR_NAME.test(trimmed)
    ? ok(trimmed)
    : bad('must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)')
}

function url(text: string): Parsed {
  const trimmed = text.trim()
  if (trimmed === '') return ok(undefined)
  return URL.canParse(trimmed) && /^https?:$/.test(new URL(trimmed).protocol)
    ? ok(trimmed)
    : bad('must be an http:// or https:// URL')
}

function describeMs(ms: number): string {
  if (ms === 0) return '0'
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

function kebab(key: string): string {
  return `--${key
    .replace(/HTTPS/g, 'Https')
    .replace(/HTTP/g, 'Http')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()}`
}

const DAY_MS = 86_400_000

function setting(
  key: string,
  field: keyof RouterConfig,
  unit: string,
  defaultText: string,
  description: string,
  parse: RouterSetting['parse'],
  options: { env?: readonly string[]; boolean?: true } = {},
): RouterSetting {
  return Object.freeze({
    key,
    field,
    env: options.env ?? [`${ENV_PREFIX}${key}`],
    flag: kebab(key),
    unit,
    defaultText,
    description,
    parse,
    ...(options.boolean ? { boolean: true as const } : {}),
  })
}

function flag(
  key: string,
  field: keyof RouterConfig,
  defaultValue: boolean,
  description: string,
  env?: readonly string[],
): RouterSetting {
  return setting(key, field, 'true|false', String(defaultValue), description, boolean, {
    boolean: true,
    ...(env ? { env } : {}),
  })
}

/** Every setting, in the order --help and docs/router.md list them. The first 16 are the original router's. */
export const ROUTER_SETTINGS: readonly RouterSetting[] = Object.freeze([
  setting(
    'FunctionName',
    'functionName',
    'name | name:qualifier | ARN',
    '(required)',
    'Lambda function of the default pool.',
    functionReference,
  ),
  setting(
    'MaxConcurrentCount',
    'maxConcurrentCount',
    'integer 1–100',
    '10',
    'Requests one Lambda instance serves at once.',
    integer(1, 100),
  ),
  setting(
    'ChannelCount',
    'channelCount',
    'integer -1 or MaxConcurrentCount–100',
    '-1',
    'Channels each instance opens back; -1 means min(2 × MaxConcurrentCount, 100). Channels beyond MaxConcurrentCount are spares.',
    integer(-1, 100),
  ),
  setting(
    'InstanceCountMultiplier',
    'instanceCountMultiplier',
    'integer 1–10',
    '2',
    'Scaling target per instance is ceil(MaxConcurrentCount / InstanceCountMultiplier).',
    integer(1, 10),
  ),
  setting(
    'IncomingRequestHTTPPort',
    'incomingRequestHttpPort',
    'port',
    String(DEFAULT_FRONT_DOOR_HTTP_PORT),
    'Client port: HTTP/1.1 and h2c (prior knowledge) together.',
    port,
  ),
  setting(
    'IncomingRequestHTTPSPort',
    'incomingRequestHttpsPort',
    'port',
    String(DEFAULT_FRONT_DOOR_HTTPS_PORT),
    'Client HTTPS port (ALPN h2 and http/1.1); open only when TlsCertPath and TlsKeyPath are set.',
    port,
  ),
  setting(
    'ControlChannelInsecureHTTP2Port',
    'controlChannelInsecureHttp2Port',
    'port',
    String(DEFAULT_CONTROL_H2C_PORT),
    'Control channel, h2c with prior knowledge; open only when AllowInsecureControlChannel is true.',
    port,
  ),
  setting(
    'ControlChannelHTTP2Port',
    'controlChannelHttp2Port',
    'port',
    String(DEFAULT_CONTROL_TLS_PORT),
    'Control channel over TLS (ALPN h2); open when PreferredControlChannelScheme is https or a certificate is set.',
    port,
  ),
  flag(
    'AllowInsecureControlChannel',
    'allowInsecureControlChannel',
    false,
    'Open the h2c control port (ControlChannelInsecureHTTP2Port).',
  ),
  setting(
    'PreferredControlChannelScheme',
    'preferredControlChannelScheme',
    'http | https',
    'https',
    'Scheme (and so port) advertised to Lambdas in DispatcherUrl; http requires AllowInsecureControlChannel.',
    oneOf(['http', 'https'] as const),
  ),
  setting(
    'RouterCallbackHost',
    'routerCallbackHost',
    'host or IP',
    '(discovered)',
    'Host Lambdas call back; when empty it comes from EnvVarForCallbackIp, ECS task metadata, EC2 metadata, or 127.0.0.1.',
    optionalText,
  ),
  setting(
    'EnvVarForCallbackIp',
    'envVarForCallbackIp',
    'env var name',
    'K8S_POD_IP',
    'Name of the environment variable holding the callback IP (e.g. the pod IP from the downward API).',
    envVarName,
  ),
  setting(
    'IncomingRequestTimeout',
    'queueTimeoutMs',
    'duration',
    '2m',
    'Longest a request waits in the queue for a free channel; then 504. (The original ignored this setting.)',
    duration(1, DAY_MS),
  ),
  setting(
    'ScalingAlgorithm',
    'scalingAlgorithm',
    'simple | ewma',
    'simple',
    'How the desired instance count is computed (any letter case).',
    oneOf(['simple', 'ewma'] as const),
  ),
  flag('CloudWatchMetricsEnabled', 'cloudWatchMetricsEnabled', false, 'Write CloudWatch EMF metrics to stdout.'),
  flag(
    'LogPeriodicMetrics',
    'logPeriodicMetrics',
    false,
    'Log a metrics summary periodically. Accepted for compatibility; Prometheus metrics replace it.',
  ),
  setting('ListenHost', 'listenHost', 'IP address', '(all interfaces)', 'Address every listener binds.', optionalText),
  setting(
    'AllowedLambdaNames',
    'allowedLambdaNames',
    'comma list of functions',
    '(none)',
    'Values of the X-Lambda-Name header that select a pool of their own; any other value gets 403.',
    functionList,
  ),
  setting(
    'QueueLimit',
    'queueLimit',
    'integer 0–1000000',
    '1000',
    'Requests that may wait per pool; beyond it clients get 503 with Retry-After.',
    integer(0, 1_000_000),
  ),
  setting(
    'ResponseHeadTimeout',
    'responseHeadTimeoutMs',
    'duration',
    '2m',
    'Longest wait for the app to start its response once the request head is written; then 504.',
    duration(1, DAY_MS),
  ),
  setting(
    'BodyIdleTimeout',
    'bodyIdleTimeoutMs',
    'duration',
    '2m',
    'Longest time no body byte moves either way during an exchange; then the exchange is aborted.',
    duration(1, DAY_MS),
  ),
  setting(
    'InstanceStartTimeout',
    'instanceStartTimeoutMs',
    'duration',
    '30s',
    'Longest an invoked instance may take to open its first channel before it is counted as failed.',
    duration(1, DAY_MS),
  ),
  setting(
    'MinInstances',
    'minInstances',
    `integer 0–${MAX_INSTANCES_LIMIT}`,
    '0',
    'Instances kept up per pool, even idle.',
    integer(0, MAX_INSTANCES_LIMIT),
  ),
  setting(
    'MaxInstances',
    'maxInstances',
    `integer 1–${MAX_INSTANCES_LIMIT}`,
    '20',
    'Most instances per pool, starting or serving: the cost cap.',
    integer(1, MAX_INSTANCES_LIMIT),
  ),
  setting(
    'PoolInstanceLimits',
    'poolInstanceLimits',
    'name=min:max[,name=min:max…]',
    '(none)',
    'MinInstances and MaxInstances for named pools: FunctionName (the default pool) or an AllowedLambdaNames entry.',
    parsePoolInstanceLimits,
  ),
  setting(
    'MaxInvokesPerMinute',
    'maxInvokesPerMinute',
    'integer 1–100000',
    '300',
    'Sustained invoke rate limit per pool, whatever the Lambdas do.',
    integer(1, 100_000),
  ),
  setting(
    'FunctionTimeout',
    'functionTimeoutMs',
    'duration',
    '15m',
    "The Lambda function's configured timeout; each invoke's HTTP timeout is this plus a margin.",
    duration(1000, 15 * 60_000),
  ),
  setting(
    'ShutdownTimeout',
    'shutdownTimeoutMs',
    'duration',
    '20s',
    'On SIGTERM/SIGINT, how long queued and in-flight requests may take to finish before they are cut off.',
    duration(0, DAY_MS),
  ),
  setting(
    'MaxRequestHeadBytes',
    'maxRequestHeadBytes',
    'size',
    '64KiB',
    'Largest client request head; over it the client gets 431 (HTTP/2: the stream is refused).',
    bytes(1024, 16 * 1024 * 1024),
  ),
  setting(
    'MaxResponseHeadBytes',
    'maxResponseHeadBytes',
    'size',
    '64KiB',
    'Largest response head accepted from the app; over it the client gets 502.',
    bytes(1024, 16 * 1024 * 1024),
  ),
  setting(
    'ClientHeadersTimeout',
    'clientHeadersTimeoutMs',
    'duration',
    '60s',
    'Time a client has to send a complete request head; then 408 and the connection closes.',
    duration(1, DAY_MS),
  ),
  setting(
    'ClientRequestTimeout',
    'clientRequestTimeoutMs',
    'duration',
    '0',
    'Time a client has to send its whole request, body included; 0 turns it off (BodyIdleTimeout still applies).',
    duration(0, DAY_MS),
  ),
  setting(
    'ClientKeepAliveTimeout',
    'clientKeepAliveTimeoutMs',
    'duration',
    '65s',
    'Idle time before a client connection is closed, between requests or before its first; above the 60 s idle timeout of an AWS ALB, so the ALB closes first.',
    duration(1, DAY_MS),
  ),
  setting(
    'ClientPrefaceTimeout',
    'clientPrefaceTimeoutMs',
    'duration',
    '5s',
    'Time a new plain connection has, from its first byte, to show whether it speaks HTTP/1.1 or h2c; then it is closed.',
    duration(1, DAY_MS),
  ),
  setting(
    'RequestBodyTimeout',
    'requestBodyTimeoutMs',
    'duration',
    '10m',
    'Time a client has to send its whole request body once a channel reads it; then 408 and the channel is released. 0 turns it off.',
    duration(0, DAY_MS),
  ),
  setting(
    'MinRequestBodyDataRate',
    'minRequestBodyDataRate',
    'bytes/s 0–1000000000',
    '240',
    'Slowest request body accepted, measured over MinRequestBodyDataRateGrace; slower gets 408 and the channel is released. 0 turns it off.',
    integer(0, 1_000_000_000),
  ),
  setting(
    'MinRequestBodyDataRateGrace',
    'minRequestBodyDataRateGraceMs',
    'duration',
    '5s',
    'Time before MinRequestBodyDataRate applies to a body, and the window it is measured over.',
    duration(1, DAY_MS),
  ),
  setting(
    'MaxConnections',
    'maxConnections',
    'integer 1–1000000',
    '5000',
    'Open client connections per client listener; further connections are closed at once.',
    integer(1, 1_000_000),
  ),
  setting(
    'MaxStreamsPerConnection',
    'maxStreamsPerConnection',
    'integer 1–10000',
    '100',
    'Requests one HTTP/2 client connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).',
    integer(1, 10_000),
  ),
  flag(
    'TrustForwardedHeaders',
    'trustForwardedHeaders',
    false,
    'Behind a load balancer: append to X-Forwarded-For, keep X-Forwarded-Proto/Host and Forwarded; false replaces them.',
  ),
  setting(
    'TlsCertPath',
    'tlsCertPath',
    'file path (PEM)',
    '(none)',
    'Certificate for the HTTPS client port and the TLS control channel; without it the control channel uses a self-signed one made at start.',
    optionalText,
  ),
  setting('TlsKeyPath', 'tlsKeyPath', 'file path (PEM)', '(none)', 'Private key for TlsCertPath.', optionalText),
  flag(
    'PinControlChannelCertificate',
    'pinControlChannelCertificate',
    true,
    "Send the control certificate's SHA-256 (RouterCertSha256) so the extension pins it; false for extensions that cannot pin.",
  ),
  flag(
    'AllowUnauthenticatedChannels',
    'allowUnauthenticatedChannels',
    false,
    'Admit control requests without the per-invoke channel token (the original Rust extension sends none); anyone who learns a live instance id can then open its channels.',
  ),
  flag(
    'ExposeInternalHeaders',
    'exposeInternalHeaders',
    false,
    'Let X-Lambda-Id and X-Channel-Id reach clients (debugging only).',
  ),
  flag(
    'PreWarmInvokes',
    'preWarmInvokes',
    false,
    "The original's init-only invoke beside each start, warming a spare environment; doubles invokes.",
  ),
  setting('LogLevel', 'logLevel', LOG_LEVELS.join(' | '), 'info', 'Least severe level logged.', oneOf(LOG_LEVELS)),
  setting(
    'LogFormat',
    'logFormat',
    'json | pretty',
    'json',
    'JSON lines, or human-readable output.',
    oneOf(['json', 'pretty'] as const),
  ),
  flag('AccessLog', 'accessLog', true, 'One info line per finished client request.'),
  setting(
    'AdminPort',
    'adminPort',
    'port',
    '5005',
    'Admin listener: /health, /ready, /metrics, the dashboard and its API (docs/observability.md).',
    port,
  ),
  setting(
    'AdminHost',
    'adminHost',
    'IP address',
    '127.0.0.1',
    'Address the admin listener binds; loopback only unless set (0.0.0.0 for a load-balancer health check or a scraper).',
    requiredText,
  ),
  setting(
    'AdminAllowedHosts',
    'adminAllowedHosts',
    'comma list of host names',
    '(none)',
    'Host names the admin listener answers besides IP literals, localhost and AdminHost; others get 421 (DNS rebinding).',
    hostList,
  ),
  setting('AwsRegion', 'awsRegion', 'AWS region', '(SDK default)', 'Region for Lambda invokes.', optionalText, {
    env: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  }),
  setting(
    'LambdaEndpoint',
    'lambdaEndpoint',
    'URL',
    '(AWS)',
    'Lambda API endpoint override, e.g. the local Lambda service.',
    url,
    { env: ['AWS_ENDPOINT_URL_LAMBDA'] },
  ),
])
