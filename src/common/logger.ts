// Logger factory: every component gets a pino child with fixed binding keys. No global logger lives here.
import { createRequire } from 'node:module'
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino'
import { LambdaDispatchError } from './errors.js'

export type { Logger } from 'pino'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export interface LoggerSettings {
  level: LogLevel
  /** Human-readable output for development (pino-pretty, when installed); JSON otherwise. */
  pretty?: boolean
  /** Where the JSON lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream
}

/** Creates the root logger of one process or one embedded component (router, extension, local Lambda). */
export function createRootLogger(settings: LoggerSettings, bindings: Record<string, unknown> = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: errorSerializer(settings.level === 'debug' || settings.level === 'trace') },
  }
  if (settings.pretty && !settings.destination) {
    // In-process, not a pino transport: a transport resolves its worker files beside pino's own sources, which the
    // esbuild bundle (dist/cli.js) does not have, so the built CLI fell back to JSON.
    const pretty = loadPinoPretty()
    if (pretty !== undefined) {
      return pino(options, pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid', sync: true }))
    }
  }
  return settings.destination ? pino(options, settings.destination) : pino(options)
}

/**
 * How `err` is written. Our errors write their code and context with instance and channel ids as the prefix, or whole
 * when the logger runs at debug (issue 13); anything else is pino's standard error serialisation.
 */
function errorSerializer(fullIds: boolean): (value: unknown) => unknown {
  return (value) =>
    value instanceof LambdaDispatchError
      ? { ...value.serialize({ fullIds }), stack: value.stack }
      : pino.stdSerializers.err(value as Error)
}

type PrettyFactory = (options: Record<string, unknown>) => DestinationStream

// pino-pretty is a development dependency: present in a clone, maybe absent where the package is installed.
function loadPinoPretty(): PrettyFactory | undefined {
  try {
    return createRequire(import.meta.url)('pino-pretty') as PrettyFactory
  } catch {
    return undefined
  }
}

/** A child logger for one component; `component` appears on every line. */
export function createLogger(parent: Logger, component: string, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ component, ...bindings })
}

/** A logger that writes nothing: the default for library use and tests that do not read logs. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' })
}
