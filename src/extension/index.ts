// The extension's main flow as one readable function (aws-lambda-web-adapter main.rs): register → readiness → invoke
// loop → return on SHUTDOWN, a signal, or a fatal error. Also the module's public surface.
import type { Logger } from '../common/index.js'
import { ConfigError, createRootLogger, warnUnknownSettings } from '../common/index.js'
import { DEFAULT_POOL_ID, encodeWaiterResponse, type WaiterResponse } from '../protocol/index.js'
import { EXTENSION_ENV_VARS, EXTENSION_KNOWN_ENV_NAMES, type ExtensionConfig, loadExtensionConfig } from './config.js'
import { AppNotReadyError, type ExtensionError } from './errors.js'
import { Invocation, type InvocationOutcome } from './invocation.js'
import { classifyInvokePayload } from './invoke-payload.js'
import { createLambdaApiPool } from './lambda-api/api-call.js'
import { ExtensionsApiClient } from './lambda-api/extensions-api.js'
import { type InvokeEvent, RuntimeApiClient } from './lambda-api/runtime-api.js'
import { isStaleInvoke } from './lifetime.js'
import { eventStopAtMs, PassThroughEvent, reportEventOutcome } from './pass-through-event.js'
import { createHttpProbe, createTcpProbe, type ReadinessProbe, type ReadinessResult, waitForApp } from './readiness.js'
import { AppClient } from './relay.js'
import { ExtensionTelemetry } from './telemetry.js'

export {
  EXTENSION_DEFAULTS,
  EXTENSION_ENV_VARS,
  EXTENSION_SETTINGS,
  type ExtensionConfig,
  loadExtensionConfig,
} from './config.js'
export * from './errors.js'
export { EXTENSION_NODE_FLAGS, LAUNCHER_ENV_NAMES } from './node-flags.js'

/** How runExtension ended. `shutdown` is a clean exit; `fatal` means the environment must be replaced. */
export type ExtensionExit =
  | { readonly kind: 'shutdown'; readonly source: 'SHUTDOWN' | 'signal' }
  | { readonly kind: 'fatal'; readonly error: Error }

export interface ExtensionRunOptions {
  readonly logger: Logger
  /** Aborts on SIGTERM/SIGINT: finish in-flight requests within `shutdownGraceMs`, then return. */
  readonly signal?: AbortSignal
  /** Default 1500 ms: Lambda gives external extensions 2 s after SHUTDOWN. */
  readonly shutdownGraceMs?: number
}

const DEFAULT_SHUTDOWN_GRACE_MS = 1_500
// The Extensions API's SHUTDOWN event carries a deadline; this is the fallback when it does not.
const DEFAULT_SHUTDOWN_EVENT_MS = 2_000

/** 0 for a clean shutdown, 1 for a fatal error: the process exit code. */
export function exitCodeFor(exit: ExtensionExit): number {
  return exit.kind === 'shutdown' ? 0 : 1
}

/**
 * Runs the extension until SHUTDOWN, `options.signal`, or a fatal error (the app gone, async init timing out, the
 * Runtime API failing). Resolves with how it ended; it never calls process.exit.
 */
export async function runExtension(config: ExtensionConfig, options: ExtensionRunOptions): Promise<ExtensionExit> {
  const telemetry = new ExtensionTelemetry(options.logger)
  const apiPool = createLambdaApiPool(config.runtimeApi)
  const runtime = new RuntimeApiClient(apiPool)
  const extensions = new ExtensionsApiClient(apiPool)
  const app = new AppClient({
    port: config.appPort,
    keepAliveTimeoutMs: config.appKeepAliveTimeoutMs,
    connectTimeoutMs: config.appConnectTimeoutMs,
  })
  const readiness: ReadinessProbe =
    config.readinessProtocol === 'tcp'
      ? createTcpProbe(config.appPort, config.readinessProbeTimeoutMs)
      : createHttpProbe(config.appPort, config.readinessPath, config.readinessStatus, config.readinessProbeTimeoutMs)
  const appAlive = createTcpProbe(config.appPort, config.readinessProbeTimeoutMs)

  // Shutdown: SHUTDOWN event or signal. Stops the long polls and tells a running invoke to wrap up by the deadline.
  const stop = new AbortController()
  let shutdownSource: 'SHUTDOWN' | 'signal' | undefined
  let shutdownDeadlineMs = Number.POSITIVE_INFINITY
  // The invoke in progress: the router's (an Invocation) or an event passed to the app.
  let current: Pick<Invocation, 'shutdown'> | undefined
  const shutdown = (source: 'SHUTDOWN' | 'signal', deadlineMs: number): void => {
    shutdownDeadlineMs = Math.min(shutdownDeadlineMs, deadlineMs)
    if (shutdownSource === undefined) {
      shutdownSource = source
      telemetry.shutdown(source, deadlineMs)
      stop.abort(new Error(`shutdown (${source})`))
    }
    current?.shutdown(shutdownDeadlineMs)
  }
  const onSignal = (): void => shutdown('signal', Date.now() + (options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS))
  if (options.signal?.aborted) onSignal()
  options.signal?.addEventListener('abort', onSignal, { once: true })
  const shutdownExit = (): ExtensionExit => ({ kind: 'shutdown', source: shutdownSource ?? 'signal' })

  try {
    // 1. Register first: Lambda starts the app (the image's entry point) only after every extension registered.
    const extensionId = await extensions.register(config.extensionName, ['SHUTDOWN'])
    telemetry.registered(config.extensionName, extensionId)
    void watchForShutdown(extensions, stop.signal, telemetry, (deadlineMs) => shutdown('SHUTDOWN', deadlineMs))

    // 2. Gate on the app. Async init leaves the init phase before Lambda's 10 s limit and checks again per invoke.
    let appReady = false
    if (config.asyncInit) {
      const budgetMs = Math.max(0, config.initPhaseBudgetMs - process.uptime() * 1000)
      const result = await waitForApp(readiness, { timeoutMs: budgetMs, signal: stop.signal })
      appReady = result.ready
      if (appReady) telemetry.appReady('init', readiness.description, result)
      else telemetry.appInitDeferred(readiness.description, result)
    } else {
      const timeoutMs =
        config.initTimeoutMs === undefined ? undefined : Math.max(0, config.initTimeoutMs - process.uptime() * 1000)
      const result = await waitForApp(readiness, {
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        signal: stop.signal,
      })
      appReady = result.ready
      if (appReady) telemetry.appReady('init', readiness.description, result)
      else if (!stop.signal.aborted) {
        // Say what the probe saw instead of leaving Lambda to report a bare init timeout.
        const error = await appNotReady(readiness, result, config)
        telemetry.appNotReady(error)
        await extensions.initError('Extension.AppNotReady', error.message).catch((postError: unknown) => {
          telemetry.lambdaApiFailed('extension/init/error', postError as Error)
        })
        return { kind: 'fatal', error }
      }
    }

    // Async init: the first invoke of either kind waits for the app; an app that never got ready is fatal.
    const awaitApp = async (invokeTelemetry: ExtensionTelemetry): Promise<'ready' | 'stopped' | AppNotReadyError> => {
      if (appReady) return 'ready'
      const result = await waitForApp(readiness, { timeoutMs: config.asyncInitTimeoutMs, signal: stop.signal })
      appReady = result.ready
      if (appReady) {
        invokeTelemetry.appReady('invoke', readiness.description, result)
        return 'ready'
      }
      return stop.signal.aborted ? 'stopped' : appNotReady(readiness, result, config)
    }

    // An invoke that is not the router's: the app's answer is the result, its failure a function error.
    const passEvent = async (event: InvokeEvent, startMs: number, eventTelemetry: ExtensionTelemetry) => {
      const stopAtMs = eventStopAtMs({
        lambdaDeadlineMs: event.deadlineMs,
        nowMs: startMs,
        configuredFunctionTimeoutMs: config.functionTimeoutMs,
        configuredMarginMs: config.deadlineMarginMs,
      })
      const delivery = new PassThroughEvent({ app, path: config.passThroughPath, payload: event.payload, stopAtMs })
      eventTelemetry.eventReceived(config.passThroughPath, event.payload.length, stopAtMs - Date.now())
      current = delivery
      if (shutdownSource !== undefined) delivery.shutdown(shutdownDeadlineMs)
      try {
        const outcome = await delivery.run()
        return await reportEventOutcome(outcome, {
          runtime,
          appAlive,
          appPort: config.appPort,
          path: config.passThroughPath,
          requestId: event.requestId,
          telemetry: eventTelemetry,
        })
      } finally {
        current = undefined
      }
    }

    // 3. The invoke loop: one invoke at a time, until shutdown or a fatal error.
    let lastInvokeEndMs = Date.now()
    let warnedUnverifiedTls = false
    while (!stop.signal.aborted) {
      let event: InvokeEvent
      try {
        event = await runtime.nextInvocation(stop.signal)
      } catch (error) {
        if (stop.signal.aborted) break
        telemetry.lambdaApiFailed('invocation/next', error as Error)
        return { kind: 'fatal', error: error as Error }
      }
      const invokeStartMs = Date.now()
      // After a gap longer than the pool's keep-alive (a frozen environment), start with fresh app connections.
      if (invokeStartMs - lastInvokeEndMs > config.appKeepAliveTimeoutMs) app.recycleConnections()
      const payload = classifyInvokePayload(event.payload)
      if (payload.kind === 'event') {
        const eventTelemetry = telemetry.forEvent(event.requestId)
        const ready = await awaitApp(eventTelemetry)
        if (ready === 'stopped') break
        if (ready !== 'ready') {
          await failInvoke(runtime, event.requestId, ready, eventTelemetry)
          return { kind: 'fatal', error: ready }
        }
        const fatalError = await passEvent(event, invokeStartMs, eventTelemetry)
        lastInvokeEndMs = Date.now()
        // The app gone, or the Runtime API failing (expected while shutting down).
        if (fatalError !== undefined && !stop.signal.aborted) return { kind: 'fatal', error: fatalError }
        continue
      }
      let outcome: InvocationOutcome
      if (payload.kind === 'invalid-waiter') {
        telemetry.invokeInvalid(event.requestId, payload.error)
        outcome = { response: invalidInvokeResponse(), fatalError: undefined }
      } else {
        const request = payload.request
        const invokeTelemetry = telemetry.forInvoke(request, event.requestId)
        const ready = await awaitApp(invokeTelemetry)
        if (ready === 'stopped') break
        if (ready !== 'ready') {
          await failInvoke(runtime, event.requestId, ready, invokeTelemetry)
          return { kind: 'fatal', error: ready }
        }
        if (request.initOnly) {
          outcome = { response: quickResponse(request, 'SelfInitOnly', invokeStartMs), fatalError: undefined }
        } else if (
          isStaleInvoke({ localEnv: config.localEnv, sentTimeMs: Date.parse(request.sentTime), nowMs: invokeStartMs })
        ) {
          invokeTelemetry.invokeStale(request.sentTime)
          outcome = { response: quickResponse(request, 'SelfStaleRequest', invokeStartMs), fatalError: undefined }
        } else {
          if (!warnedUnverifiedTls && isUnverifiedTls(request.dispatcherUrl, request.routerCertSha256, config)) {
            warnedUnverifiedTls = true
            invokeTelemetry.routerTlsUnverified(request.dispatcherUrl)
          }
          const invocation = new Invocation(request, event.deadlineMs, invokeStartMs, {
            config,
            app,
            appAlive,
            telemetry: invokeTelemetry,
          })
          current = invocation
          invokeTelemetry.invokeReceived(event, request, invocation.deadlineMs)
          if (shutdownSource !== undefined) invocation.shutdown(shutdownDeadlineMs)
          try {
            outcome = await invocation.run()
          } finally {
            current = undefined
          }
        }
        if (outcome.fatalError !== undefined) {
          await failInvoke(runtime, event.requestId, outcome.fatalError, invokeTelemetry)
          return { kind: 'fatal', error: outcome.fatalError }
        }
        invokeTelemetry.invokeFinished(outcome.response)
      }
      lastInvokeEndMs = Date.now()
      try {
        await runtime.postResponse(event.requestId, encodeWaiterResponse(outcome.response))
      } catch (error) {
        telemetry.lambdaApiFailed('invocation/response', error as Error)
        if (!stop.signal.aborted) return { kind: 'fatal', error: error as Error }
      }
    }
    return shutdownExit()
  } catch (error) {
    if (stop.signal.aborted) return shutdownExit()
    telemetry.lambdaApiFailed('extension', error as Error)
    return { kind: 'fatal', error: error as Error }
  } finally {
    options.signal?.removeEventListener('abort', onSignal)
    stop.abort()
    await Promise.allSettled([app.close(), apiPool.destroy()])
  }
}

/**
 * The extension as a process: config from `env`, JSON logs on stdout, SIGTERM/SIGINT mapped to a graceful shutdown (a
 * second signal exits at once). Resolves with the exit code for the entry point to pass to process.exit. Only entry
 * points (main.ts, the CLI command) call this. Invalid configuration logs every problem and resolves 1.
 */
export async function runExtensionProcess(env: Readonly<Record<string, string | undefined>>): Promise<number> {
  let config: ExtensionConfig
  try {
    config = loadExtensionConfig(env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    // A person at a terminal (the extension run by hand, outside Lambda) reads one plain line per problem; Lambda's
    // log pipe gets the structured line.
    if (process.stderr.isTTY) process.stderr.write(`lambda-dispatch extension: ${error.problems.join('; ')}\n`)
    else createRootLogger({ level: 'info' }, { component: 'extension' }).fatal({ err: error }, error.message)
    return 1
  }
  const logger = createRootLogger({ level: config.logLevel }, { component: 'extension' })
  // Only UPPER_SNAKE names are ours: the router's PascalCase settings may share the environment.
  const ours = Object.keys(env).filter((name) => /^LAMBDA_DISPATCH_[A-Z0-9_]+$/.test(name))
  warnUnknownSettings(logger, ours, EXTENSION_KNOWN_ENV_NAMES, 'LAMBDA_DISPATCH_')
  const shutdown = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shutdown.signal.aborted) {
      logger.warn({ signal }, 'second signal: exiting without waiting')
      process.exit(1)
    }
    shutdown.abort()
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  try {
    return exitCodeFor(await runExtension(config, { logger, signal: shutdown.signal }))
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
  }
}

async function watchForShutdown(
  extensions: ExtensionsApiClient,
  signal: AbortSignal,
  telemetry: ExtensionTelemetry,
  onShutdown: (deadlineMs: number) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const event = await extensions.nextEvent(signal)
      if (event.eventType === 'SHUTDOWN') {
        onShutdown(event.deadlineMs ?? Date.now() + DEFAULT_SHUTDOWN_EVENT_MS)
        return
      }
    } catch (error) {
      if (!signal.aborted) telemetry.lambdaApiFailed('extension/event/next', error as Error)
      return
    }
  }
}

/** The error for an app that never passed its check; with `readinessHint`, it says whether `/` would have. */
async function appNotReady(
  probe: ReadinessProbe,
  result: ReadinessResult,
  config: ExtensionConfig,
): Promise<AppNotReadyError> {
  let hint: string | undefined
  // Only for an app that answered the path with a status outside the healthy ranges (typically 404: no such route).
  if (
    config.readinessHint &&
    config.readinessProtocol === 'http' &&
    config.readinessPath !== '/' &&
    probe.lastStatus !== undefined
  ) {
    const root = createHttpProbe(config.appPort, '/', config.readinessStatus, config.readinessProbeTimeoutMs)
    if (await root.check()) {
      hint = `the app does answer GET / (${root.lastObservation}): set the readiness path to "/" (${EXTENSION_ENV_VARS.readinessPath}=/ or local --readiness-path /)`
    }
  }
  return new AppNotReadyError(probe.description, result.waitedMs, result.attempts, result.lastObservation, hint)
}

/** TLS without a pin and without verification: accepted for the original router, worth one warning per process. */
function isUnverifiedTls(dispatcherUrl: string, pin: string | undefined, config: ExtensionConfig): boolean {
  return dispatcherUrl.startsWith('https:') && pin === undefined && !config.routerTlsVerify
}

// original-protocol.md §2.5 step 1: an invalid payload is still a successful invoke, reporting why it did nothing.
function invalidInvokeResponse(): WaiterResponse {
  return {
    poolId: DEFAULT_POOL_ID,
    id: '',
    requestCount: 0,
    invokeDurationMs: 0,
    exitReason: 'RouterLambdaInvokeInvalid',
  }
}

function quickResponse(
  request: { poolId: string; id: string },
  exitReason: 'SelfInitOnly' | 'SelfStaleRequest',
  startMs: number,
): WaiterResponse {
  return { poolId: request.poolId, id: request.id, requestCount: 0, invokeDurationMs: Date.now() - startMs, exitReason }
}

async function failInvoke(
  runtime: RuntimeApiClient,
  requestId: string,
  error: ExtensionError,
  telemetry: ExtensionTelemetry,
): Promise<void> {
  telemetry.invokeFailed(error)
  try {
    await runtime.postError(requestId, error.name, error.message)
  } catch (postError) {
    telemetry.lambdaApiFailed('invocation/error', postError as Error)
  }
}
