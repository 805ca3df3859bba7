// A real pino root logger (createRootLogger, the JSON format the router and the extension write) whose lines a test
// reads back as objects, and can await: "the line that says X" is an event, so tests never poll for state.
import { Writable } from 'node:stream'
import { createRootLogger, type Logger, type LogLevel } from '../../src/common/index.js'

export type LogLine = Readonly<Record<string, unknown>>

export interface LogCapture {
  readonly logger: Logger
  /** Every line so far, parsed. */
  readonly lines: readonly LogLine[]
  /** Resolves with the first line (already written or still to come) that `match` accepts. */
  waitFor(match: (line: LogLine) => boolean): Promise<LogLine>
}

export function captureLogs(level: LogLevel = 'info', bindings: Record<string, unknown> = {}): LogCapture {
  const lines: LogLine[] = []
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = []
  let partial = ''
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      partial += chunk.toString('utf8')
      let newline = partial.indexOf('\n')
      while (newline !== -1) {
        const line = JSON.parse(partial.slice(0, newline)) as LogLine
        partial = partial.slice(newline + 1)
        lines.push(line)
        for (const waiter of [...waiters]) {
          if (waiter.match(line)) {
            waiters.splice(waiters.indexOf(waiter), 1)
            waiter.resolve(line)
          }
        }
        newline = partial.indexOf('\n')
      }
      callback()
    },
  })
  const logger = createRootLogger({ level, destination }, bindings)
  return {
    logger,
    lines,
    waitFor(match) {
      const found = lines.find(match)
      if (found) return Promise.resolve(found)
      return new Promise((resolve) => waiters.push({ match, resolve }))
    },
  }
}
