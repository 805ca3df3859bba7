// `lambda-dispatch local` (what `npm start` runs): the local Lambda service, the router and the demo app (or the
// user's app) on one machine. Prints the URL to try and a live one-line status; Ctrl-C or SIGTERM closes everything.
import { availableParallelism } from 'node:os'
import { type Command, InvalidArgumentError } from 'commander'
import {
  ConfigError,
  createRootLogger,
  describeUnknownSetting,
  integerIn,
  LOG_LEVELS,
  type LogLevel,
  oneOf,
  type SettingParser,
  settingEnvNames,
  settingFor,
  unknownSettings,
} from '../../common/index.js'
import { EXTENSION_SETTINGS } from '../../extension/index.js'
import {
  durationRuleFor,
  LOCAL_FUNCTION_SETTINGS,
  LOCAL_LAMBDA_DEFAULTS,
  type MillisecondField,
} from '../../local/index.js'
import { ROUTER_SETTINGS } from '../../router/index.js'
import { LOCAL_STACK_DEFAULTS, type LocalStack, startLocalStack } from '../local-stack.js'
import { LOCAL_MIN_INSTANCES, localMaxInstances } from '../machine-size.js'
import {
  formatStatusLine,
  type PrintedStatus,
  type StatusSample,
  sampleStatus,
  statusLineOutput,
} from '../status-line.js'

interface LocalCommandOptions {
  port: number
  controlPort: number
  adminPort?: number
  app?: string
  functionName?: string
  readinessPath?: string
  initTimeout: number
  coldStart: number
  functionTimeout: number
  concurrency: number
  freeze: boolean
  logLevel: LogLevel
  logFormat?: string
  routerSetting: string[]
  env: string[]
  status: boolean
}

export function registerLocalCommand(program: Command): void {
  program
    .command('local')
    .description('run the whole system on this machine: local Lambda service, router and the demo app (or your app)')
    .option(
      '--port <port>',
      'router front door port (HTTP/1.1 and h2c)',
      routerPort('incomingRequestHttpPort'),
      LOCAL_STACK_DEFAULTS.frontDoorPort,
    )
    .option(
      '--control-port <port>',
      'router control channel port (h2c)',
      routerPort('controlChannelInsecureHttp2Port'),
      LOCAL_STACK_DEFAULTS.controlPort,
    )
    .option(
      '--admin-port <port>',
      'router admin port: dashboard, /metrics, /health, /ready (default 5005; 0 with --port 0)',
      routerPort('adminPort'),
    )
    .option(
      '--app <command>',
      "your app's command line; it must listen on 127.0.0.1:$PORT and answer GET /health with 2xx (see --readiness-path)",
    )
    .option('--readiness-path <path>', 'path the extension probes until the app answers 2xx (default: /health)')
    .option('--init-timeout <ms>', ...functionDuration('initTimeoutMs'), LOCAL_STACK_DEFAULTS.initTimeoutMs)
    .option('--function-name <name>', 'name of the local function (default: lambda-dispatch-demo, or app with --app)')
    .option('--cold-start <ms>', ...functionDuration('coldStartDelayMs'), LOCAL_STACK_DEFAULTS.coldStartDelayMs)
    .option('--function-timeout <ms>', ...functionDuration('timeoutMs'), LOCAL_STACK_DEFAULTS.functionTimeoutMs)
    .option(
      '--concurrency <n>',
      'concurrent invokes allowed (beyond: 429 throttles)',
      // The function's reserved concurrency, up to the account's; at least 1 here, as 0 would throttle every invoke.
      byRule(integerIn(1, LOCAL_LAMBDA_DEFAULTS.accountConcurrencyLimit)),
      LOCAL_STACK_DEFAULTS.concurrencyLimit,
    )
    .option('--no-freeze', 'do not freeze idle execution environments (SIGSTOP) between invokes')
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, 'warn')
    .option('--log-format <format>', 'json or pretty (default: pretty on a terminal, json otherwise)')
    .option(
      '--router-setting <KEY=VALUE>',
      'a router setting by env name, e.g. MaxConcurrentCount=5 (repeatable)',
      collect,
      [],
    )
    .option('--env <KEY=VALUE>', 'a variable for the app and the extension (repeatable)', collect, [])
    .option('--no-status', 'do not print the live status line')
    .action(async (options: LocalCommandOptions) => {
      process.exitCode = await runLocal(options)
    })
}

async function runLocal(options: LocalCommandOptions): Promise<number> {
  const level = oneOf(LOG_LEVELS)(options.logLevel)
  if ('problem' in level) return refuse(`--log-level ${level.problem}`)
  // Pretty on a terminal, JSON otherwise, unless --log-format says.
  const format = oneOf(['json', 'pretty'] as const)(options.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json'))
  if ('problem' in format) return refuse(`--log-format ${format.problem}`)
  let functionEnv: Record<string, string>
  let routerSettings: Record<string, string>
  try {
    functionEnv = keyValues(options.env, '')
    routerSettings = keyValues(options.routerSetting, 'LAMBDA_DISPATCH_')
    // A flag was given on purpose: a mistyped name is an error, not a setting silently ignored.
    const unknown = [
      ...unknownSettings(Object.keys(routerSettings), settingEnvNames(ROUTER_SETTINGS), 'LAMBDA_DISPATCH_'),
      ...unknownSettings(Object.keys(functionEnv), settingEnvNames(EXTENSION_SETTINGS), 'LAMBDA_DISPATCH_'),
    ]
    if (unknown.length > 0) throw new Error(unknown.map(describeUnknownSetting).join('; '))
    if (options.readinessPath !== undefined && !options.readinessPath.startsWith('/')) {
      throw new Error('--readiness-path must start with "/"')
    }
  } catch (error) {
    return refuse((error as Error).message)
  }
  const logger = createRootLogger({ level: level.value, pretty: format.value === 'pretty' }, { app: 'local' })
  // Sized to this machine unless --router-setting MaxInstances=N (any letter case) says otherwise.
  const cpuCount = availableParallelism()
  const given = (key: string): boolean =>
    Object.keys(routerSettings).some((name) => name.toLowerCase() === `lambda_dispatch_${key.toLowerCase()}`)
  const maxInstancesGiven = given('MaxInstances')
  // One instance kept warm: the first requests after start or after a pause do not wait for a cold start, and with
  // IdleGraceMs it costs one invoke per function timeout. --router-setting MinInstances=0 turns it off.
  const minInstancesGiven = given('MinInstances')
  let stack: LocalStack
  try {
    stack = await startLocalStack({
      frontDoorPort: options.port,
      controlPort: options.controlPort,
      ...(options.adminPort === undefined ? {} : { adminPort: options.adminPort }),
      functionName: options.functionName ?? (options.app === undefined ? LOCAL_STACK_DEFAULTS.functionName : 'app'),
      ...(options.app === undefined ? {} : { appCommand: ['/bin/sh', '-c', options.app] }),
      ...(options.readinessPath === undefined ? {} : { readinessPath: options.readinessPath }),
      initTimeoutMs: options.initTimeout,
      // The app's own lines, prefixed with its environment; the extension's through the logger.
      childOutput: 'print',
      coldStartDelayMs: options.coldStart,
      functionTimeoutMs: options.functionTimeout,
      concurrencyLimit: options.concurrency,
      freezeWhenIdle: options.freeze,
      functionEnv,
      routerSettings: {
        LAMBDA_DISPATCH_LogLevel: level.value,
        ...(maxInstancesGiven ? {} : { LAMBDA_DISPATCH_MaxInstances: String(localMaxInstances(cpuCount)) }),
        ...(minInstancesGiven ? {} : { LAMBDA_DISPATCH_MinInstances: String(LOCAL_MIN_INSTANCES) }),
        ...routerSettings,
      },
      logger,
    })
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : (error as Error).message
    process.stderr.write(`lambda-dispatch local: failed to start: ${message}\n`)
    return 1
  }

  const url = stack.addresses.frontDoorUrl
  const tryLines =
    options.app === undefined
      ? [
          `  Try:   curl ${url}/ping`,
          `         curl -X POST --data-binary @package.json ${url}/echo`,
          `         curl -N ${url}/sse?n=5\\&interval=500`,
        ]
      : [
          `  Your app: ${options.app}`,
          `            (ready when GET ${readinessPath(options.readinessPath, functionEnv)} passes the readiness check;` +
            ` its output below, prefixed [${stack.functionName}-N])`,
          `  Try:   curl -i ${url}/`,
        ]
  process.stdout.write(
    [
      `Lambda Dispatch is running locally (function "${stack.functionName}").`,
      ...tryLines,
      `  Dashboard:  ${stack.addresses.adminUrl}/   (or: npx lambda-dispatch status --url ${stack.addresses.adminUrl})`,
      `  Router front door ${url}   control ${stack.addresses.controlUrls.join(' ')}`,
      `  Instances  ${stack.router.config.minInstances} kept warm, at most ${stack.router.config.maxInstances} per pool (${
        maxInstancesGiven
          ? 'from --router-setting MaxInstances'
          : `sized to this machine: ${cpuCount} CPUs, one instance per 2; --router-setting MaxInstances=N to change`
      })`,
      `  Metrics    ${stack.addresses.adminUrl}/metrics`,
      `  Local Lambda API  ${stack.lambda.endpoint}`,
      `  Events     npx lambda-dispatch invoke --endpoint ${stack.lambda.endpoint} --function-name ${stack.functionName} --event event.json`,
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  )

  const stopStatus = options.status ? startStatusLine(stack) : () => {}
  await new Promise<void>((resolve) => {
    let signals = 0
    const onSignal = (): void => {
      signals++
      if (signals > 1) process.exit(1)
      stopStatus()
      process.stdout.write('\nstopping: draining requests, shutting down execution environments...\n')
      void stack.close().then(resolve)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
  process.stdout.write('stopped.\n')
  return 0
}

// One line, rewritten in place on a terminal; elsewhere a line only when the picture changes, at most every 5 s
// (statusLineOutput). The interval is a display refresh for a person watching, not a wait for anything.
function startStatusLine(stack: LocalStack): () => void {
  const terminal = process.stdout.isTTY === true
  let previous: StatusSample | undefined
  let printed: PrintedStatus | undefined
  const timer = setInterval(() => {
    void sampleStatus(stack, previous).then((sample) => {
      previous = sample
      const output = statusLineOutput(formatStatusLine(sample), terminal, printed, Date.now())
      if (output === undefined) return
      process.stdout.write(output.text)
      printed = output.printed
    })
  }, 1000)
  timer.unref()
  return () => clearInterval(timer)
}

// The path the extension will probe: a variable given with --env wins, as it does in the extension.
function readinessPath(flagPath: string | undefined, env: Readonly<Record<string, string>>): string {
  return env.LAMBDA_DISPATCH_READINESS_PATH ?? env.AWS_LWA_READINESS_CHECK_PATH ?? flagPath ?? '/health'
}

function refuse(problem: string): number {
  process.stderr.write(`lambda-dispatch local: ${problem}\n`)
  return 1
}

/** A commander argument parser that applies a setting's rule (the one the router and the extension use). */
function byRule<T>(parse: SettingParser<T>): (text: string) => T {
  return (text) => {
    const parsed = parse(text)
    if ('problem' in parsed) throw new InvalidArgumentError(parsed.problem)
    return parsed.value
  }
}

/** A port flag with the rule of the router setting it sets. */
function routerPort(field: 'incomingRequestHttpPort' | 'controlChannelInsecureHttp2Port' | 'adminPort') {
  return byRule(settingFor(ROUTER_SETTINGS, field).parse)
}

/** The help and the rule of a duration flag that sets a setting of the local function, from the setting's row. */
function functionDuration(field: MillisecondField): [description: string, parse: (text: string) => number] {
  return [settingFor(LOCAL_FUNCTION_SETTINGS, field).description, byRule(durationRuleFor(field))]
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

function keyValues(pairs: readonly string[], prefix: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const equals = pair.indexOf('=')
    if (equals <= 0) throw new Error(`expected KEY=VALUE, got "${pair}"`)
    const key = pair.slice(0, equals)
    out[key.startsWith(prefix) ? key : `${prefix}${key}`] = pair.slice(equals + 1)
  }
  return out
}
