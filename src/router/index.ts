// The router's composition root and the module's public surface: createRouter(config) wires the front door, the
// control server, one pool per function, the invoker and telemetry, and closes them in order (STYLE.md §7).
// Importing it starts nothing; start() binds ports and close() releases everything it made.
import { collectDefaultMetrics, Registry } from 'prom-client'
import { ConfigError, createLogger, createSilentLogger, type Logger } from '../common/index.js'
import { DEFAULT_POOL_ID } from '../protocol/index.js'
import { describeHealth, type RouterHealth, type RouterState } from './admin/health.js'
import { AdminServer, type AdminSource } from './admin/server.js'
import { type AdminSnapshot, collectAdminSnapshot } from './admin/snapshot.js'
import { buildDispatcherUrl, discoverCallbackHost } from './callback/discover-callback-host.js'
import { type RouterConfig, usesTlsControlChannel } from './config.js'
import { ControlServer } from './control/server.js'
import { RouterEvents } from './events.js'
import { type AccessLogEntry, FrontDoor } from './front-door/server.js'
import { createAwsInvoker, invokeRequestTimeoutMs } from './invoke/aws-invoker.js'
import type { Invoker } from './invoke/invoker.js'
import { Pool } from './pools/pool.js'
import type { PoolSnapshot } from './pools/pool-snapshot.js'
import { invokeSocketsNeeded, poolContextFor } from './pools/router-pool-contexts.js'
import type { RecentError } from './telemetry/recent-errors.js'
import { RouterTelemetry } from './telemetry/router-telemetry.js'
import { createSelfSignedIdentity, loadTlsIdentity, type TlsIdentity } from './tls-certificate.js'

export type { ListenerHealth, PoolHealth, PoolServingState, RouterHealth, RouterState } from './admin/health.js'
export type {
  AdminSnapshot,
  InstanceView,
  PoolView,
  RecentErrorView,
  TrafficSummary,
} from './admin/snapshot.js'
export {
  ENV_PREFIX,
  isValidFunctionReference,
  loadRouterConfig,
  ROUTER_DEFAULTS,
  ROUTER_SETTINGS,
  type RouterConfig,
  type RouterSetting,
} from './config.js'
export { RouterEvents } from './events.js'
export type { AccessLogEntry } from './front-door/server.js'
export type { InstanceSnapshot } from './instances/instance-states.js'
export type { InvokeOutcome, InvokeRequest, Invoker } from './invoke/invoker.js'
export type { WindowSeries } from './metrics-window.js'
export type { PoolSnapshot } from './pools/pool-snapshot.js'
export { poolContextFor } from './pools/router-pool-contexts.js'
export type { RecentError } from './telemetry/recent-errors.js'

export interface RouterOptions {
  readonly logger?: Logger
  /** Runs the invokes; tests and the local stack inject one. Default: the AWS SDK invoker from the config. */
  readonly invoker?: Invoker
  /** Prometheus registry for the router's metrics; a private one by default. */
  readonly registry?: Registry
  /** Environment for callback-host discovery (EnvVarForCallbackIp, ECS/EC2 metadata); process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Credentials for the default AWS invoker; the SDK's default chain when absent (the local stack passes dummies). */
  readonly lambdaCredentials?: { readonly accessKeyId: string; readonly secretAccessKey: string }
  /** Where CloudWatch EMF lines go when CloudWatchMetricsEnabled is on; stdout by default. */
  readonly emfWrite?: (line: string) => void
  /** Wall clock (epoch ms) for the dashboard's rolling windows, recent errors and EMF minutes; a seam for tests. */
  readonly now?: () => number
}

/** Where a started router can be reached. */
export interface RouterAddresses {
  /** Client port: HTTP/1.1 and h2c. */
  readonly frontDoorUrl: string
  /** Client HTTPS port, when a certificate is configured. */
  readonly frontDoorHttpsUrl: string | undefined
  /** Control listeners actually bound (h2c and/or TLS). */
  readonly controlUrls: readonly string[]
  /** What Lambdas are told to call back (WaiterRequest DispatcherUrl). */
  readonly dispatcherUrl: string
  /** SHA-256 of the control certificate, when Lambdas are told to pin it. */
  readonly routerCertSha256: string | undefined
  /** Admin listener: /health, /ready, /metrics, the dashboard (`/`) and its API. */
  readonly adminUrl: string
}

// Metadata lookups at start (ECS task metadata, EC2 IMDS) share this bound, as the original's 5 s.
const CALLBACK_DISCOVERY_TIMEOUT_MS = 5000
// Invokes get one SDK retry: the invoke gate does the real backoff (DESIGN.md §3 "Cost safety").
const INVOKE_MAX_ATTEMPTS = 2

/** One router: `start()` it, `close()` it (idempotent, graceful). */
export class Router implements AdminSource {
  readonly config: RouterConfig
  /** What the router's pools, instances, dispatchers, exchanges and servers publish; subscribe to follow them. */
  readonly events: RouterEvents
  readonly telemetry: RouterTelemetry
  readonly registry: Registry
  readonly #logger: Logger
  readonly #env: Readonly<Record<string, string | undefined>>
  readonly #invoker: Invoker | undefined
  readonly #lambdaCredentials: RouterOptions['lambdaCredentials']
  readonly #pools = new Map<string, Pool>()
  #ownedInvoker: Invoker | undefined
  #control: ControlServer | undefined
  #frontDoor: FrontDoor | undefined
  #admin: AdminServer | undefined
  #addresses: RouterAddresses | undefined
  #adminUrl: string | undefined
  #frontDoorListening = false
  #state: RouterState = 'idle'
  #closed: Promise<void> | undefined

  constructor(config: RouterConfig, options: RouterOptions = {}) {
    this.config = config
    this.#logger = options.logger ?? createSilentLogger()
    const eventsLogger = createLogger(this.#logger, 'events')
    this.events = new RouterEvents({
      onSubscriberError: (err, channel) =>
        eventsLogger.error(
          { err, channel },
          'an event subscriber threw; the other subscribers and the publisher went on',
        ),
    })
    this.#env = options.env ?? process.env
    this.#invoker = options.invoker
    this.#lambdaCredentials = options.lambdaCredentials
    this.registry = options.registry ?? new Registry()
    // Process defaults (CPU, memory, event loop lag, GC) on the router's own registry; once per registry.
    if (this.registry.getSingleMetric('process_cpu_user_seconds_total') === undefined) {
      collectDefaultMetrics({ register: this.registry })
    }
    const emfWrite = options.emfWrite ?? ((line: string) => process.stdout.write(line))
    this.telemetry = new RouterTelemetry({
      events: this.events,
      registry: this.registry,
      logger: createLogger(this.#logger, 'telemetry'),
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(config.cloudWatchMetricsEnabled ? { emf: { write: emfWrite } } : {}),
    })
  }

  /** Pools by pool id: `default` for FunctionName, and one per allow-listed name (its id is the name). */
  get pools(): ReadonlyMap<string, Pool> {
    return this.#pools
  }

  get state(): RouterState {
    return this.#state
  }

  /** Requests accepted by the front door and not yet finished. */
  get inFlightCount(): number {
    return this.#frontDoor?.inFlightCount ?? 0
  }

  /** Liveness, readiness (serving with every listener bound) and each pool's state. */
  health(): RouterHealth {
    return describeHealth(this.#state, this.#poolSnapshots(), this.#listeners())
  }

  /** The dashboard's picture: pools, instances, traffic over the last minutes, counters, recent errors. */
  snapshot(): Promise<AdminSnapshot> {
    return collectAdminSnapshot({
      state: this.#state,
      listeners: this.#listeners(),
      pools: this.#poolSnapshots(),
      telemetry: this.telemetry,
      frontDoorUrl: this.#addresses?.frontDoorUrl,
      adminUrl: this.#adminUrl,
    })
  }

  /** Prometheus text exposition of the router's registry. */
  async metrics(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }

  subscribeErrors(listener: (error: RecentError) => void): () => void {
    return this.telemetry.subscribeErrors(listener)
  }

  #poolSnapshots(): PoolSnapshot[] {
    return [...this.#pools.values()].map((pool) => pool.snapshot())
  }

  #listeners(): { frontDoor: boolean; control: boolean; admin: boolean } {
    return {
      frontDoor: this.#frontDoorListening,
      control: this.#control !== undefined && this.#state !== 'closed',
      admin: this.#admin?.listening ?? false,
    }
  }

  /**
   * Loads or makes the TLS identity, discovers the callback host, binds the control channel, creates the pools and
   * binds the front door. Fails (and releases what it bound) on any error: a certificate that does not load, a port
   * in use, a callback host that cannot be found.
   */
  async start(): Promise<RouterAddresses> {
    if (this.#state !== 'idle') throw new Error(`Router.start() called while ${this.#state}`)
    this.#state = 'starting'
    try {
      return await this.#start()
    } catch (error) {
      await this.#shutdown()
      this.#state = 'closed'
      throw error
    }
  }

  async #start(): Promise<RouterAddresses> {
    const config = this.config
    // The admin listener comes first, so probes see "starting" (503 on /ready) rather than a closed port.
    this.#admin = new AdminServer({
      host: config.adminHost,
      port: config.adminPort,
      allowedHosts: config.adminAllowedHosts,
      source: this,
      logger: createLogger(this.#logger, 'admin'),
    })
    this.#adminUrl = (await this.#admin.listen()).url
    const callback = await discoverCallbackHost({
      env: this.#env,
      ...(config.routerCallbackHost === undefined ? {} : { routerCallbackHost: config.routerCallbackHost }),
      envVarForCallbackIp: config.envVarForCallbackIp,
      timeoutMs: CALLBACK_DISCOVERY_TIMEOUT_MS,
    })
    const tls = await this.#tlsIdentity(callback.host)
    const controlHost = config.listenHost ?? '0.0.0.0'
    const useTlsControl = usesTlsControlChannel(config)
    this.#control = new ControlServer({
      host: controlHost,
      ...(config.allowInsecureControlChannel ? { h2cPort: config.controlChannelInsecureHttp2Port } : {}),
      ...(useTlsControl && tls
        ? { tlsPort: config.controlChannelHttp2Port, tls: { key: tls.keyPem, cert: tls.certPem } }
        : {}),
      resolvePool: (poolId) => this.#pools.get(poolId)?.control,
      logger: createLogger(this.#logger, 'control'),
      events: this.events,
      allowUnauthenticatedChannels: config.allowUnauthenticatedChannels,
    })
    if (config.allowUnauthenticatedChannels) {
      this.#logger.warn(
        { setting: 'AllowUnauthenticatedChannels' },
        'control requests without a channel token are admitted: anyone who can reach the control port and knows a live instance id can open its channels, ping it and close it',
      )
    }
    const bound = await this.#control.listen()
    const controlUrls: string[] = []
    if (bound.h2cPort !== undefined) controlUrls.push(`http://${urlHost(controlHost)}:${bound.h2cPort}`)
    if (bound.tlsPort !== undefined) controlUrls.push(`https://${urlHost(controlHost)}:${bound.tlsPort}`)
    const scheme = config.preferredControlChannelScheme
    // The advertised port is the bound one, so port 0 (tests) advertises what was actually picked.
    const advertisedPort = scheme === 'https' ? bound.tlsPort : bound.h2cPort
    if (advertisedPort === undefined) {
      // loadRouterConfig refuses http without AllowInsecureControlChannel, and https always has a certificate here.
      throw new Error(`BUG: the ${scheme} control listener was not opened`)
    }
    const dispatcherUrl = buildDispatcherUrl(scheme, callback.host, advertisedPort)
    const routerCertSha256 = scheme === 'https' && config.pinControlChannelCertificate ? tls?.certSha256 : undefined

    const invoker = this.#invoker ?? this.#createInvoker()
    const poolLogger = createLogger(this.#logger, 'pool')
    for (const [poolId, functionName] of [
      [DEFAULT_POOL_ID, config.functionName],
      ...config.allowedLambdaNames.map((name) => [name, name]),
    ] as const) {
      const context = poolContextFor(config, poolId, functionName, dispatcherUrl, routerCertSha256)
      this.#pools.set(poolId, new Pool(context, { invoker, events: this.events, logger: poolLogger }))
    }

    const accessLogger = createLogger(this.#logger, 'access')
    this.#frontDoor = new FrontDoor({
      ...(config.listenHost === undefined ? {} : { host: config.listenHost }),
      httpPort: config.incomingRequestHttpPort,
      ...(config.tlsCertPath !== undefined && tls
        ? { https: { port: config.incomingRequestHttpsPort, key: tls.keyPem, cert: tls.certPem } }
        : {}),
      limits: {
        maxRequestHeadBytes: config.maxRequestHeadBytes,
        headersTimeoutMs: config.clientHeadersTimeoutMs,
        requestTimeoutMs: config.clientRequestTimeoutMs,
        keepAliveTimeoutMs: config.clientKeepAliveTimeoutMs,
        prefaceTimeoutMs: config.clientPrefaceTimeoutMs,
        maxConnections: config.maxConnections,
        maxConcurrentStreams: config.maxStreamsPerConnection,
      },
      admission: {
        defaultFunctionName: config.functionName,
        allowedLambdaNames: new Set(config.allowedLambdaNames),
      },
      trustForwardedHeaders: config.trustForwardedHeaders,
      resolveDispatcher: (poolKey) => this.#pools.get(poolKey)?.dispatcher,
      logger: createLogger(this.#logger, 'front-door'),
      ...(config.accessLog ? { onAccess: (entry: AccessLogEntry) => accessLogger.info(entry, 'request') } : {}),
      onRefused: (status, error) => this.events.frontDoorRefused.publish({ status, code: error.code }),
      onConnectionDropped: (reason) => this.events.connectionDropped.publish({ reason }),
    })
    const frontDoor = await this.#frontDoor.listen()
    this.#frontDoorListening = true
    this.#state = 'serving'
    const addresses: RouterAddresses = {
      frontDoorUrl: frontDoor.httpUrl,
      frontDoorHttpsUrl: frontDoor.httpsUrl,
      controlUrls,
      dispatcherUrl,
      routerCertSha256,
      adminUrl: this.#adminUrl,
    }
    this.#addresses = addresses
    this.#logger.info(
      { ...addresses, callbackSource: callback.source, pools: [...this.#pools.keys()], selfSigned: tls?.selfSigned },
      'router listening',
    )
    return addresses
  }

  /**
   * Graceful shutdown (STYLE.md §7): new requests get 503 + Connection: close and the front door stops listening;
   * queued and in-flight requests get up to ShutdownTimeout to finish (the rest get 503 or are aborted); each pool
   * then sends goaway to its instances and waits, bounded, for their invokes; the control channel closes last.
   * Idempotent; resolves when everything is released.
   */
  close(): Promise<void> {
    this.#closed ??= this.#closeGracefully()
    return this.#closed
  }

  async #closeGracefully(): Promise<void> {
    if (this.#state === 'closed') return
    this.#state = 'closing'
    const startedMs = performance.now()
    const frontDoor = this.#frontDoor
    if (frontDoor) {
      frontDoor.beginClosing()
      this.#frontDoorListening = false
      const drained = await frontDoor.drain(this.config.shutdownTimeoutMs)
      this.#logger.info(
        { drained, leftOver: frontDoor.inFlightCount, waitedMs: Math.round(performance.now() - startedMs) },
        drained ? 'all requests finished' : 'shutdown timeout: cutting off the requests still open',
      )
    }
    await this.#shutdown()
    this.#state = 'closed'
    this.#logger.info({ tookMs: Math.round(performance.now() - startedMs) }, 'router closed')
  }

  // Releases everything started so far, in close order; also the cleanup of a failed start. The last EMF minute is
  // written once no request is left and while the pools still report; the admin listener goes last, so /health and
  // /metrics answer while the router drains.
  async #shutdown(): Promise<void> {
    this.#frontDoorListening = false
    // WebSockets first: each gets its close frame (1001) before the front door ends the connections under them.
    for (const pool of this.#pools.values()) pool.dispatcher.webSockets.close()
    await this.#frontDoor?.close()
    this.telemetry.close()
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()))
    await this.#control?.close()
    await this.#ownedInvoker?.close()
    await this.#admin?.close()
  }

  async #tlsIdentity(callbackHost: string): Promise<TlsIdentity | undefined> {
    const { tlsCertPath, tlsKeyPath } = this.config
    if (tlsCertPath !== undefined && tlsKeyPath !== undefined) {
      try {
        return await loadTlsIdentity(tlsCertPath, tlsKeyPath)
      } catch (cause) {
        throw new ConfigError([
          `LAMBDA_DISPATCH_TlsCertPath/TlsKeyPath could not be loaded: ${(cause as Error).message}`,
        ])
      }
    }
    if (!usesTlsControlChannel(this.config)) return undefined
    // Weakness 32 of the original: never advertise https without a listener. With no certificate configured, make one.
    return createSelfSignedIdentity([...new Set([callbackHost, '127.0.0.1', 'localhost'])])
  }

  #createInvoker(): Invoker {
    const { config } = this
    const region = config.awsRegion ?? (config.lambdaEndpoint === undefined ? undefined : 'us-east-1')
    if (region === undefined) throw new ConfigError(['AWS_REGION (or AWS_DEFAULT_REGION) is required to invoke Lambda'])
    this.#ownedInvoker = createAwsInvoker({
      region,
      ...(config.lambdaEndpoint === undefined ? {} : { endpoint: config.lambdaEndpoint }),
      ...(this.#lambdaCredentials === undefined ? {} : { credentials: { ...this.#lambdaCredentials } }),
      maxSockets: invokeSocketsNeeded(config),
      requestTimeoutMs: invokeRequestTimeoutMs(config.functionTimeoutMs),
      maxAttempts: INVOKE_MAX_ATTEMPTS,
      logger: createLogger(this.#logger, 'invoker'),
    })
    return this.#ownedInvoker
  }
}

/** Creates a router from a validated configuration. Nothing is bound until `start()`. */
export function createRouter(config: RouterConfig, options: RouterOptions = {}): Router {
  return new Router(config, options)
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}
