// The processes of one execution environment: its extensions and its runtime, each started as its own process group
// with the variables Lambda sets. Owns the groups it spawned and their exit watches; close() ends them all in Lambda's
// shutdown order. No timers of its own (the shutdown sequence owns its deadlines), no API server.
import { randomBytes } from 'node:crypto'
import type { Logger } from '../../common/index.js'
import { logStreamName } from '../aws-names.js'
import type { ChildOutput, ResolvedFunctionConfig } from '../config.js'
import { findFreePort } from './api-server.js'
import { buildEnvironmentVariables } from './environment-variables.js'
import type { GroupWatcher } from './orphan-reaper.js'
import { type ProcessExit, ProcessGroup } from './process-group.js'
import { runShutdownSequence, type ShutdownSequenceInput } from './shutdown-sequence.js'

export type ProcessRole = 'runtime' | 'extension'

/** One process of an environment as its snapshot shows it: `exit` once it has exited. */
export interface ProcessSnapshot {
  readonly name: string
  readonly role: ProcessRole
  readonly pid: number | undefined
  readonly exit: ProcessExit | undefined
}

export interface EnvironmentProcessesOptions {
  readonly environmentId: string
  readonly config: ResolvedFunctionConfig
  readonly region: string
  readonly childOutput: ChildOutput
  readonly logger: Logger
  /** Watches every process group spawned here (see OrphanReaper). */
  readonly watcher?: GroupWatcher
  /** When the environment was created (epoch ms); the log stream names start with its date. */
  readonly createdAtMs: number
  /** Called once for each group whose leader exits, whatever the reason; must not throw. */
  readonly onExit: (group: ProcessGroup, role: ProcessRole, exit: ProcessExit) => void
}

/** What closing needs beyond the processes themselves: who registered or subscribed, and how SHUTDOWN is sent. */
export type ProcessesShutdown = Omit<ShutdownSequenceInput, 'runtime' | 'extensions'>

export class EnvironmentProcesses {
  readonly #options: EnvironmentProcessesOptions
  #extensions: ProcessGroup[] = []
  #runtime: ProcessGroup | undefined
  #runtimeApi: string | undefined
  #port: number | undefined
  #closed: Promise<void> | undefined

  constructor(options: EnvironmentProcessesOptions) {
    this.#options = options
  }

  /** The value given to each of the function's `portVariables`, once prepared. */
  get port(): number | undefined {
    return this.#port
  }

  /**
   * Records where the processes find the Runtime and Extensions API (`host:port`) and chooses the port for the
   * function's `portVariables`, if it has any. Called once, before any spawn.
   */
  async prepare(runtimeApi: string): Promise<void> {
    this.#runtimeApi = runtimeApi
    if (this.#options.config.portVariables.length > 0) this.#port = await findFreePort()
  }

  /** Starts one process per configured extension command, in order. */
  spawnExtensions(): void {
    this.#options.config.extensionCommands.forEach((argv, index) => {
      this.#extensions.push(this.#spawn(`extension-${index}`, argv, 'extension'))
    })
  }

  spawnRuntime(): void {
    this.#runtime = this.#spawn('runtime', this.#options.config.runtimeCommand, 'runtime')
  }

  /** Sends `signal` to every group (SIGSTOP/SIGCONT for freezing). */
  signal(signal: NodeJS.Signals): void {
    for (const group of this.#groups()) group.signal(signal)
  }

  /** SIGKILL to every process group at once, for a `process.on('exit')` hook. */
  killSync(): void {
    for (const group of this.#groups()) group.killSync()
  }

  /**
   * Ends every process started here as Lambda does (runShutdownSequence: the runtime, then SHUTDOWN to the
   * extensions, then SIGKILL to every group), and refuses spawns from then on. Idempotent: later calls get the first
   * call's promise.
   */
  close(shutdown: ProcessesShutdown): Promise<void> {
    this.#closed ??= runShutdownSequence({ ...shutdown, runtime: this.#runtime, extensions: this.#extensions })
    return this.#closed
  }

  snapshot(): ProcessSnapshot[] {
    return this.#groups().map((group) => ({
      name: group.name,
      role: group === this.#runtime ? 'runtime' : 'extension',
      pid: group.pid,
      exit: group.exit,
    }))
  }

  #groups(): ProcessGroup[] {
    return this.#runtime ? [...this.#extensions, this.#runtime] : [...this.#extensions]
  }

  #spawn(name: string, argv: readonly string[], role: ProcessRole): ProcessGroup {
    const { config, environmentId, logger } = this.#options
    if (this.#runtimeApi === undefined) throw new Error(`BUG: spawn of ${name} before prepare()`)
    if (this.#closed !== undefined) throw new Error(`BUG: spawn of ${name} after close()`)
    const env = buildEnvironmentVariables({
      base: config.inheritEnv ? process.env : {},
      functionName: config.name,
      memoryMb: config.memoryMb,
      region: this.#options.region,
      runtimeApi: this.#runtimeApi,
      logStreamName: logStreamName(this.#options.createdAtMs, randomBytes(16).toString('hex')),
      handler: config.handler,
      taskRoot: config.cwd,
      userEnv: this.#portEnv(),
    })
    const group = new ProcessGroup({
      name,
      argv,
      env,
      cwd: config.cwd,
      // `print` is for the app (the runtime); an extension's JSON lines go to the logger with their own level.
      output: this.#options.childOutput === 'print' && role === 'extension' ? 'log' : this.#options.childOutput,
      printPrefix: `[${environmentId}] `,
      logger: logger.child({ environmentId }),
      watcher: this.#options.watcher,
    })
    logger.debug({ environmentId, process: name, pid: group.pid }, 'process started')
    void group.exited.then((exit) => this.#options.onExit(group, role, exit))
    return group
  }

  #portEnv(): Record<string, string> {
    const env: Record<string, string> = { ...this.#options.config.env }
    for (const name of this.#options.config.portVariables) env[name] = String(this.#port)
    return env
  }
}
