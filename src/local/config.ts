// Configuration of the local Lambda service: the types, its settings tables (defaults and value rules written once,
// src/common/settings) and one validation step. No I/O.
import {
  bad,
  ConfigError,
  checkSettings,
  defineSetting,
  durationIn,
  integerIn,
  type Logger,
  MAX_TIMER_MS,
  ok,
  oneOf,
  type Parsed,
  parseBoolean,
  type Setting,
  type SettingParser,
  settingDefaults,
  textMatching,
} from '../common/index.js'

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

/** A function's settings that have a default and a value rule: what LOCAL_FUNCTION_SETTINGS fills. */
type FunctionSettings = Required<
  Pick<
    LocalFunctionConfig,
    | 'handler'
    | 'timeoutMs'
    | 'memoryMb'
    | 'coldStartDelayMs'
    | 'initTimeoutMs'
    | 'freezeWhenIdle'
    | 'idleEnvironmentTtlMs'
    | 'shutdownTimeoutMs'
    | 'inheritEnv'
  >
>

/** The service's settings that have a default and a value rule: what LOCAL_LAMBDA_SETTINGS fills. */
type ServiceSettings = Required<
  Pick<LocalLambdaConfig, 'host' | 'port' | 'region' | 'accountId' | 'accountConcurrencyLimit' | 'childOutput'>
>

// The local Lambda is configured by an object, not the environment: its rows have no variable or flag, and
// checkSettings reads each field through the row's parser.
function row<C, K extends keyof C>(
  field: K,
  defaultValue: C[K],
  parse: SettingParser<C[K]>,
  description: string,
  unit = '',
): Setting<C> {
  return defineSetting<C, K>(field, { env: [], unit, default: defaultValue, description, parse })
}

/** A function setting in milliseconds. */
export type MillisecondField =
  | 'timeoutMs'
  | 'coldStartDelayMs'
  | 'initTimeoutMs'
  | 'idleEnvironmentTtlMs'
  | 'shutdownTimeoutMs'

// The bounds of each millisecond setting: its row checks them, and so does a command-line flag that sets it
// (durationRuleFor).
const MILLISECOND_BOUNDS: Readonly<Record<MillisecondField, readonly [minMs: number, maxMs: number]>> = {
  // At most Lambda's own 15 min; the floor is 1 ms, below Lambda's 1 s.
  timeoutMs: [1, 900_000],
  coldStartDelayMs: [0, MAX_TIMER_MS],
  initTimeoutMs: [1, MAX_TIMER_MS],
  idleEnvironmentTtlMs: [1, MAX_TIMER_MS],
  shutdownTimeoutMs: [0, MAX_TIMER_MS],
}

function milliseconds(field: MillisecondField, defaultMs: number, description: string) {
  const [minMs, maxMs] = MILLISECOND_BOUNDS[field]
  const parse = integerIn(minMs, maxMs)
  return defineSetting<FunctionSettings, MillisecondField>(field, {
    env: [],
    unit: 'ms',
    default: defaultMs,
    description,
    parse,
  })
}

/**
 * The rule of a millisecond setting with its row's bounds, written as a duration (`250ms`, `30s`, `2m`): for a
 * command-line flag that sets it. The configuration object itself takes whole milliseconds.
 */
export function durationRuleFor(field: MillisecondField): SettingParser<number> {
  const [minMs, maxMs] = MILLISECOND_BOUNDS[field]
  return durationIn(minMs, maxMs)
}

// Handed on as given: the runtime reads its handler, the listener resolves its host.
const anyText: SettingParser<string> = (text) => ok(text)

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/

function parseRegion(text: string): Parsed<string> {
  const trimmed = text.trim()
  return REGION.test(trimmed) ? ok(trimmed) : bad('must look like us-east-1')
}

/** Each function's settings, their defaults and value rules. */
export const LOCAL_FUNCTION_SETTINGS: readonly Setting<FunctionSettings>[] = Object.freeze([
  row<FunctionSettings, 'handler'>(
    'handler',
    'index.handler',
    anyText,
    "_HANDLER, as a zip function's handler setting would set it.",
  ),
  milliseconds(
    'timeoutMs',
    3000,
    'Function timeout: an invoke still running at the end gets "Task timed out" and its environment is destroyed.',
  ),
  row<FunctionSettings, 'memoryMb'>(
    'memoryMb',
    128,
    integerIn(128, 10_240),
    'Memory size, told to the processes in AWS_LAMBDA_FUNCTION_MEMORY_SIZE.',
    'MB',
  ),
  milliseconds(
    'coldStartDelayMs',
    0,
    'Simulated sandbox creation time before the processes start (not counted in the init limit).',
  ),
  milliseconds(
    'initTimeoutMs',
    10_000,
    'Limit of the init phase: extensions registered, then the runtime and every extension waiting for an event.',
  ),
  row<FunctionSettings, 'freezeWhenIdle'>(
    'freezeWhenIdle',
    false,
    parseBoolean,
    'SIGSTOP every process of an idle environment, SIGCONT at its next invoke, as Lambda freezes sandboxes.',
  ),
  milliseconds(
    'idleEnvironmentTtlMs',
    300_000,
    'How long an idle warm environment is kept before it is shut down with reason spindown.',
  ),
  milliseconds(
    'shutdownTimeoutMs',
    2000,
    'Time the shutdown phase allows: the runtime gets 30% of it after SIGTERM, extensions subscribed to SHUTDOWN all.',
  ),
  row<FunctionSettings, 'inheritEnv'>(
    'inheritEnv',
    true,
    parseBoolean,
    "Start the processes from this process's environment (PATH, HOME…) before adding the Lambda variables.",
  ),
])

/** The service's settings, their defaults and value rules. */
export const LOCAL_LAMBDA_SETTINGS: readonly Setting<ServiceSettings>[] = Object.freeze([
  row<ServiceSettings, 'accountConcurrencyLimit'>(
    'accountConcurrencyLimit',
    1000,
    integerIn(1, 100_000),
    'Concurrent invokes the account allows, shared by the functions without a reserved concurrency.',
  ),
  row<ServiceSettings, 'host'>('host', '127.0.0.1', anyText, 'Address the Invoke API listens on.'),
  row<ServiceSettings, 'port'>('port', 0, integerIn(0, 65_535), 'Port of the Invoke API; 0 picks a free one.'),
  row<ServiceSettings, 'accountId'>(
    'accountId',
    '123456789012',
    textMatching(/^\d{12}$/, '12 digits'),
    'Account id in the function ARNs.',
  ),
  row<ServiceSettings, 'region'>('region', 'us-east-1', parseRegion, 'AWS_REGION of the processes and the ARNs.'),
  row<ServiceSettings, 'childOutput'>(
    'childOutput',
    'log',
    oneOf(['log', 'inherit', 'ignore', 'print'] as const),
    "Where the processes' output goes: log, inherit, ignore or print.",
  ),
])

/** Every function default, derived from LOCAL_FUNCTION_SETTINGS, and the two lists a function may leave out. */
export const LOCAL_FUNCTION_DEFAULTS = Object.freeze({
  ...(settingDefaults(LOCAL_FUNCTION_SETTINGS) as FunctionSettings),
  extensionCommands: Object.freeze([]) as readonly (readonly string[])[],
  portVariables: Object.freeze([]) as readonly string[],
})

/** Every service default, derived from LOCAL_LAMBDA_SETTINGS. */
export const LOCAL_LAMBDA_DEFAULTS = settingDefaults(LOCAL_LAMBDA_SETTINGS) as Readonly<ServiceSettings>

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

/** Validates the whole configuration once and returns it frozen, or throws ConfigError listing every problem. */
export function resolveLocalLambdaConfig(config: LocalLambdaConfig, cwd: string): ResolvedLocalLambdaConfig {
  const problems: string[] = []
  // The service's problems come after the functions', as the service's fields follow `functions` in the object.
  const serviceProblems: string[] = []
  const service = checkSettings(LOCAL_LAMBDA_SETTINGS, config, '', serviceProblems)
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
    // Reserved concurrency is bounded by the account limit, so its row is made per configuration.
    const reservedRow = row<{ reservedConcurrency: number }, 'reservedConcurrency'>(
      'reservedConcurrency',
      service.accountConcurrencyLimit,
      integerIn(0, service.accountConcurrencyLimit),
      "Concurrent invokes reserved for the function, up to the account's limit; beyond them, 429 throttles.",
    )
    const { reservedConcurrency } = checkSettings([reservedRow], fn, `${at}.`, problems)
    const settings = checkSettings(LOCAL_FUNCTION_SETTINGS, fn, `${at}.`, problems)
    functions.set(
      name,
      Object.freeze({
        ...settings,
        name,
        runtimeCommand: [...fn.runtimeCommand],
        extensionCommands: extensionCommands.map((argv) => [...argv]),
        env: { ...fn.env },
        portVariables: [...portVariables],
        cwd: fn.cwd ?? cwd,
        concurrencyLimit: reservedConcurrency,
        hasReservedConcurrency: fn.reservedConcurrency !== undefined,
      }),
    )
  }
  problems.push(...serviceProblems)
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({
    functions,
    host: service.host,
    port: service.port,
    region: service.region,
    accountId: service.accountId,
    childOutput: service.childOutput,
  })
}
