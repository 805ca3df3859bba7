// The extension's settings table: for each setting, its environment variable(s), default, parser and meaning,
// written once (src/common/settings; the row builders and the ExtensionConfig type are in config-rows.ts). config.ts
// reads it; docs/extension.md lists it. Pure.
import { integerIn, LOG_LEVELS, type LogLevel, mapParsed, oneOf, textMatching } from '../common/index.js'
import { DEFAULT_APP_PORT, DEFAULT_HEAD_LIMITS } from '../protocol/index.js'
import {
  belowStatus,
  duration,
  type ExtensionSetting,
  formatStatusRanges,
  integer,
  onOff,
  optionalDuration,
  seconds,
  setting,
  size,
  statusRanges,
} from './config-rows.js'

/** Accepted and ignored: the original chose a Tokio runtime with it; Node has one event loop. */
export const RUNTIME_VAR_NAME = 'LAMBDA_DISPATCH_RUNTIME'

/** aws-lambda-web-adapter's "min unhealthy status": every status from 100 up to, not including, it is healthy. */
const LWA_MIN_UNHEALTHY_STATUS = 'AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS'

/**
 * Every setting, the Runtime API first. Where a row lists aws-lambda-web-adapter's names after ours, they are read
 * when ours is absent, in that order. Blank values count as unset.
 */
export const EXTENSION_SETTINGS: readonly ExtensionSetting[] = Object.freeze([
  setting('runtimeApi', {
    env: ['AWS_LAMBDA_RUNTIME_API'],
    unit: 'host:port',
    required: 'host:port of the Lambda Runtime API, e.g. 127.0.0.1:9001',
    description: 'Where the Lambda Runtime and Extensions APIs listen (set by Lambda).',
    parse: textMatching(/^[^\s/]+:\d{1,5}$/, 'host:port, e.g. 127.0.0.1:9001'),
  }),
  setting('runtime', {
    env: [RUNTIME_VAR_NAME],
    unit: 'default_multi_thread | multi_thread | current_thread',
    default: 'current_thread',
    description: 'Accepted and ignored: the original extension chose a Tokio runtime with it; Node has one event loop.',
    parse: oneOf(['default_multi_thread', 'multi_thread', 'current_thread']),
  }),
  setting('extensionName', {
    env: ['LAMBDA_DISPATCH_EXTENSION_NAME'],
    unit: 'file name',
    default: 'lambda-dispatch',
    description: "The name registered with the Extensions API; must equal the launcher's file name in /opt/extensions.",
    parse: textMatching(/^[A-Za-z0-9._-]{1,128}$/, 'a file name'),
  }),
  integer(
    ['LAMBDA_DISPATCH_PORT', 'AWS_LWA_PORT', 'PORT'],
    'appPort',
    DEFAULT_APP_PORT,
    [1, 65535],
    "The app's port on 127.0.0.1.",
  ),
  setting('readinessProtocol', {
    env: ['LAMBDA_DISPATCH_READINESS_PROTOCOL', 'AWS_LWA_READINESS_CHECK_PROTOCOL'],
    unit: 'http | tcp',
    default: 'http',
    description: 'How readiness is checked: http (GET the readiness path) or tcp (a connection is enough).',
    parse: oneOf(['http', 'tcp'] as const),
  }),
  setting('readinessPath', {
    env: ['LAMBDA_DISPATCH_READINESS_PATH', 'AWS_LWA_READINESS_CHECK_PATH'],
    unit: 'path',
    default: '/health',
    description: 'Path of the http readiness check.',
    parse: textMatching(/^\/\S*$/, 'a path starting with "/"'),
  }),
  setting('readinessStatus', {
    env: ['LAMBDA_DISPATCH_READINESS_STATUS', LWA_MIN_UNHEALTHY_STATUS],
    unit: 'status codes or ranges',
    default: Object.freeze([{ min: 200, max: 299 }]),
    description: 'Statuses that count as ready: codes and ranges.',
    parse: statusRanges,
    envParse: { [LWA_MIN_UNHEALTHY_STATUS]: mapParsed(integerIn(101, 599), belowStatus) },
    format: formatStatusRanges,
  }),
  // Lambda's init phase is 10 s: a probe cannot usefully wait longer, and a slow health route answers once.
  duration(
    'LAMBDA_DISPATCH_READINESS_PROBE_TIMEOUT_MS',
    'readinessProbeTimeoutMs',
    10_000,
    1,
    'How long one readiness probe waits for its answer; probes never overlap.',
  ),
  optionalDuration(
    'LAMBDA_DISPATCH_INIT_TIMEOUT_MS',
    'initTimeoutMs',
    1,
    "Without async init: after this (from process start) report Extension.AppNotReady; unset: wait for Lambda's limit.",
  ),
  onOff(
    ['LAMBDA_DISPATCH_READINESS_HINT'],
    'readinessHint',
    false,
    'When the app never gets ready, probe / once and suggest it as the readiness path.',
  ),
  onOff(
    ['LAMBDA_DISPATCH_ASYNC_INIT', 'AWS_LWA_ASYNC_INIT'],
    'asyncInit',
    false,
    'Leave the init phase before the app is ready and check again in the first invoke.',
  ),
  seconds(
    'LAMBDA_DISPATCH_ASYNC_INIT_TIMEOUT',
    'asyncInitTimeoutMs',
    10_000,
    'Async init: how long the first invoke waits for the app.',
  ),
  duration(
    'LAMBDA_DISPATCH_INIT_PHASE_BUDGET_MS',
    'initPhaseBudgetMs',
    9_800,
    0,
    'Async init: how long the init phase waits for the app, counted from process start.',
  ),
  onOff(
    ['LAMBDA_DISPATCH_ENABLE_COMPRESSION', 'AWS_LWA_ENABLE_COMPRESSION'],
    'compression',
    true,
    'Gzip eligible responses.',
  ),
  seconds(
    'LAMBDA_DISPATCH_FORCE_DEADLINE',
    'forceDeadlineMs',
    undefined,
    "Every invoke's deadline becomes now + this; its presence turns on the stale-invoke check.",
  ),
  // 250 ms like the original: an idle environment costs GB-seconds every millisecond it stays, while leaving and
  // being invoked again costs one request fee (about 80x less than one idle second at 1 GB); the router decides
  // how many instances it wants, so the extension leaves early and cheaply.
  duration(
    'LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS',
    'lastActiveGraceMs',
    250,
    0,
    'Idle time with nothing in flight before the instance closes itself.',
  ),
  seconds(
    'AWS_LAMBDA_FUNCTION_TIMEOUT',
    'functionTimeoutMs',
    undefined,
    'The function timeout the deadline margin scales with; otherwise estimated per invoke.',
  ),
  optionalDuration(
    'LAMBDA_DISPATCH_DEADLINE_MARGIN_MS',
    'deadlineMarginMs',
    0,
    'A fixed close-before-deadline margin instead of the scaled one.',
  ),
  duration(
    'LAMBDA_DISPATCH_CLOSE_DRAIN_TIMEOUT_MS',
    'closeDrainTimeoutMs',
    5_000,
    0,
    "After the close, how long parked channels wait for the router's goaway before being reset.",
  ),
  duration(
    'LAMBDA_DISPATCH_PING_INTERVAL_MS',
    'pingIntervalMs',
    5_000,
    1,
    'Ping interval, from the first open channel.',
  ),
  duration(
    'LAMBDA_DISPATCH_ROUTER_CONNECT_TIMEOUT_MS',
    'routerConnectTimeoutMs',
    1_000,
    1,
    "The first connect attempt (TCP, TLS, the router's first SETTINGS); each later one twice the time before it.",
  ),
  integer(
    ['LAMBDA_DISPATCH_ROUTER_CONNECT_ATTEMPTS'],
    'routerConnectAttempts',
    3,
    [1, 20],
    'Connect attempts before the invoke ends with RouterUnreachable.',
  ),
  duration(
    'LAMBDA_DISPATCH_ROUTER_HEADERS_TIMEOUT_MS',
    'routerHeadersTimeoutMs',
    2_000,
    1,
    'Wait for a response HEADERS before checking the session with an HTTP/2 PING.',
  ),
  duration(
    'LAMBDA_DISPATCH_ROUTER_PING_TIMEOUT_MS',
    'routerPingTimeoutMs',
    1_000,
    1,
    'An unanswered HTTP/2 PING declares the session dead after this.',
  ),
  onOff(
    ['LAMBDA_DISPATCH_ROUTER_TLS_VERIFY'],
    'routerTlsVerify',
    false,
    "Without a pinned fingerprint: verify the router's certificate (true) or accept any (false).",
  ),
  size(
    'LAMBDA_DISPATCH_STREAM_WINDOW',
    'streamWindowBytes',
    4 * 1024 * 1024,
    [65_535, 2 ** 31 - 1],
    "HTTP/2 initial stream window (Node's default is 64 KiB).",
  ),
  size(
    'LAMBDA_DISPATCH_SESSION_WINDOW',
    'sessionWindowBytes',
    32 * 1024 * 1024,
    [65_535, 2 ** 31 - 1],
    'HTTP/2 connection window; also bounds the request bytes buffered for a slow app.',
  ),
  integer(
    ['LAMBDA_DISPATCH_MAX_SESSION_MEMORY_MB'],
    'maxSessionMemoryMb',
    64,
    [1, 4096],
    "Node's maxSessionMemory for the router session, in MB.",
  ),
  // Below Node's default server keep-alive (5 s), so the pool never reuses a socket the app is closing.
  duration(
    'LAMBDA_DISPATCH_APP_KEEP_ALIVE_TIMEOUT_MS',
    'appKeepAliveTimeoutMs',
    4_000,
    1,
    "Idle app connections close after this; keep it below the app's keep-alive timeout.",
  ),
  duration('LAMBDA_DISPATCH_APP_CONNECT_TIMEOUT_MS', 'appConnectTimeoutMs', 2_000, 1, 'Connect timeout to the app.'),
  size(
    'LAMBDA_DISPATCH_MAX_HEAD_BYTES',
    'maxHeadBytes',
    DEFAULT_HEAD_LIMITS.maxHeadBytes,
    [1024, 16 * 1024 * 1024],
    'Largest tunnelled request head; a larger one gets a 431 answer.',
  ),
  integer(
    ['LAMBDA_DISPATCH_MAX_HEADER_COUNT'],
    'maxHeaderCount',
    DEFAULT_HEAD_LIMITS.maxHeaderCount,
    [1, 10_000],
    'Most header lines in a tunnelled request head; more get a 431 answer.',
  ),
  setting('logLevel', {
    env: ['LAMBDA_DISPATCH_LOG_LEVEL'],
    unit: LOG_LEVELS.join(' | '),
    default: 'info' as LogLevel,
    description: 'Log level; debug writes one line per relayed request.',
    parse: oneOf(LOG_LEVELS),
  }),
  onOff(
    ['LAMBDA_DISPATCH_FORWARD_INTERNAL_HEADERS'],
    'forwardInternalHeaders',
    false,
    'Send X-Pool-Id, X-Lambda-Id and X-Channel-Id to the app, as the original did.',
  ),
  // aws-lambda-web-adapter's default, so an app written for its pass-through works unchanged.
  setting('passThroughPath', {
    env: ['LAMBDA_DISPATCH_PASS_THROUGH_PATH', 'AWS_LWA_PASS_THROUGH_PATH'],
    unit: 'path',
    default: '/events',
    description: "Where an invoke that is not the router's (an SQS batch, an EventBridge event…) is POSTed to the app.",
    parse: textMatching(/^\/\S*$/, 'a path starting with "/"'),
  }),
])
