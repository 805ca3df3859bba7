// The extension's settings: defaults, the original variables' meanings, every accepted form, one clear line per
// invalid value, and docs/extension.md documenting every variable.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { ConfigError, describeSettings, unknownSettings } from '../../../src/common/index.js'
import {
  EXTENSION_DEFAULTS,
  EXTENSION_ENV_VARS,
  EXTENSION_KNOWN_ENV_NAMES,
  EXTENSION_SETTINGS,
  type ExtensionConfig,
  loadExtensionConfig,
} from '../../../src/extension/config.js'
import { LAUNCHER_ENV_NAMES } from '../../../src/extension/node-flags.js'
import { loadRouterConfig } from '../../../src/router/config.js'

const REQUIRED = { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' }

function load(env: Record<string, string>): ExtensionConfig {
  return loadExtensionConfig({ ...REQUIRED, ...env })
}

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadExtensionConfig(env)
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    return error.problems
  }
  assert.fail('expected a ConfigError')
}

test('with only the Runtime API set, every setting has its default and the result is frozen', () => {
  const config = load({})
  assert.equal(config.runtimeApi, '127.0.0.1:9001')
  assert.equal(config.localEnv, false)
  for (const [key, value] of Object.entries(EXTENSION_DEFAULTS)) {
    assert.deepEqual(config[key as keyof ExtensionConfig], value, key)
  }
  assert.equal(Object.isFrozen(config), true)
})

const accepted: Array<{ name: string; env: Record<string, string>; expected: Partial<ExtensionConfig> }> = [
  { name: 'the app port', env: { LAMBDA_DISPATCH_PORT: '8080' }, expected: { appPort: 8080 } },
  { name: 'async init', env: { LAMBDA_DISPATCH_ASYNC_INIT: 'TRUE' }, expected: { asyncInit: true } },
  { name: 'async init as 1', env: { LAMBDA_DISPATCH_ASYNC_INIT: '1' }, expected: { asyncInit: true } },
  { name: 'compression off as 0', env: { LAMBDA_DISPATCH_ENABLE_COMPRESSION: '0' }, expected: { compression: false } },
  {
    name: 'a log level in any letter case',
    env: { LAMBDA_DISPATCH_LOG_LEVEL: 'DEBUG' },
    expected: { logLevel: 'debug' },
  },
  {
    name: 'the async init timeout in seconds, as the original',
    env: { LAMBDA_DISPATCH_ASYNC_INIT_TIMEOUT: '15' },
    expected: { asyncInitTimeoutMs: 15_000 },
  },
  {
    name: 'the async init timeout with a unit',
    env: { LAMBDA_DISPATCH_ASYNC_INIT_TIMEOUT: '500ms' },
    expected: { asyncInitTimeoutMs: 500 },
  },
  {
    name: 'compression off',
    env: { LAMBDA_DISPATCH_ENABLE_COMPRESSION: 'false' },
    expected: { compression: false },
  },
  {
    name: 'a forced deadline in seconds turns on the local environment',
    env: { LAMBDA_DISPATCH_FORCE_DEADLINE: '30' },
    expected: { forceDeadlineMs: 30_000, localEnv: true },
  },
  {
    name: 'a forced deadline of 0 still turns on the local environment',
    env: { LAMBDA_DISPATCH_FORCE_DEADLINE: '0' },
    expected: { forceDeadlineMs: 0, localEnv: true },
  },
  {
    name: 'the idle grace in milliseconds',
    env: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '1000' },
    expected: { lastActiveGraceMs: 1_000 },
  },
  {
    name: 'the Tokio runtime choice is accepted (and ignored)',
    env: { LAMBDA_DISPATCH_RUNTIME: 'Multi_Thread' },
    expected: {},
  },
  {
    name: 'the function timeout in seconds',
    env: { AWS_LAMBDA_FUNCTION_TIMEOUT: '900' },
    expected: { functionTimeoutMs: 900_000 },
  },
  {
    name: 'tcp readiness',
    env: { LAMBDA_DISPATCH_READINESS_PROTOCOL: 'tcp' },
    expected: { readinessProtocol: 'tcp' },
  },
  {
    name: 'readiness path and status ranges',
    env: { LAMBDA_DISPATCH_READINESS_PATH: '/ready?deep=1', LAMBDA_DISPATCH_READINESS_STATUS: '200-399, 404' },
    expected: {
      readinessPath: '/ready?deep=1',
      readinessStatus: [
        { min: 200, max: 399 },
        { min: 404, max: 404 },
      ],
    },
  },
  {
    name: 'windows and head limits as sizes',
    env: {
      LAMBDA_DISPATCH_STREAM_WINDOW: '1MiB',
      LAMBDA_DISPATCH_SESSION_WINDOW: '8388608',
      LAMBDA_DISPATCH_MAX_HEAD_BYTES: '32KiB',
    },
    expected: { streamWindowBytes: 1_048_576, sessionWindowBytes: 8_388_608, maxHeadBytes: 32_768 },
  },
  {
    name: 'router timeouts as durations',
    env: {
      LAMBDA_DISPATCH_ROUTER_CONNECT_TIMEOUT_MS: '2s',
      LAMBDA_DISPATCH_ROUTER_HEADERS_TIMEOUT_MS: '500',
      LAMBDA_DISPATCH_ROUTER_CONNECT_ATTEMPTS: '5',
    },
    expected: { routerConnectTimeoutMs: 2_000, routerHeadersTimeoutMs: 500, routerConnectAttempts: 5 },
  },
  {
    name: 'TLS verification on',
    env: { LAMBDA_DISPATCH_ROUTER_TLS_VERIFY: 'true' },
    expected: { routerTlsVerify: true },
  },
  { name: 'a log level', env: { LAMBDA_DISPATCH_LOG_LEVEL: 'debug' }, expected: { logLevel: 'debug' } },
  { name: 'blank values mean the default', env: { LAMBDA_DISPATCH_PORT: '  ' }, expected: { appPort: 3001 } },
]
for (const row of accepted) {
  test(`config accepts ${row.name}`, () => {
    const config = load(row.env)
    for (const [key, value] of Object.entries(row.expected)) {
      assert.deepEqual(config[key as keyof ExtensionConfig], value, key)
    }
  })
}

const refused: Array<{ env: Record<string, string>; problem: string }> = [
  { env: { LAMBDA_DISPATCH_PORT: 'abc' }, problem: 'LAMBDA_DISPATCH_PORT must be an integer 1–65535, got "abc"' },
  { env: { LAMBDA_DISPATCH_PORT: '70000' }, problem: 'LAMBDA_DISPATCH_PORT must be an integer 1–65535, got "70000"' },
  {
    env: { LAMBDA_DISPATCH_ASYNC_INIT: 'yes' },
    problem: 'LAMBDA_DISPATCH_ASYNC_INIT must be true or false, got "yes"',
  },
  {
    env: { LAMBDA_DISPATCH_ASYNC_INIT_TIMEOUT: 'soon' },
    problem:
      'LAMBDA_DISPATCH_ASYNC_INIT_TIMEOUT must be a number of seconds ("10") or a duration with a unit ("500ms"), got "soon"',
  },
  {
    env: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '-1' },
    problem:
      'LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS must be a duration 0–2147483647ms like 250ms, 30s, 2m or 00:02:00, got "-1"',
  },
  {
    env: { LAMBDA_DISPATCH_READINESS_PROTOCOL: 'grpc' },
    problem: 'LAMBDA_DISPATCH_READINESS_PROTOCOL must be one of http, tcp, got "grpc"',
  },
  {
    env: { LAMBDA_DISPATCH_READINESS_PATH: 'health' },
    problem: 'LAMBDA_DISPATCH_READINESS_PATH must be a path starting with "/", got "health"',
  },
  {
    env: { LAMBDA_DISPATCH_READINESS_STATUS: '299-200' },
    problem:
      'LAMBDA_DISPATCH_READINESS_STATUS must be status codes or ranges, e.g. "200-299" or "200-399,404", got "299-200"',
  },
  {
    env: { LAMBDA_DISPATCH_RUNTIME: 'green_threads' },
    problem:
      'LAMBDA_DISPATCH_RUNTIME must be one of default_multi_thread, multi_thread, current_thread, got "green_threads"',
  },
  {
    env: { LAMBDA_DISPATCH_STREAM_WINDOW: '1KiB' },
    problem:
      'LAMBDA_DISPATCH_STREAM_WINDOW must be a size 65535–2147483647 bytes like 65536, 64KiB or 1MiB, got "1KiB"',
  },
  {
    env: { LAMBDA_DISPATCH_ROUTER_CONNECT_ATTEMPTS: '0' },
    problem: 'LAMBDA_DISPATCH_ROUTER_CONNECT_ATTEMPTS must be an integer 1–20, got "0"',
  },
  {
    env: { LAMBDA_DISPATCH_PASS_THROUGH_PATH: 'events' },
    problem: 'LAMBDA_DISPATCH_PASS_THROUGH_PATH must be a path starting with "/", got "events"',
  },
  {
    env: { LAMBDA_DISPATCH_LOG_LEVEL: 'verbose' },
    problem: 'LAMBDA_DISPATCH_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
  },
]
for (const row of refused) {
  test(`config refuses ${JSON.stringify(row.env)} naming the variable, value and accepted form`, () => {
    assert.deepEqual(problemsOf({ ...REQUIRED, ...row.env }), [row.problem])
  })
}

test('a missing or malformed Runtime API address is refused, together with every other problem', () => {
  assert.deepEqual(problemsOf({ LAMBDA_DISPATCH_PORT: 'x' }), [
    'LAMBDA_DISPATCH_PORT must be an integer 1–65535, got "x"',
    'AWS_LAMBDA_RUNTIME_API is required: host:port of the Lambda Runtime API, e.g. 127.0.0.1:9001',
  ])
  assert.deepEqual(problemsOf({ AWS_LAMBDA_RUNTIME_API: 'http://127.0.0.1:9001' }), [
    'AWS_LAMBDA_RUNTIME_API must be host:port, e.g. 127.0.0.1:9001, got "http://127.0.0.1:9001"',
  ])
})

test('docs/extension.md documents every variable the extension reads', () => {
  const docs = readFileSync(resolve(import.meta.dirname, '../../../docs/extension.md'), 'utf8')
  const names = [...Object.values(EXTENSION_ENV_VARS), 'LAMBDA_DISPATCH_RUNTIME', ...LAUNCHER_ENV_NAMES]
  const missing = names.filter((name) => !docs.includes(`| \`${name}\``))
  assert.deepEqual(missing, [])
  assert.deepEqual(Object.keys(EXTENSION_ENV_VARS).sort(), [...Object.keys(EXTENSION_DEFAULTS), 'runtimeApi'].sort())
})

test("the launcher's variables draw no unknown-setting warning; a typo of one still does, naming it", () => {
  const names = [
    'LAMBDA_DISPATCH_NODE',
    'LAMBDA_DISPATCH_NODE_FLAGS',
    'LAMBDA_DISPATCH_NODE_FLAG',
    'LAMBDA_DISPATCH_PORT',
  ]
  assert.deepEqual(unknownSettings(names, EXTENSION_KNOWN_ENV_NAMES, 'LAMBDA_DISPATCH_'), [
    { name: 'LAMBDA_DISPATCH_NODE_FLAG', closest: 'LAMBDA_DISPATCH_NODE_FLAGS' },
  ])
})

// Issue 14: aws-lambda-web-adapter's names work as they do there; our own variable wins when both are set.
const lwaNames: Array<{
  name: string
  lwa: Record<string, string>
  ours: Record<string, string>
  expectedLwa: Partial<ExtensionConfig>
  expectedOurs: Partial<ExtensionConfig>
}> = [
  {
    name: 'AWS_LWA_PORT',
    lwa: { AWS_LWA_PORT: '8080', PORT: '9090' },
    ours: { LAMBDA_DISPATCH_PORT: '7070' },
    expectedLwa: { appPort: 8080 },
    expectedOurs: { appPort: 7070 },
  },
  {
    name: 'PORT',
    lwa: { PORT: '9090' },
    ours: { AWS_LWA_PORT: '8080' },
    expectedLwa: { appPort: 9090 },
    expectedOurs: { appPort: 8080 },
  },
  {
    name: 'AWS_LWA_READINESS_CHECK_PATH',
    lwa: { AWS_LWA_READINESS_CHECK_PATH: '/' },
    ours: { LAMBDA_DISPATCH_READINESS_PATH: '/ready' },
    expectedLwa: { readinessPath: '/' },
    expectedOurs: { readinessPath: '/ready' },
  },
  {
    name: 'AWS_LWA_READINESS_CHECK_PROTOCOL',
    lwa: { AWS_LWA_READINESS_CHECK_PROTOCOL: 'TCP' },
    ours: { LAMBDA_DISPATCH_READINESS_PROTOCOL: 'http' },
    expectedLwa: { readinessProtocol: 'tcp' },
    expectedOurs: { readinessProtocol: 'http' },
  },
  {
    name: 'AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS',
    lwa: { AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS: '500' },
    ours: { LAMBDA_DISPATCH_READINESS_STATUS: '204' },
    expectedLwa: { readinessStatus: [{ min: 100, max: 499 }] },
    expectedOurs: { readinessStatus: [{ min: 204, max: 204 }] },
  },
  {
    name: 'AWS_LWA_ASYNC_INIT',
    lwa: { AWS_LWA_ASYNC_INIT: 'true' },
    ours: { LAMBDA_DISPATCH_ASYNC_INIT: 'false' },
    expectedLwa: { asyncInit: true },
    expectedOurs: { asyncInit: false },
  },
  {
    name: 'AWS_LWA_ENABLE_COMPRESSION',
    lwa: { AWS_LWA_ENABLE_COMPRESSION: 'false' },
    ours: { LAMBDA_DISPATCH_ENABLE_COMPRESSION: 'true' },
    expectedLwa: { compression: false },
    expectedOurs: { compression: true },
  },
  {
    name: 'AWS_LWA_PASS_THROUGH_PATH',
    lwa: { AWS_LWA_PASS_THROUGH_PATH: '/lambda-events' },
    ours: { LAMBDA_DISPATCH_PASS_THROUGH_PATH: '/queue' },
    expectedLwa: { passThroughPath: '/lambda-events' },
    expectedOurs: { passThroughPath: '/queue' },
  },
]
for (const row of lwaNames) {
  test(`the LWA name ${row.name} is read when our own is absent, and ours wins when both are set`, () => {
    const fromLwa = load(row.lwa)
    for (const [key, value] of Object.entries(row.expectedLwa)) {
      assert.deepEqual(fromLwa[key as keyof ExtensionConfig], value, key)
    }
    const both = load({ ...row.lwa, ...row.ours })
    for (const [key, value] of Object.entries(row.expectedOurs)) {
      assert.deepEqual(both[key as keyof ExtensionConfig], value, key)
    }
  })
}

test('an invalid LWA value is refused naming the LWA variable', () => {
  assert.deepEqual(problemsOf({ ...REQUIRED, AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS: '600' }), [
    'AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS must be an integer 101–599, got "600"',
  ])
  assert.deepEqual(problemsOf({ ...REQUIRED, AWS_LWA_PORT: 'eighty' }), [
    'AWS_LWA_PORT must be an integer 1–65535, got "eighty"',
  ])
})

test('the readiness probe timeout and the init wait are settings', () => {
  const config = load({ LAMBDA_DISPATCH_READINESS_PROBE_TIMEOUT_MS: '15s', LAMBDA_DISPATCH_INIT_TIMEOUT_MS: '9500' })
  assert.deepEqual(
    { probe: config.readinessProbeTimeoutMs, init: config.initTimeoutMs },
    { probe: 15_000, init: 9_500 },
  )
})

test('every setting has a unique env var, and its parser reads its formatted default back', () => {
  const names = EXTENSION_SETTINGS.flatMap((row) => row.env)
  assert.equal(new Set(names).size, names.length)
  for (const row of EXTENSION_SETTINGS) {
    if (row.required !== undefined || row.default === undefined) continue
    const text = row.format(row.default as never)
    assert.deepEqual(row.parse(text), { value: row.default }, `${row.env[0]} default ${text}`)
  }
})

// Issue 15: help text derives from the rows, so each row says what it means.
test('every setting has a description, which `extension --help` shows under its variable', () => {
  assert.deepEqual(
    EXTENSION_SETTINGS.filter((row) => row.description === '').map((row) => row.env[0]),
    [],
  )
  const help = describeSettings(EXTENSION_SETTINGS)
  assert.match(help, /^Settings \(environment variables\):$/m)
  assert.ok(help.includes('  LAMBDA_DISPATCH_PING_INTERVAL_MS <value>\n      env LAMBDA_DISPATCH_PING_INTERVAL_MS;'))
  assert.ok(help.includes('      Ping interval, from the first open channel.'))
})

// Issue 15: one boolean rule. The router and the extension read the same text as the same value, or refuse it with
// the same words.
const booleanTexts = ['true', 'TRUE', 'True', '1', 'false', 'False', '0', ' 1 ', 'yes', 'no', 'on', '2', 'truthy']
for (const text of booleanTexts) {
  test(`the extension reads the boolean ${JSON.stringify(text)} exactly as the router does`, () => {
    const outcome = (read: () => boolean): { value: boolean } | { problem: string } => {
      try {
        return { value: read() }
      } catch (error) {
        assert.ok(error instanceof ConfigError)
        return { problem: (error.problems[0] as string).replace(/^\S+ /, '') }
      }
    }
    const router = outcome(
      () => loadRouterConfig({ LAMBDA_DISPATCH_FunctionName: 'fn', LAMBDA_DISPATCH_AccessLog: text }).accessLog,
    )
    const extension = outcome(() => load({ LAMBDA_DISPATCH_ROUTER_TLS_VERIFY: text }).routerTlsVerify)
    assert.deepEqual(extension, router)
  })
}
