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

export interface ProcessGroupOptions {
  /** A label for logs and errors: `runtime`, `extension-0`… */
  readonly name: string
  readonly argv: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
  readonly output: ChildOutput
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

  constructor(options: ProcessGroupOptions) {
    this.name = options.name
    const [command, ...args] = options.argv
    // detached: the child leads a new process group (setsid), so process.kill(-pid) reaches its descendants too.
    this.#child = spawn(command as string, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: [
        'ignore',
        options.output === 'log' ? 'pipe' : options.output,
        options.output === 'log' ? 'pipe' : options.output,
      ],
    })
    this.pid = this.#child.pid
    const pid = this.pid
    if (pid !== undefined) options.watcher?.watch(pid)
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (exitCode, signal) => {
        // At once: from here on the pid may be reused, and the reaper must not kill a stranger's group.
        if (pid !== undefined) options.watcher?.forget(pid)
        this.#exit = { exitCode, signal }
        resolve(this.#exit)
      })
      this.#child.once('error', (error) => {
        // 'error' without a pid means the spawn failed and 'exit' will never come.
        if (this.#child.pid === undefined) {
          this.#exit = { exitCode: null, signal: null, spawnError: error }
          resolve(this.#exit)
        }
      })
    })
    if (options.output === 'log') {
      const log = options.logger.child({ process: options.name, pid: this.pid })
      for (const stream of ['stdout', 'stderr'] as const) {
        const source = this.#child[stream]
        if (source)
          createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) =>
            log.info({ stream }, line),
          )
      }
    }
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
