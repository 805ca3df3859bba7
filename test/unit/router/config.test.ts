// loadRouterConfig: the original's keys and validation vectors (ConfigTests.cs), our settings, CLI flags over env,
// and every bad setting reported at once (issue 3 item 10; STYLE.md §8). Also keeps docs/router.md in step.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { ConfigError } from '../../../src/common/index.js'
import { loadRouterConfig, ROUTER_DEFAULTS, ROUTER_SETTINGS, type RouterConfig } from '../../../src/router/config.js'

const BASE = { LAMBDA_DISPATCH_FunctionName: 'my-function' }

function problemsOf(env: Record<string, string>, argv: string[] = []): string[] {
  try {
    loadRouterConfig(env, argv)
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`)
    return [...error.problems]
  }
  return []
}

test('the defaults match the original router and our documented choices', () => {
  const config = loadRouterConfig(BASE)
  assert.equal(config.functionName, 'my-function')
  assert.equal(config.maxConcurrentCount, 10)
  assert.equal(config.channelCount, 20, 'ChannelCount -1 resolves to min(2 × MCC, 100)')
  assert.equal(config.instanceCountMultiplier, 2)
  assert.equal(config.incomingRequestHttpPort, 5001)
  assert.equal(config.incomingRequestHttpsPort, 5002)
  assert.equal(config.controlChannelInsecureHttp2Port, 5003)
  assert.equal(config.controlChannelHttp2Port, 5004)
  assert.equal(config.allowInsecureControlChannel, false)
  assert.equal(config.preferredControlChannelScheme, 'https')
  assert.equal(config.envVarForCallbackIp, 'K8S_POD_IP')
  assert.equal(config.queueTimeoutMs, 120_000)
  assert.equal(config.scalingAlgorithm, 'simple')
  assert.equal(config.accessLog, true)
  assert.equal(config.pinControlChannelCertificate, true)
  assert.deepEqual(config.allowedLambdaNames, [])
  assert.ok(Object.isFrozen(config))
})

// ConfigTests.cs: TestCreateAndValidate_ValidFunctionName… (name, name:qualifier, ARN, ARN:qualifier) plus the
// original LambdaArnParser patterns' edges.
for (const name of [
  'my-function',
  'my-function:qualifier',
  'my-function:$LATEST',
  'arn:aws:lambda:us-west-2:123456789012:function:my-function',
  'arn:aws:lambda:us-west-2:123456789012:function:my-function:qualifier',
  'a'.repeat(64),
]) {
  test(`FunctionName "${name.slice(0, 40)}" is accepted`, () => {
    assert.equal(loadRouterConfig({ LAMBDA_DISPATCH_FunctionName: name }).functionName, name)
  })
}

for (const name of [
  'invalid function name',
  'a'.repeat(65),
  'fn:qual:extra',
  'arn:aws-cn:lambda:cn-north-1:123456789012:function:fn',
  'arn:aws:lambda:us-west-2:12345:function:fn',
  '',
]) {
  test(`FunctionName "${name.slice(0, 40)}" is refused`, () => {
    const problems = problemsOf({ LAMBDA_DISPATCH_FunctionName: name })
    assert.equal(problems.length, 1)
    assert.match(problems[0] as string, /^LAMBDA_DISPATCH_FunctionName must be a function name/)
  })
}

test('a missing FunctionName is reported', () => {
  assert.deepEqual(problemsOf({}), [
    'LAMBDA_DISPATCH_FunctionName (or --function-name) is required: a function name, name:qualifier or ARN',
  ])
})

// ConfigTests.cs TestCreateAndValidate_InvalidSettings, row for row.
const invalidOriginal: [string, string][] = [
  ['MaxConcurrentCount', '-1'],
  ['MaxConcurrentCount', '101'],
  ['ChannelCount', '-2'],
  ['ChannelCount', '102'],
  ['IncomingRequestHTTPPort', '-5001'],
  ['IncomingRequestHTTPPort', '75001'],
  ['IncomingRequestHTTPSPort', '-5002'],
  ['IncomingRequestHTTPSPort', '75002'],
  ['ControlChannelInsecureHTTP2Port', '-5003'],
  ['ControlChannelInsecureHTTP2Port', '75003'],
  ['ControlChannelHTTP2Port', '-5004'],
  ['ControlChannelHTTP2Port', '75004'],
  ['AllowInsecureControlChannel', 'not-a-boolean'],
  ['CloudWatchMetricsEnabled', 'not-a-boolean'],
  ['PreferredControlChannelScheme', 'not-a-scheme'],
  ['InstanceCountMultiplier', '-2'],
  ['InstanceCountMultiplier', '11'],
  ['EnvVarForCallbackIp', '@'],
  ['ScalingAlgorithm', 'cats'],
]
for (const [key, value] of invalidOriginal) {
  test(`LAMBDA_DISPATCH_${key}="${value}" is refused with a message naming it`, () => {
    const problems = problemsOf({ ...BASE, [`LAMBDA_DISPATCH_${key}`]: value })
    assert.equal(problems.length, 1, problems.join('\n'))
    assert.ok(problems[0]?.startsWith(`LAMBDA_DISPATCH_${key} `), problems[0])
    assert.ok(problems[0]?.endsWith(`got "${value}"`), problems[0])
  })
}

// ConfigTests.cs TestCreateAndValidate_ValidSettings, row for row: the value reads back.
const validOriginal: [string, string, keyof RouterConfig, unknown][] = [
  ['MaxConcurrentCount', '50', 'maxConcurrentCount', 50],
  ['ChannelCount', '50', 'channelCount', 50],
  ['IncomingRequestHTTPPort', '15001', 'incomingRequestHttpPort', 15001],
  ['IncomingRequestHTTPSPort', '15002', 'incomingRequestHttpsPort', 15002],
  ['ControlChannelInsecureHTTP2Port', '15003', 'controlChannelInsecureHttp2Port', 15003],
  ['ControlChannelHTTP2Port', '15004', 'controlChannelHttp2Port', 15004],
  ['AllowInsecureControlChannel', 'true', 'allowInsecureControlChannel', true],
  ['AllowInsecureControlChannel', 'false', 'allowInsecureControlChannel', false],
  ['CloudWatchMetricsEnabled', 'true', 'cloudWatchMetricsEnabled', true],
  ['CloudWatchMetricsEnabled', 'false', 'cloudWatchMetricsEnabled', false],
  ['PreferredControlChannelScheme', 'https', 'preferredControlChannelScheme', 'https'],
  ['InstanceCountMultiplier', '2', 'instanceCountMultiplier', 2],
  ['EnvVarForCallbackIp', 'CALLBACK_IP', 'envVarForCallbackIp', 'CALLBACK_IP'],
  ['ScalingAlgorithm', 'simple', 'scalingAlgorithm', 'simple'],
  ['ScalingAlgorithm', 'Simple', 'scalingAlgorithm', 'simple'],
  ['ScalingAlgorithm', 'ewma', 'scalingAlgorithm', 'ewma'],
  ['ScalingAlgorithm', 'EWMA', 'scalingAlgorithm', 'ewma'],
  ['AllowInsecureControlChannel', 'True', 'allowInsecureControlChannel', true],
  ['IncomingRequestTimeout', '00:00:30', 'queueTimeoutMs', 30_000],
  ['IncomingRequestTimeout', '45s', 'queueTimeoutMs', 45_000],
  ['MaxRequestHeadBytes', '32KiB', 'maxRequestHeadBytes', 32 * 1024],
  ['ShutdownTimeout', '0', 'shutdownTimeoutMs', 0],
  ['ClientRequestTimeout', '5m', 'clientRequestTimeoutMs', 300_000],
  ['AccessLog', 'false', 'accessLog', false],
  ['LogLevel', 'DEBUG', 'logLevel', 'debug'],
  ['LogFormat', 'pretty', 'logFormat', 'pretty'],
  ['ListenHost', '127.0.0.1', 'listenHost', '127.0.0.1'],
  ['IncomingRequestHTTPPort', '0', 'incomingRequestHttpPort', 0],
  ['ClientPrefaceTimeout', '2s', 'clientPrefaceTimeoutMs', 2000],
  ['RequestBodyTimeout', '0', 'requestBodyTimeoutMs', 0],
  ['RequestBodyTimeout', '90s', 'requestBodyTimeoutMs', 90_000],
  ['MinRequestBodyDataRate', '0', 'minRequestBodyDataRate', 0],
  ['MinRequestBodyDataRate', '1024', 'minRequestBodyDataRate', 1024],
  ['MinRequestBodyDataRateGrace', '10s', 'minRequestBodyDataRateGraceMs', 10_000],
  ['MaxConnections', '20000', 'maxConnections', 20_000],
  ['MaxStreamsPerConnection', '250', 'maxStreamsPerConnection', 250],
]
for (const [key, value, field, expected] of validOriginal) {
  test(`LAMBDA_DISPATCH_${key}="${value}" reads back as ${String(expected)}`, () => {
    assert.equal(loadRouterConfig({ ...BASE, [`LAMBDA_DISPATCH_${key}`]: value })[field], expected)
  })
}

test('slow-client limits (issue 12): defaults, and values out of range are refused', () => {
  const config = loadRouterConfig(BASE)
  assert.equal(config.clientPrefaceTimeoutMs, 5000)
  assert.equal(config.requestBodyTimeoutMs, 600_000)
  assert.equal(config.minRequestBodyDataRate, 240)
  assert.equal(config.minRequestBodyDataRateGraceMs, 5000)
  assert.equal(config.maxConnections, 5000)
  assert.equal(config.maxStreamsPerConnection, 100)
  assert.deepEqual(
    problemsOf({
      ...BASE,
      LAMBDA_DISPATCH_ClientPrefaceTimeout: '0',
      LAMBDA_DISPATCH_MinRequestBodyDataRate: '-1',
      LAMBDA_DISPATCH_MaxConnections: '0',
      LAMBDA_DISPATCH_MaxStreamsPerConnection: '0',
    }),
    [
      'LAMBDA_DISPATCH_ClientPrefaceTimeout must be a duration 1ms–24h like 250ms, 30s, 2m or 00:02:00, got "0"',
      'LAMBDA_DISPATCH_MinRequestBodyDataRate must be an integer 0–1000000000, got "-1"',
      'LAMBDA_DISPATCH_MaxConnections must be an integer 1–1000000, got "0"',
      'LAMBDA_DISPATCH_MaxStreamsPerConnection must be an integer 1–10000, got "0"',
    ],
  )
})

test('an explicit ChannelCount below MaxConcurrentCount is refused; -1 resolves and caps at 100', () => {
  assert.deepEqual(
    problemsOf({ ...BASE, LAMBDA_DISPATCH_MaxConcurrentCount: '20', LAMBDA_DISPATCH_ChannelCount: '10' }),
    ['LAMBDA_DISPATCH_ChannelCount must be -1 or at least MaxConcurrentCount (20), got "10"'],
  )
  assert.equal(loadRouterConfig({ ...BASE, LAMBDA_DISPATCH_MaxConcurrentCount: '70' }).channelCount, 100)
})

test('PreferredControlChannelScheme=http needs AllowInsecureControlChannel (ConfigTests.cs, both ways)', () => {
  assert.deepEqual(problemsOf({ ...BASE, LAMBDA_DISPATCH_PreferredControlChannelScheme: 'http' }), [
    'LAMBDA_DISPATCH_PreferredControlChannelScheme may be "http" only when LAMBDA_DISPATCH_AllowInsecureControlChannel is true',
  ])
  const config = loadRouterConfig({
    ...BASE,
    LAMBDA_DISPATCH_AllowInsecureControlChannel: 'true',
    LAMBDA_DISPATCH_PreferredControlChannelScheme: 'http',
  })
  assert.equal(config.preferredControlChannelScheme, 'http')
  assert.equal(config.allowInsecureControlChannel, true)
})

test('every bad setting is reported at once, each naming the variable, the accepted form and the value', () => {
  const problems = problemsOf({
    LAMBDA_DISPATCH_MaxConcurrentCount: 'abc',
    LAMBDA_DISPATCH_InstanceCountMultiplier: '0',
    LAMBDA_DISPATCH_AllowInsecureControlChannel: 'maybe',
    LAMBDA_DISPATCH_IncomingRequestTimeout: 'forever',
    LAMBDA_DISPATCH_MaxRequestHeadBytes: 'huge',
    LAMBDA_DISPATCH_AllowedLambdaNames: 'good-fn, bad fn',
    LAMBDA_DISPATCH_LogLevel: 'loud',
  })
  assert.deepEqual(problems, [
    'LAMBDA_DISPATCH_MaxConcurrentCount must be an integer 1–100, got "abc"',
    'LAMBDA_DISPATCH_InstanceCountMultiplier must be an integer 1–10, got "0"',
    'LAMBDA_DISPATCH_AllowInsecureControlChannel must be true or false, got "maybe"',
    'LAMBDA_DISPATCH_IncomingRequestTimeout must be a duration 1ms–24h like 250ms, 30s, 2m or 00:02:00, got "forever"',
    'LAMBDA_DISPATCH_AllowedLambdaNames must be a comma-separated list of function names, name:qualifier or ARNs; not valid: bad fn, got "good-fn, bad fn"',
    'LAMBDA_DISPATCH_MaxRequestHeadBytes must be a size 1024–16777216 bytes like 65536, 64KiB or 1MiB, got "huge"',
    'LAMBDA_DISPATCH_LogLevel must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    'LAMBDA_DISPATCH_FunctionName (or --function-name) is required: a function name, name:qualifier or ARN',
  ])
  assert.match(new ConfigError(problems).message, /^invalid configuration:\n {2}- LAMBDA_DISPATCH_MaxConcurrentCount/)
})

test('env keys are matched case-insensitively, and the documented casing wins over another spelling', () => {
  assert.equal(
    loadRouterConfig({ lambda_dispatch_functionname: 'lower-case', LAMBDA_DISPATCH_MAXCONCURRENTCOUNT: '7' })
      .maxConcurrentCount,
    7,
  )
  assert.equal(
    loadRouterConfig({ lambda_dispatch_functionname: 'other', LAMBDA_DISPATCH_FunctionName: 'documented' })
      .functionName,
    'documented',
  )
})

test('CLI flags map to the same settings and win over env', () => {
  const config = loadRouterConfig({ ...BASE, LAMBDA_DISPATCH_MaxConcurrentCount: '5' }, [
    '--max-concurrent-count',
    '30',
    '--function-name=from-flag',
    '--allow-insecure-control-channel',
    '--preferred-control-channel-scheme',
    'http',
    '--access-log',
    'false',
    '--incoming-request-http-port',
    '0',
  ])
  assert.equal(config.maxConcurrentCount, 30)
  assert.equal(config.functionName, 'from-flag')
  assert.equal(config.allowInsecureControlChannel, true)
  assert.equal(config.preferredControlChannelScheme, 'http')
  assert.equal(config.accessLog, false)
  assert.equal(config.incomingRequestHttpPort, 0)
})

test('bad flags are named by flag, unknown flags and missing values are reported with the rest', () => {
  assert.deepEqual(problemsOf(BASE, ['--max-concurrent-count', '0', '--no-such-thing', '--queue-limit']), [
    'unknown option "--no-such-thing" (see --help)',
    '--queue-limit needs a value (integer 0–1000000)',
    '--max-concurrent-count must be an integer 1–100, got "0"',
  ])
})

test('a mistyped flag is refused naming the flag it was most likely meant to be', () => {
  assert.deepEqual(problemsOf(BASE, ['--max-instance=3', '--queue-limt', '5']).slice(0, 2), [
    'unknown option "--max-instance=3": did you mean --max-instances? (see --help)',
    'unknown option "--queue-limt": did you mean --queue-limit? (see --help)',
  ])
})

test('cross-setting rules: min/max instances, TLS pair, client timeouts, duplicate ports, FunctionName on the allow-list', () => {
  assert.deepEqual(
    problemsOf({
      ...BASE,
      LAMBDA_DISPATCH_MinInstances: '5',
      LAMBDA_DISPATCH_MaxInstances: '2',
      LAMBDA_DISPATCH_TlsCertPath: '/tmp/cert.pem',
      LAMBDA_DISPATCH_ClientRequestTimeout: '10s',
      LAMBDA_DISPATCH_AllowInsecureControlChannel: 'true',
      LAMBDA_DISPATCH_ControlChannelInsecureHTTP2Port: '5001',
      LAMBDA_DISPATCH_AllowedLambdaNames: 'my-function',
    }),
    [
      'LAMBDA_DISPATCH_MinInstances (5) must not exceed MaxInstances (2)',
      'LAMBDA_DISPATCH_TlsCertPath and LAMBDA_DISPATCH_TlsKeyPath must be set together',
      'LAMBDA_DISPATCH_ClientRequestTimeout must be 0 or at least ClientHeadersTimeout (60000 ms)',
      'LAMBDA_DISPATCH_AllowedLambdaNames must not repeat FunctionName "my-function": it is the default pool',
      'LAMBDA_DISPATCH_ControlChannelInsecureHTTP2Port and LAMBDA_DISPATCH_IncomingRequestHTTPPort both use port 5001',
    ],
  )
})

test('PoolInstanceLimits reads per-pool limits from env or flag, by FunctionName or allow-listed name', () => {
  const env = {
    ...BASE,
    LAMBDA_DISPATCH_AllowedLambdaNames: 'reports',
    LAMBDA_DISPATCH_PoolInstanceLimits: 'my-function=1:3, reports=0:1',
  }
  assert.deepEqual(loadRouterConfig(env).poolInstanceLimits, [
    { poolName: 'my-function', minInstances: 1, maxInstances: 3 },
    { poolName: 'reports', minInstances: 0, maxInstances: 1 },
  ])
  assert.deepEqual(loadRouterConfig(env, ['--pool-instance-limits', 'reports=2:2']).poolInstanceLimits, [
    { poolName: 'reports', minInstances: 2, maxInstances: 2 },
  ])
  assert.deepEqual(loadRouterConfig(BASE).poolInstanceLimits, [])
})

test('PoolInstanceLimits naming no pool, or a bad entry, is reported with the other bad settings, by env or flag', () => {
  assert.deepEqual(
    problemsOf({
      ...BASE,
      LAMBDA_DISPATCH_AllowedLambdaNames: 'reports',
      LAMBDA_DISPATCH_PoolInstanceLimits: 'reports=0:1,default=1:2,elsewhere=0:1',
      LAMBDA_DISPATCH_QueueLimit: '-1',
    }),
    [
      'LAMBDA_DISPATCH_QueueLimit must be an integer 0–1000000, got "-1"',
      'LAMBDA_DISPATCH_PoolInstanceLimits names "default", "elsewhere", which are neither FunctionName nor on AllowedLambdaNames',
    ],
  )
  assert.deepEqual(problemsOf(BASE, ['--pool-instance-limits=my-function=3:1,x=0:1', '--max-instances', '0']), [
    '--max-instances must be an integer 1–10000, got "0"',
    '--pool-instance-limits must be name=min:max[,name=min:max…] with integers 0 ≤ min ≤ max and 1 ≤ max ≤ 10000, each pool once; not valid: my-function=3:1 (min above max), got "my-function=3:1,x=0:1"',
  ])
  assert.deepEqual(problemsOf(BASE, ['--pool-instance-limits', 'other=0:1']), [
    '--pool-instance-limits names "other", which is neither FunctionName nor on AllowedLambdaNames',
  ])
})

test('AWS region and the Lambda endpoint come from the SDK variables', () => {
  const config = loadRouterConfig({
    ...BASE,
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9001',
  })
  assert.equal(config.awsRegion, 'eu-west-1')
  assert.equal(config.lambdaEndpoint, 'http://127.0.0.1:9001')
  assert.deepEqual(problemsOf({ ...BASE, AWS_ENDPOINT_URL_LAMBDA: 'ftp://x' }), [
    'AWS_ENDPOINT_URL_LAMBDA must be an http:// or https:// URL, got "ftp://x"',
  ])
})

test('AllowedLambdaNames is a de-duplicated list of names, qualifiers and ARNs', () => {
  assert.deepEqual(
    loadRouterConfig({
      ...BASE,
      LAMBDA_DISPATCH_AllowedLambdaNames: 'a, b:live ,a,arn:aws:lambda:us-east-1:123456789012:function:c',
    }).allowedLambdaNames,
    ['a', 'b:live', 'arn:aws:lambda:us-east-1:123456789012:function:c'],
  )
})

test('every setting has a default (or is FunctionName), a unique flag and env var, and a parser that accepts its default', () => {
  const fields = new Set(ROUTER_SETTINGS.map((spec) => spec.field))
  assert.deepEqual(
    [...fields].sort(),
    ['functionName', ...Object.keys(ROUTER_DEFAULTS)].sort(),
    'ROUTER_SETTINGS and ROUTER_DEFAULTS cover the same fields',
  )
  assert.equal(new Set(ROUTER_SETTINGS.map((spec) => spec.flag)).size, ROUTER_SETTINGS.length)
  assert.equal(new Set(ROUTER_SETTINGS.flatMap((spec) => spec.env)).size, ROUTER_SETTINGS.flatMap((s) => s.env).length)
  for (const spec of ROUTER_SETTINGS) {
    if (spec.required !== undefined || spec.default === undefined) continue
    const text = spec.format(spec.default as never)
    assert.deepEqual(spec.parse(text), { value: spec.default }, `${spec.env[0]} default ${text}`)
  }
})

test('docs/router.md lists every key of ROUTER_DEFAULTS with its env var and flag', () => {
  const docs = readFileSync(resolve(import.meta.dirname, '../../../docs/router.md'), 'utf8')
  const rows = docs.split('\n').filter((line) => line.startsWith('| `'))
  for (const field of ['functionName', ...Object.keys(ROUTER_DEFAULTS)]) {
    const spec = ROUTER_SETTINGS.find((candidate) => candidate.field === field)
    assert.ok(spec, `no setting for ${field}`)
    const row = rows.find((line) => line.includes(`\`${spec.env[0]}\``))
    assert.ok(row, `docs/router.md has no config row for ${spec.env[0]} (${field})`)
    assert.ok(row.includes(`\`${spec.flag}\``), `the ${spec.env[0]} row names ${spec.flag}`)
  }
})
