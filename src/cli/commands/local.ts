// `lambda-dispatch local` (what `npm start` runs): the local Lambda service, the router and the demo app (or the
// user's app) on one machine. Prints the URL to try and a live one-line status; Ctrl-C or SIGTERM closes everything.
import { availableParallelism } from 'node:os'
import { type Command, InvalidArgumentError } from 'commander'
import { ConfigError, createRootLogger, LOG_LEVELS, type LogLevel } from '../../common/index.js'
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
  functionName: string
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
    .option('--port <port>', 'router front door port (HTTP/1.1 and h2c)', integer, LOCAL_STACK_DEFAULTS.frontDoorPort)
    .option('--control-port <port>', 'router control channel port (h2c)', integer, LOCAL_STACK_DEFAULTS.controlPort)
    .option(
      '--admin-port <port>',
      'router admin port: dashboard, /metrics, /health, /ready (default 5005; 0 with --port 0)',
      integer,
    )
    .option('--app <command>', "your app's command line; it must listen on $PORT (default: the demo app)")
    .option('--function-name <name>', 'name of the local function', LOCAL_STACK_DEFAULTS.functionName)
    .option('--cold-start <ms>', 'simulated cold start of each new execution environment', integer, 0)
    .option('--function-timeout <ms>', 'function timeout: each invoke ends by then', integer, 60_000)
    .option('--concurrency <n>', 'concurrent invokes allowed (beyond: 429 throttles)', integer, 50)
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
  if (!LOG_LEVELS.includes(options.logLevel)) {
    process.stderr.write(`lambda-dispatch local: --log-level must be one of ${LOG_LEVELS.join(', ')}\n`)
    return 1
  }
  let functionEnv: Record<string, string>
  let routerSettings: Record<string, string>
  try {
    functionEnv = keyValues(options.env, '')
    routerSettings = keyValues(options.routerSetting, 'LAMBDA_DISPATCH_')
  } catch (error) {
    process.stderr.write(`lambda-dispatch local: ${(error as Error).message}\n`)
    return 1
  }
  if (options.logFormat !== undefined && options.logFormat !== 'json' && options.logFormat !== 'pretty') {
    process.stderr.write('lambda-dispatch local: --log-format must be json or pretty\n')
    return 1
  }
  const pretty = options.logFormat === undefined ? process.stdout.isTTY === true : options.logFormat === 'pretty'
  const logger = createRootLogger({ level: options.logLevel, pretty }, { app: 'local' })
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
      functionName: options.functionName,
      ...(options.app === undefined ? {} : { appCommand: ['/bin/sh', '-c', options.app] }),
      coldStartDelayMs: options.coldStart,
      functionTimeoutMs: options.functionTimeout,
      concurrencyLimit: options.concurrency,
      freezeWhenIdle: options.freeze,
      functionEnv,
      routerSettings: {
        LAMBDA_DISPATCH_LogLevel: options.logLevel,
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
  process.stdout.write(
    [
      `Lambda Dispatch is running locally (function "${stack.functionName}").`,
      `  Try:   curl ${url}/ping`,
      `         curl -X POST --data-binary @package.json ${url}/echo`,
      `         curl -N ${url}/sse?n=5\\&interval=500`,
      `  Dashboard:  ${stack.addresses.adminUrl}/   (or: lambda-dispatch status --url ${stack.addresses.adminUrl})`,
      `  Router front door ${url}   control ${stack.addresses.controlUrls.join(' ')}`,
      `  Instances  ${stack.router.config.minInstances} kept warm, at most ${stack.router.config.maxInstances} per pool (${
        maxInstancesGiven
          ? 'from --router-setting MaxInstances'
          : `sized to this machine: ${cpuCount} CPUs, one instance per 2; --router-setting MaxInstances=N to change`
      })`,
      `  Metrics    ${stack.addresses.adminUrl}/metrics`,
      `  Local Lambda API  ${stack.lambda.endpoint}`,
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

function integer(text: string): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError('expected a whole number')
  return value
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
