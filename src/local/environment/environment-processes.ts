// The processes of one execution environment: its extensions and its runtime, each started as its own process group
// with the variables Lambda sets. Owns the groups it spawned and their exit watches; no timers, no API server.
import { randomBytes } from 'node:crypto'
import type { Logger } from '../../common/index.js'
import { logStreamName } from '../aws-names.js'
import type { ChildOutput, ResolvedFunctionConfig } from '../config.js'
import { findFreePort } from './api-server.js'
import { buildEnvironmentVariables } from './environment-variables.js'
import type { GroupWatcher } from './orphan-reaper.js'
import { type ProcessExit, ProcessGroup } from './process-group.js'

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

export class EnvironmentProcesses {
  readonly #options: EnvironmentProcessesOptions
  #extensions: ProcessGroup[] = []
  #runtime: ProcessGroup | undefined
  #runtimeApi: string | undefined
  #port: number | undefined

  constructor(options: EnvironmentProcessesOptions) {
    this.#options = options
  }

  /** The value given to each of the function's `portVariables`, once prepared. */
  get port(): number | undefined {
    return this.#port
  }

  get runtime(): ProcessGroup | undefined {
    return this.#runtime
  }

  get extensions(): readonly ProcessGroup[] {
    return this.#extensions
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
