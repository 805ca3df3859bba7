// Configuration of the local Lambda service: the types, the defaults and one validation step. No I/O.
import { ConfigError, type Logger } from '../common/index.js'

/** Where each child process's stdout/stderr goes: one log line per output line, this process's own stdio, or nowhere. */
/**
 * Where the processes' output goes: the logger (each line one entry; JSON lines from pino keep their level), this
 * terminal, nowhere, or `print`: the runtime's (the app's) lines to this process's stdout and stderr, each prefixed
 * with the environment id, and the extensions' lines to the logger.
 */
export type ChildOutput = 'log' | 'inherit' | 'ignore' | 'print'

/** One function of the local Lambda service. Only `runtimeCommand` is required; docs/local.md lists every default. */
export interface LocalFunctionConfig {
  /** argv of the image ENTRYPOINT: for Lambda Dispatch, the user's web app. */
  runtimeCommand: readonly string[]
  /** argv of each process in /opt/extensions: for Lambda Dispatch, the extension. Default none. */
  extensionCommands?: readonly (readonly string[])[]
  /** Extra environment variables for every process of an environment; the reserved AWS_LAMBDA_* names are refused. */
  env?: Readonly<Record<string, string>>
  /**
   * Variables that get a loopback port of their own in each execution environment (one free port, the same value
   * in every listed name), e.g. `['PORT', 'LAMBDA_DISPATCH_PORT']`. Real sandboxes each have their own network
   * namespace; on one machine, two environments of a function would otherwise both bind the app's port.
   */
  portVariables?: readonly string[]
  /** Working directory of the processes, also `LAMBDA_TASK_ROOT`. Default this process's cwd. */
  cwd?: string
  /** `_HANDLER`, as a zip function's handler setting would set it. Default `index.handler`. */
  handler?: string
  /** Function timeout; an invoke still running at the end gets `Task timed out` and its environment is destroyed. */
  timeoutMs?: number
  memoryMb?: number
  /** Maximum concurrent invokes of this function; beyond it, 429 TooManyRequestsException. Default: the account limit. */
  reservedConcurrency?: number
  /** Simulated sandbox creation time before the processes are spawned (not counted in the init timeout). */
  coldStartDelayMs?: number
  /** Limit for the init phase: extensions registered, runtime and extensions waiting for their first event. */
  initTimeoutMs?: number
  /** SIGSTOP every process of an idle environment, SIGCONT at its next invoke, as Lambda freezes sandboxes. */
  freezeWhenIdle?: boolean
  /** How long an idle warm environment is kept before it is shut down with reason `spindown`. */
  idleEnvironmentTtlMs?: number
  /** Time the shutdown phase allows: the runtime gets 30% of it after SIGTERM, SHUTDOWN-subscribed extensions all of it. */
  shutdownTimeoutMs?: number
  /** Start the processes from this process's environment (PATH, HOME…) before adding the Lambda variables. */
  inheritEnv?: boolean
}

export interface LocalLambdaConfig {
  /** Functions by name (AWS naming rules: letters, digits, `-`, `_`, at most 64). */
  functions: Readonly<Record<string, LocalFunctionConfig>>
  /** Invoke API listen address; default 127.0.0.1, port 0 (ephemeral). */
  host?: string
  port?: number
  region?: string
  accountId?: string
  /** Account-wide concurrent invoke limit, applied to functions without `reservedConcurrency`. */
  accountConcurrencyLimit?: number
  childOutput?: ChildOutput
  logger?: Logger
}

export const LOCAL_FUNCTION_DEFAULTS = {
  extensionCommands: [] as readonly (readonly string[])[],
  portVariables: [] as readonly string[],
  handler: 'index.handler',
  timeoutMs: 3000,
  memoryMb: 128,
  coldStartDelayMs: 0,
  initTimeoutMs: 10_000,
  freezeWhenIdle: false,
  idleEnvironmentTtlMs: 300_000,
  shutdownTimeoutMs: 2000,
  inheritEnv: true,
} as const

export const LOCAL_LAMBDA_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  region: 'us-east-1',
  accountId: '123456789012',
  accountConcurrencyLimit: 1000,
  childOutput: 'log' as ChildOutput,
} as const

/** A function's settings after validation: every field present, nothing left to check. */
export interface ResolvedFunctionConfig {
  readonly name: string
  readonly runtimeCommand: readonly string[]
  readonly extensionCommands: readonly (readonly string[])[]
  readonly env: Readonly<Record<string, string>>
  readonly portVariables: readonly string[]
  readonly cwd: string
  readonly handler: string
  readonly timeoutMs: number
  readonly memoryMb: number
  readonly concurrencyLimit: number
  /** Whether the limit came from `reservedConcurrency` (it decides the 429 `Reason`). */
  readonly hasReservedConcurrency: boolean
  readonly coldStartDelayMs: number
  readonly initTimeoutMs: number
  readonly freezeWhenIdle: boolean
  readonly idleEnvironmentTtlMs: number
  readonly shutdownTimeoutMs: number
  readonly inheritEnv: boolean
}

export interface ResolvedLocalLambdaConfig {
  readonly functions: ReadonlyMap<string, ResolvedFunctionConfig>
  readonly host: string
  readonly port: number
  readonly region: string
  readonly accountId: string
  readonly childOutput: ChildOutput
}

/** Variables Lambda sets itself; a function's configuration may not override them (AWS refuses them too). */
export const RESERVED_ENV_NAMES: ReadonlySet<string> = new Set([
  '_HANDLER',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_REGION',
  'LAMBDA_RUNTIME_DIR',
  'LAMBDA_TASK_ROOT',
])

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/
// setTimeout's ceiling; longer timers fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1

/** Validates the whole configuration once and returns it frozen, or throws ConfigError listing every problem. */
export function resolveLocalLambdaConfig(config: LocalLambdaConfig, cwd: string): ResolvedLocalLambdaConfig {
  const problems: string[] = []
  const integer = (path: string, value: number | undefined, fallback: number, min: number, max: number): number => {
    if (value === undefined) return fallback
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${path} must be an integer ${min}-${max}, got ${JSON.stringify(value)}`)
      return fallback
    }
    return value
  }
  const accountLimit = integer(
    'accountConcurrencyLimit',
    config.accountConcurrencyLimit,
    LOCAL_LAMBDA_DEFAULTS.accountConcurrencyLimit,
    1,
    100_000,
  )
  const functions = new Map<string, ResolvedFunctionConfig>()
  for (const [name, fn] of Object.entries(config.functions)) {
    const at = `functions.${name}`
    if (!FUNCTION_NAME.test(name)) problems.push(`${at}: a function name is 1-64 of A-Z a-z 0-9 - _`)
    if (fn.runtimeCommand.length === 0 || fn.runtimeCommand.some((arg) => typeof arg !== 'string')) {
      problems.push(`${at}.runtimeCommand must be a non-empty argv array of strings`)
    }
    const extensionCommands = fn.extensionCommands ?? LOCAL_FUNCTION_DEFAULTS.extensionCommands
    extensionCommands.forEach((argv, index) => {
      if (argv.length === 0) problems.push(`${at}.extensionCommands[${index}] must be a non-empty argv array`)
    })
    for (const key of Object.keys(fn.env ?? {})) {
      if (RESERVED_ENV_NAMES.has(key)) problems.push(`${at}.env.${key} is reserved by Lambda and cannot be set`)
    }
    const portVariables = fn.portVariables ?? LOCAL_FUNCTION_DEFAULTS.portVariables
    for (const key of portVariables) {
      if (RESERVED_ENV_NAMES.has(key) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        problems.push(`${at}.portVariables: ${JSON.stringify(key)} is not a settable variable name`)
      }
    }
    const reserved = integer(`${at}.reservedConcurrency`, fn.reservedConcurrency, accountLimit, 0, accountLimit)
    functions.set(
      name,
      Object.freeze({
        name,
        runtimeCommand: [...fn.runtimeCommand],
        extensionCommands: extensionCommands.map((argv) => [...argv]),
        env: { ...fn.env },
        portVariables: [...portVariables],
        cwd: fn.cwd ?? cwd,
        handler: fn.handler ?? LOCAL_FUNCTION_DEFAULTS.handler,
        timeoutMs: integer(`${at}.timeoutMs`, fn.timeoutMs, LOCAL_FUNCTION_DEFAULTS.timeoutMs, 1, 900_000),
        memoryMb: integer(`${at}.memoryMb`, fn.memoryMb, LOCAL_FUNCTION_DEFAULTS.memoryMb, 128, 10_240),
        concurrencyLimit: reserved,
        hasReservedConcurrency: fn.reservedConcurrency !== undefined,
        coldStartDelayMs: integer(
          `${at}.coldStartDelayMs`,
          fn.coldStartDelayMs,
          LOCAL_FUNCTION_DEFAULTS.coldStartDelayMs,
          0,
          MAX_TIMER_MS,
        ),
        initTimeoutMs: integer(
          `${at}.initTimeoutMs`,
          fn.initTimeoutMs,
          LOCAL_FUNCTION_DEFAULTS.initTimeoutMs,
          1,
          MAX_TIMER_MS,
        ),
        freezeWhenIdle: fn.freezeWhenIdle ?? LOCAL_FUNCTION_DEFAULTS.freezeWhenIdle,
        idleEnvironmentTtlMs: integer(
          `${at}.idleEnvironmentTtlMs`,
          fn.idleEnvironmentTtlMs,
          LOCAL_FUNCTION_DEFAULTS.idleEnvironmentTtlMs,
          1,
          MAX_TIMER_MS,
        ),
        shutdownTimeoutMs: integer(
          `${at}.shutdownTimeoutMs`,
          fn.shutdownTimeoutMs,
          LOCAL_FUNCTION_DEFAULTS.shutdownTimeoutMs,
          0,
          MAX_TIMER_MS,
        ),
        inheritEnv: fn.inheritEnv ?? LOCAL_FUNCTION_DEFAULTS.inheritEnv,
      }),
    )
  }
  const port = integer('port', config.port, LOCAL_LAMBDA_DEFAULTS.port, 0, 65_535)
  if (config.accountId !== undefined && !/^\d{12}$/.test(config.accountId)) {
    problems.push(`accountId must be 12 digits, got ${JSON.stringify(config.accountId)}`)
  }
  if (config.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region)) {
    problems.push(`region must look like us-east-1, got ${JSON.stringify(config.region)}`)
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({
    functions,
    host: config.host ?? LOCAL_LAMBDA_DEFAULTS.host,
    port,
    region: config.region ?? LOCAL_LAMBDA_DEFAULTS.region,
    accountId: config.accountId ?? LOCAL_LAMBDA_DEFAULTS.accountId,
    childOutput: config.childOutput ?? LOCAL_LAMBDA_DEFAULTS.childOutput,
  })
}
