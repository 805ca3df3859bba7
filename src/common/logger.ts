// Logger factory: every component gets a pino child with fixed binding keys. No global logger lives here.
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino'

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
  }
  if (settings.pretty && !settings.destination) {
    try {
      return pino({
        ...options,
        transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid' } },
      })
    } catch {
      // pino-pretty is a development dependency; fall back to JSON where it is absent.
    }
  }
  return settings.destination ? pino(options, settings.destination) : pino(options)
}

/** A child logger for one component; `component` appears on every line. */
export function createLogger(parent: Logger, component: string, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ component, ...bindings })
}

/** A logger that writes nothing: the default for library use and tests that do not read logs. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' })
}
