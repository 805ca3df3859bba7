// The router's settings table: the RouterConfig type and, for each setting, its env var, CLI flag, unit, default,
// meaning and parser, written once (src/common/settings). config.ts reads and cross-checks them; --help and
// docs/router.md list them. Pure.
import {
  bytesIn,
  defineSetting,
  durationIn,
  flagFor,
  formatBytes,
  formatDurationMs,
  formatList,
  integerIn,
  LOG_LEVELS,
  type LogLevel,
  oneOf,
  parseBoolean,
  parseOptionalText,
  parseRequiredText,
  type Setting,
  type SettingOptions,
} from '../common/index.js'
import {
  DEFAULT_CONTROL_H2C_PORT,
  DEFAULT_CONTROL_TLS_PORT,
  DEFAULT_FRONT_DOOR_HTTP_PORT,
  DEFAULT_FRONT_DOOR_HTTPS_PORT,
  DEFAULT_HEAD_LIMITS,
} from '../protocol/index.js'
import { DEFAULT_WEBSOCKET_CLOSE_TIMEOUT_MS } from './dispatch/exchange-channel.js'
import { MAX_INSTANCES_LIMIT, type PoolInstanceLimit, parsePoolInstanceLimits } from './pool-instance-limits.js'
import {
  parseEnvVarName,
  parseFunctionList,
  parseFunctionReference,
  parseHostList,
  parseHttpUrl,
} from './setting-values.js'

export { isValidFunctionReference } from './setting-values.js'

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
  /** WebSockets one instance carries at once, counted apart from MaxConcurrentCount (issue 18). */
  readonly maxWebSocketsPerInstance: number
  /** A WebSocket with no byte either way for this long is closed with 1001; 0: off. */
  readonly webSocketIdleTimeoutMs: number
  /** After the router ends a WebSocket's client side (its close frame), the client's time to end its own. */
  readonly webSocketCloseTimeoutMs: number
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

/** One row of the router's settings table. */
export type RouterSetting = Setting<RouterConfig>

export const ENV_PREFIX = 'LAMBDA_DISPATCH_'

const DAY_MS = 86_400_000
const MAX_HEAD_LIMIT_BYTES = 16 * 1024 * 1024

type RowOptions<K extends keyof RouterConfig> = Omit<SettingOptions<RouterConfig, K>, 'env' | 'flag'> & {
  readonly env?: readonly string[]
}

/** A row keyed by the original's PascalCase name: env `LAMBDA_DISPATCH_<key>` unless `env` says otherwise. */
function setting<K extends keyof RouterConfig>(key: string, field: K, options: RowOptions<K>): RouterSetting {
  return defineSetting<RouterConfig, K>(field, {
    ...options,
    env: options.env ?? [`${ENV_PREFIX}${key}`],
    flag: flagFor(key),
  })
}

type FieldsOf<T> = { [K in keyof RouterConfig]: RouterConfig[K] extends T ? K : never }[keyof RouterConfig]

function integer(
  key: string,
  field: FieldsOf<number>,
  min: number,
  max: number,
  defaultValue: number,
  description: string,
  unit = `integer ${min}–${max}`,
): RouterSetting {
  return setting(key, field, { unit, default: defaultValue, description, parse: integerIn(min, max) })
}

function port(key: string, field: FieldsOf<number>, defaultValue: number, description: string): RouterSetting {
  const parse = integerIn(0, 65535, '0 picks a free port')
  return setting(key, field, { unit: 'port', default: defaultValue, description, parse })
}

function duration(
  key: string,
  field: FieldsOf<number>,
  defaultMs: number,
  minMs: number,
  maxMs: number,
  description: string,
): RouterSetting {
  const parse = durationIn(minMs, maxMs)
  return setting(key, field, { unit: 'duration', default: defaultMs, description, parse, format: formatDurationMs })
}

function size(key: string, field: FieldsOf<number>, defaultBytes: number, description: string): RouterSetting {
  const parse = bytesIn(1024, MAX_HEAD_LIMIT_BYTES)
  return setting(key, field, { unit: 'size', default: defaultBytes, description, parse, format: formatBytes })
}

function onOff(
  key: string,
  field: FieldsOf<boolean>,
  defaultValue: boolean,
  description: string,
  env?: readonly string[],
): RouterSetting {
  return setting(key, field, {
    unit: 'true|false',
    default: defaultValue,
    description,
    parse: parseBoolean,
    isSwitch: true,
    ...(env ? { env } : {}),
  })
}

function optionalText(
  key: string,
  field: FieldsOf<string | undefined>,
  unit: string,
  unsetText: string,
  description: string,
): RouterSetting {
  return setting(key, field, { unit, unsetText, description, parse: parseOptionalText })
}

function formatPoolInstanceLimits(limits: readonly PoolInstanceLimit[]): string {
  return limits.map((limit) => `${limit.poolName}=${limit.minInstances}:${limit.maxInstances}`).join(',')
}

/** Every setting, in the order --help and docs/router.md list them. The first 16 are the original router's. */
export const ROUTER_SETTINGS: readonly RouterSetting[] = Object.freeze([
  setting('FunctionName', 'functionName', {
    unit: 'name | name:qualifier | ARN',
    required: 'a function name, name:qualifier or ARN',
    description: 'Lambda function of the default pool.',
    parse: parseFunctionReference,
  }),
  integer('MaxConcurrentCount', 'maxConcurrentCount', 1, 100, 10, 'Requests one Lambda instance serves at once.'),
  integer(
    'ChannelCount',
    'channelCount',
    -1,
    100,
    -1,
    'Channels each instance opens back; -1 means min(2 × MaxConcurrentCount, 100). Channels beyond MaxConcurrentCount are spares.',
    'integer -1 or MaxConcurrentCount–100',
  ),
  integer(
    'InstanceCountMultiplier',
    'instanceCountMultiplier',
    1,
    10,
    2,
    'Scaling target per instance is ceil(MaxConcurrentCount / InstanceCountMultiplier).',
  ),
  port(
    'IncomingRequestHTTPPort',
    'incomingRequestHttpPort',
    DEFAULT_FRONT_DOOR_HTTP_PORT,
    'Client port: HTTP/1.1 and h2c (prior knowledge) together.',
  ),
  port(
    'IncomingRequestHTTPSPort',
    'incomingRequestHttpsPort',
    DEFAULT_FRONT_DOOR_HTTPS_PORT,
    'Client HTTPS port (ALPN h2 and http/1.1); open only when TlsCertPath and TlsKeyPath are set.',
  ),
  port(
    'ControlChannelInsecureHTTP2Port',
    'controlChannelInsecureHttp2Port',
    DEFAULT_CONTROL_H2C_PORT,
    'Control channel, h2c with prior knowledge; open only when AllowInsecureControlChannel is true.',
  ),
  port(
    'ControlChannelHTTP2Port',
    'controlChannelHttp2Port',
    DEFAULT_CONTROL_TLS_PORT,
    'Control channel over TLS (ALPN h2); open when PreferredControlChannelScheme is https or a certificate is set.',
  ),
  onOff(
    'AllowInsecureControlChannel',
    'allowInsecureControlChannel',
    false,
    'Open the h2c control port (ControlChannelInsecureHTTP2Port).',
  ),
  setting('PreferredControlChannelScheme', 'preferredControlChannelScheme', {
    unit: 'http | https',
    default: 'https',
    description:
      'Scheme (and so port) advertised to Lambdas in DispatcherUrl; http requires AllowInsecureControlChannel.',
    parse: oneOf(['http', 'https'] as const),
  }),
  optionalText(
    'RouterCallbackHost',
    'routerCallbackHost',
    'host or IP',
    '(discovered)',
    'Host Lambdas call back; when empty it comes from EnvVarForCallbackIp, ECS task metadata, EC2 metadata, or 127.0.0.1.',
  ),
  setting('EnvVarForCallbackIp', 'envVarForCallbackIp', {
    unit: 'env var name',
    default: 'K8S_POD_IP',
    description: 'Name of the environment variable holding the callback IP (e.g. the pod IP from the downward API).',
    parse: parseEnvVarName,
  }),
  duration(
    'IncomingRequestTimeout',
    'queueTimeoutMs',
    120_000,
    1,
    DAY_MS,
    'Longest a request waits in the queue for a free channel; then 504. (The original ignored this setting.)',
  ),
  setting('ScalingAlgorithm', 'scalingAlgorithm', {
    unit: 'simple | ewma',
    default: 'simple',
    description: 'How the desired instance count is computed (any letter case).',
    parse: oneOf(['simple', 'ewma'] as const),
  }),
  onOff('CloudWatchMetricsEnabled', 'cloudWatchMetricsEnabled', false, 'Write CloudWatch EMF metrics to stdout.'),
  onOff(
    'LogPeriodicMetrics',
    'logPeriodicMetrics',
    false,
    'Log a metrics summary periodically. Accepted for compatibility; Prometheus metrics replace it.',
  ),
  optionalText('ListenHost', 'listenHost', 'IP address', '(all interfaces)', 'Address every listener binds.'),
  setting('AllowedLambdaNames', 'allowedLambdaNames', {
    unit: 'comma list of functions',
    default: Object.freeze([]),
    description: 'Values of the X-Lambda-Name header that select a pool of their own; any other value gets 403.',
    parse: parseFunctionList,
    format: formatList,
  }),
  integer(
    'QueueLimit',
    'queueLimit',
    0,
    1_000_000,
    1000,
    'Requests that may wait per pool, and as many WebSocket handshakes apart; beyond it clients get 503 with Retry-After.',
  ),
  duration(
    'ResponseHeadTimeout',
    'responseHeadTimeoutMs',
    120_000,
    1,
    DAY_MS,
    'Longest wait for the app to start its response once the request head is written; then 504.',
  ),
  duration(
    'BodyIdleTimeout',
    'bodyIdleTimeoutMs',
    120_000,
    1,
    DAY_MS,
    'Longest time no body byte moves either way during an exchange; then the exchange is aborted.',
  ),
  integer(
    'MaxWebSocketsPerInstance',
    'maxWebSocketsPerInstance',
    0,
    10_000,
    100,
    'WebSockets one instance carries at once, apart from MaxConcurrentCount; 0 sends no handshake to any instance (503).',
  ),
  duration(
    'WebSocketIdleTimeout',
    'webSocketIdleTimeoutMs',
    600_000,
    0,
    DAY_MS,
    'A WebSocket with no byte either way for this long gets a close frame (1001) and ends; 0 turns it off.',
  ),
  duration(
    'WebSocketCloseTimeout',
    'webSocketCloseTimeoutMs',
    DEFAULT_WEBSOCKET_CLOSE_TIMEOUT_MS,
    1,
    DAY_MS,
    "After the router's close frame to a WebSocket client (or the app's close relayed), how long the client has to close its side; then it is cut off.",
  ),
  duration(
    'InstanceStartTimeout',
    'instanceStartTimeoutMs',
    30_000,
    1,
    DAY_MS,
    'Longest an invoked instance may take to open its first channel before it is counted as failed.',
  ),
  integer('MinInstances', 'minInstances', 0, MAX_INSTANCES_LIMIT, 0, 'Instances kept up per pool, even idle.'),
  integer(
    'MaxInstances',
    'maxInstances',
    1,
    MAX_INSTANCES_LIMIT,
    20,
    'Most instances per pool, starting or serving: the cost cap.',
  ),
  setting('PoolInstanceLimits', 'poolInstanceLimits', {
    unit: 'name=min:max[,name=min:max…]',
    default: Object.freeze([]),
    description:
      'MinInstances and MaxInstances for named pools: FunctionName (the default pool) or an AllowedLambdaNames entry.',
    parse: parsePoolInstanceLimits,
    format: formatPoolInstanceLimits,
  }),
  integer(
    'MaxInvokesPerMinute',
    'maxInvokesPerMinute',
    1,
    100_000,
    300,
    'Sustained invoke rate limit per pool, whatever the Lambdas do.',
  ),
  duration(
    'FunctionTimeout',
    'functionTimeoutMs',
    15 * 60_000,
    1000,
    15 * 60_000,
    "The Lambda function's configured timeout; each invoke's HTTP timeout is this plus a margin.",
  ),
  duration(
    'ShutdownTimeout',
    'shutdownTimeoutMs',
    20_000,
    0,
    DAY_MS,
    'On SIGTERM/SIGINT, how long queued and in-flight requests may take to finish before they are cut off.',
  ),
  size(
    'MaxRequestHeadBytes',
    'maxRequestHeadBytes',
    DEFAULT_HEAD_LIMITS.maxHeadBytes,
    'Largest client request head; over it the client gets 431 (HTTP/2: the stream is refused).',
  ),
  size(
    'MaxResponseHeadBytes',
    'maxResponseHeadBytes',
    DEFAULT_HEAD_LIMITS.maxHeadBytes,
    'Largest response head accepted from the app; over it the client gets 502.',
  ),
  duration(
    'ClientHeadersTimeout',
    'clientHeadersTimeoutMs',
    60_000,
    1,
    DAY_MS,
    'Time a client has to send a complete request head; then 408 and the connection closes.',
  ),
  duration(
    'ClientRequestTimeout',
    'clientRequestTimeoutMs',
    0,
    0,
    DAY_MS,
    'Time a client has to send its whole request, body included; 0 turns it off (BodyIdleTimeout still applies).',
  ),
  duration(
    'ClientKeepAliveTimeout',
    'clientKeepAliveTimeoutMs',
    65_000,
    1,
    DAY_MS,
    'Idle time before a client connection is closed, between requests or before its first; above the 60 s idle timeout of an AWS ALB, so the ALB closes first.',
  ),
  duration(
    'ClientPrefaceTimeout',
    'clientPrefaceTimeoutMs',
    5_000,
    1,
    DAY_MS,
    'Time a new plain connection has, from its first byte, to show whether it speaks HTTP/1.1 or h2c; then it is closed.',
  ),
  duration(
    'RequestBodyTimeout',
    'requestBodyTimeoutMs',
    10 * 60_000,
    0,
    DAY_MS,
    'Time a client has to send its whole request body once a channel reads it; then 408 and the channel is released. 0 turns it off.',
  ),
  integer(
    'MinRequestBodyDataRate',
    'minRequestBodyDataRate',
    0,
    1_000_000_000,
    240,
    'Slowest request body accepted, measured over MinRequestBodyDataRateGrace; slower gets 408 and the channel is released. 0 turns it off.',
    'bytes/s 0–1000000000',
  ),
  duration(
    'MinRequestBodyDataRateGrace',
    'minRequestBodyDataRateGraceMs',
    5_000,
    1,
    DAY_MS,
    'Time before MinRequestBodyDataRate applies to a body, and the window it is measured over.',
  ),
  integer(
    'MaxConnections',
    'maxConnections',
    1,
    1_000_000,
    5_000,
    'Open client connections per client listener; further connections are closed at once.',
  ),
  integer(
    'MaxStreamsPerConnection',
    'maxStreamsPerConnection',
    1,
    10_000,
    100,
    'Requests one HTTP/2 client connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).',
  ),
  onOff(
    'TrustForwardedHeaders',
    'trustForwardedHeaders',
    false,
    'Behind a load balancer: append to X-Forwarded-For, keep X-Forwarded-Proto/Host and Forwarded; false replaces them.',
  ),
  optionalText(
    'TlsCertPath',
    'tlsCertPath',
    'file path (PEM)',
    '(none)',
    'Certificate for the HTTPS client port and the TLS control channel; without it the control channel uses a self-signed one made at start.',
  ),
  optionalText('TlsKeyPath', 'tlsKeyPath', 'file path (PEM)', '(none)', 'Private key for TlsCertPath.'),
  onOff(
    'PinControlChannelCertificate',
    'pinControlChannelCertificate',
    true,
    "Send the control certificate's SHA-256 (RouterCertSha256) so the extension pins it; false for extensions that cannot pin.",
  ),
  onOff(
    'AllowUnauthenticatedChannels',
    'allowUnauthenticatedChannels',
    false,
    'Admit control requests without the per-invoke channel token (the original Rust extension sends none); anyone who learns a live instance id can then open its channels.',
  ),
  onOff(
    'ExposeInternalHeaders',
    'exposeInternalHeaders',
    false,
    'Let X-Lambda-Id and X-Channel-Id reach clients (debugging only).',
  ),
  onOff(
    'PreWarmInvokes',
    'preWarmInvokes',
    false,
    "The original's init-only invoke beside each start, warming a spare environment; doubles invokes.",
  ),
  setting('LogLevel', 'logLevel', {
    unit: LOG_LEVELS.join(' | '),
    default: 'info' as LogLevel,
    description: 'Least severe level logged.',
    parse: oneOf(LOG_LEVELS),
  }),
  setting('LogFormat', 'logFormat', {
    unit: 'json | pretty',
    default: 'json',
    description: 'JSON lines, or human-readable output.',
    parse: oneOf(['json', 'pretty'] as const),
  }),
  onOff('AccessLog', 'accessLog', true, 'One info line per finished client request.'),
  port(
    'AdminPort',
    'adminPort',
    5005,
    'Admin listener: /health, /ready, /metrics, the dashboard and its API (docs/observability.md).',
  ),
  setting('AdminHost', 'adminHost', {
    unit: 'IP address',
    default: '127.0.0.1',
    description:
      'Address the admin listener binds; loopback only unless set (0.0.0.0 for a load-balancer health check or a scraper).',
    parse: parseRequiredText,
  }),
  setting('AdminAllowedHosts', 'adminAllowedHosts', {
    unit: 'comma list of host names',
    default: Object.freeze([]),
    description:
      'Host names the admin listener answers besides IP literals, localhost and AdminHost; others get 421 (DNS rebinding).',
    parse: parseHostList,
    format: formatList,
  }),
  setting('AwsRegion', 'awsRegion', {
    env: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    unit: 'AWS region',
    unsetText: '(SDK default)',
    description: 'Region for Lambda invokes.',
    parse: parseOptionalText,
  }),
  setting('LambdaEndpoint', 'lambdaEndpoint', {
    env: ['AWS_ENDPOINT_URL_LAMBDA'],
    unit: 'URL',
    unsetText: '(AWS)',
    description: 'Lambda API endpoint override, e.g. the local Lambda service.',
    parse: parseHttpUrl,
  }),
])
