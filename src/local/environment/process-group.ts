// One child process started as the leader of its own process group, so a signal reaches it and everything it
// spawned. Owns the child, its output pipes and the one grace timer of terminate(); touches no other process.
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Logger } from '../../common/index.js'
import type { ChildOutput } from '../config.js'
import type { GroupWatcher } from './orphan-reaper.js'

export interface ProcessExit {
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  /** Set when the process could not be started at all (ENOENT, EACCES…). */
  readonly spawnError?: Error
}

/** How many of the last stderr lines a group keeps, to explain an exit in one line. */
export const STDERR_TAIL_LINES = 3
const STDERR_TAIL_LINE_CHARS = 300
// How long an exit waits for the output pipes to close, so their last lines are read first.
const OUTPUT_DRAIN_MS = 200

export interface ProcessGroupOptions {
  /** A label for logs and errors: `runtime`, `extension-0`… */
  readonly name: string
  readonly argv: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
  /** `print` writes each line to this process's stdout/stderr after `printPrefix`. */
  readonly output: ChildOutput
  readonly printPrefix?: string
  readonly logger: Logger
  /** Told the group id at spawn and again once the leader is reaped, so a hard kill of this process kills the group. */
  readonly watcher?: GroupWatcher
}

export class ProcessGroup {
  readonly name: string
  /** Also the process group id. Undefined only when spawning failed. */
  readonly pid: number | undefined
  /** Resolves once the leader has exited and been reaped; never rejects. */
  readonly exited: Promise<ProcessExit>
  #exit: ProcessExit | undefined
  readonly #child: ChildProcess
  readonly #stderrTail: string[] = []

  constructor(options: ProcessGroupOptions) {
    this.name = options.name
    const [command, ...args] = options.argv
    // detached: the child leads a new process group (setsid), so process.kill(-pid) reaches its descendants too.
    const piped = options.output === 'log' || options.output === 'print'
    this.#child = spawn(command as string, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', piped ? 'pipe' : options.output, piped ? 'pipe' : options.output],
    })
    this.pid = this.#child.pid
    const pid = this.pid
    if (pid !== undefined) options.watcher?.watch(pid)
    const outputClosed = piped ? this.#whenOutputCloses() : Promise.resolve()
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (exitCode, signal) => {
        // At once: from here on the pid may be reused, and the reaper must not kill a stranger's group.
        if (pid !== undefined) options.watcher?.forget(pid)
        const exit = { exitCode, signal }
        // The last lines are read before the exit is reported, so the explanation has them. A grandchild may hold
        // the pipes open: then the exit is reported after OUTPUT_DRAIN_MS anyway.
        let timer: NodeJS.Timeout | undefined
        const drained = new Promise<void>((done) => {
          timer = setTimeout(done, OUTPUT_DRAIN_MS)
        })
        void Promise.race([outputClosed, drained]).then(() => {
          clearTimeout(timer)
          this.#exit = exit
          resolve(exit)
        })
      })
      this.#child.once('error', (error) => {
        // 'error' without a pid means the spawn failed and 'exit' will never come.
        if (this.#child.pid === undefined) {
          this.#exit = { exitCode: null, signal: null, spawnError: error }
          resolve(this.#exit)
        }
      })
    })
    if (piped) {
      const log = options.logger.child({ process: options.name, pid: this.pid })
      for (const stream of ['stdout', 'stderr'] as const) {
        const source = this.#child[stream]
        if (!source) continue
        createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
          if (stream === 'stderr') this.#keepStderr(line)
          if (options.output === 'print') writeLine(stream, `${options.printPrefix ?? ''}${line}`)
          else relayLine(log, stream, line)
        })
      }
    }
  }

  #whenOutputCloses(): Promise<void> {
    const streams = [this.#child.stdout, this.#child.stderr].filter((stream) => stream !== null)
    return Promise.all(
      streams.map((stream) => new Promise<void>((resolve) => stream.once('close', () => resolve()))),
    ).then(() => undefined)
  }

  /** The last lines the process wrote to stderr (piped output only), oldest first, each cut to 300 characters. */
  get stderrTail(): readonly string[] {
    return this.#stderrTail
  }

  #keepStderr(line: string): void {
    if (line.trim() === '') return
    this.#stderrTail.push(line.length > STDERR_TAIL_LINE_CHARS ? `${line.slice(0, STDERR_TAIL_LINE_CHARS)}…` : line)
    if (this.#stderrTail.length > STDERR_TAIL_LINES) this.#stderrTail.shift()
  }

  get hasExited(): boolean {
    return this.#exit !== undefined
  }

  get exit(): ProcessExit | undefined {
    return this.#exit
  }

  /** Sends `signal` to the whole group. The group may outlive its leader, so this is tried even after exit. */
  signal(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return
    try {
      process.kill(-this.pid, signal)
    } catch (error) {
      // ESRCH: nobody left in the group. EPERM cannot happen for our own children; anything else is a bug.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
  }

  /** SIGTERM (after SIGCONT, or a stopped group would keep it pending), then SIGKILL if still alive after `graceMs`. */
  async terminate(graceMs: number): Promise<ProcessExit> {
    if (!this.hasExited) {
      this.signal('SIGCONT')
      this.signal('SIGTERM')
      let timer: NodeJS.Timeout | undefined
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs)
      })
      await Promise.race([this.exited, grace])
      clearTimeout(timer)
    }
    return this.kill()
  }

  /** SIGKILL to the group (stopped processes die too), then waits for the leader to be reaped. */
  async kill(): Promise<ProcessExit> {
    this.signal('SIGKILL')
    return this.exited
  }

  /** Synchronous SIGKILL to the group, for a `process.on('exit')` hook where nothing asynchronous runs any more. */
  killSync(): void {
    this.signal('SIGKILL')
  }
}

type LevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
const LEVEL_NAMES: readonly LevelName[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']

// pino writes the level as a label (our format) or as pino's number (10 trace … 60 fatal).
function levelOf(level: unknown): LevelName | undefined {
  if (typeof level === 'string') return LEVEL_NAMES.find((name) => name === level)
  if (typeof level === 'number' && level % 10 === 0) return LEVEL_NAMES[level / 10 - 1]
  return undefined
}

// A pino JSON line (the extension's) keeps its level and message, so its warnings show at the default `warn`; any
// other line is one info entry.
function relayLine(log: Logger, stream: 'stdout' | 'stderr', line: string): void {
  if (line.startsWith('{')) {
    let entry: Record<string, unknown> | undefined
    try {
      entry = JSON.parse(line) as Record<string, unknown>
    } catch {
      entry = undefined
    }
    const level = levelOf(entry?.level)
    if (entry !== undefined && level !== undefined) {
      const { level: _level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = entry
      log[level]({ stream, ...fields }, typeof msg === 'string' ? msg : '')
      return
    }
  }
  log.info({ stream }, line)
}

// The output of this process may be a closed pipe; a failed write must not stop the local Lambda.
function writeLine(stream: 'stdout' | 'stderr', line: string): void {
  const target = stream === 'stdout' ? process.stdout : process.stderr
  if (target.writable) target.write(`${line}\n`)
}
