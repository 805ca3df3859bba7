// The local Lambda service: the Invoke API listener, one FunctionPool per function, the typed event stream, the
// process-exit hook that kills every child if this process ends without close(), and the orphan reaper that does the
// same when this process is killed outright.
import { EventEmitter, once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLogger, createSilentLogger, type Logger } from '../common/index.js'
import type { LocalLambdaConfig, ResolvedLocalLambdaConfig } from './config.js'
import { resolveLocalLambdaConfig } from './config.js'
import type { EnvironmentSnapshot } from './environment/execution-environment.js'
import { OrphanReaper } from './environment/orphan-reaper.js'
import { FunctionPool, type LocalFunctionStats } from './function-pool.js'
import { createInvokeHandler } from './invoke-api.js'
import { FunctionTelemetry, type LocalLambdaEvents } from './telemetry.js'

export class LocalLambda {
  /** Typed domain events; tests await them (`events.once(lambda.events, 'invoke-end')`) instead of sleeping. */
  readonly events = new EventEmitter<LocalLambdaEvents>()
  readonly #config: ResolvedLocalLambdaConfig
  readonly #logger: Logger
  readonly #pools = new Map<string, FunctionPool>()
  readonly #server: Server
  readonly #reaper: OrphanReaper
  readonly #onProcessExit = (): void => {
    for (const pool of this.#pools.values()) pool.killSync()
  }
  #closing: Promise<void> | undefined

  private constructor(config: ResolvedLocalLambdaConfig, logger: Logger) {
    this.#config = config
    this.#logger = logger
    this.#reaper = new OrphanReaper(logger)
    for (const [name, functionConfig] of config.functions) {
      const functionLogger = logger.child({ functionName: name })
      this.#pools.set(
        name,
        new FunctionPool({
          config: functionConfig,
          region: config.region,
          accountId: config.accountId,
          childOutput: config.childOutput,
          logger: functionLogger,
          telemetry: new FunctionTelemetry(name, this.events, functionLogger),
          watcher: this.#reaper,
        }),
      )
    }
    this.#server = createServer(
      createInvokeHandler({
        region: config.region,
        accountId: config.accountId,
        logger,
        isClosing: () => this.#closing !== undefined,
        pool: (name) => this.#pools.get(name),
      }),
    )
    // The SDK keeps sockets alive between invokes; a server closing them first makes the next invoke fail with
    // ECONNRESET, so idle sockets stay open for longer than any SDK keeps them.
    this.#server.keepAliveTimeout = 120_000
    this.#server.headersTimeout = 121_000
  }

  /**
   * Validates `config`, listens, installs the exit hook and starts the orphan reaper. Rejects with ConfigError on
   * invalid settings.
   */
  static async start(config: LocalLambdaConfig): Promise<LocalLambda> {
    const resolved = resolveLocalLambdaConfig(config, process.cwd())
    const logger = createLogger(config.logger ?? createSilentLogger(), 'local-lambda')
    const lambda = new LocalLambda(resolved, logger)
    lambda.#server.listen(resolved.port, resolved.host)
    await once(lambda.#server, 'listening')
    process.on('exit', lambda.#onProcessExit)
    lambda.#reaper.start()
    logger.info({ endpoint: lambda.endpoint, functions: [...resolved.functions.keys()] }, 'local Lambda listening')
    return lambda
  }

  /** `http://host:port`: the SDK's `endpoint`, or AWS_ENDPOINT_URL_LAMBDA. */
  get endpoint(): string {
    const { port } = this.#server.address() as AddressInfo
    const host = this.#config.host.includes(':') ? `[${this.#config.host}]` : this.#config.host
    return `http://${host}:${port}`
  }

  get functionNames(): string[] {
    return [...this.#pools.keys()]
  }

  /** Counters and live environment counts of one function. Throws for a name that is not configured. */
  stats(functionName: string): LocalFunctionStats {
    return this.#pool(functionName).stats()
  }

  /** A snapshot of the live environments of one function: ids, states, processes and pids, invokes served. */
  environments(functionName: string): EnvironmentSnapshot[] {
    return this.#pool(functionName).snapshots()
  }

  /**
   * Stops accepting invokes (they get 500 ServiceException), shuts every environment down (SHUTDOWN to extensions,
   * then signals; running invokes end with a function error), closes the listener, removes the exit hook and
   * ends the orphan reaper. Resolves when no child process is left, the reaper included. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#server.close()
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()))
    this.#server.closeAllConnections()
    process.off('exit', this.#onProcessExit)
    await this.#reaper.close()
    this.#logger.info('local Lambda closed')
  }

  #pool(functionName: string): FunctionPool {
    const pool = this.#pools.get(functionName)
    if (!pool) throw new Error(`no function named ${functionName} in this local Lambda`)
    return pool
  }
}
