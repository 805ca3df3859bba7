// Composes the whole system on one machine: the local Lambda service, whose execution environments run the app and
// the extension as child processes, and the router, which invokes it through the real AWS SDK. Used by
// `lambda-dispatch local`, the end-to-end tests, the soak tool and the benchmarks. Starts nothing on import.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSilentLogger, type Logger } from '../common/index.js'
import { EXTENSION_NODE_FLAGS } from '../extension/index.js'
import { type LocalLambda, startLocalLambda } from '../local/index.js'
import { createRouter, loadRouterConfig, type Router, type RouterAddresses } from '../router/index.js'

/** How the child processes run: from TypeScript sources through tsx, or from the esbuild bundles in dist/. */
export type StackRuntime = 'source' | 'bundle'

export interface LocalStackOptions {
  /** Address every listener binds; loopback by default. */
  readonly host?: string
  /** Router front door (HTTP/1.1 + h2c); 0 picks a free port. */
  readonly frontDoorPort?: number
  /** Router control channel (h2c); 0 picks a free port. */
  readonly controlPort?: number
  /**
   * Router admin listener (dashboard, metrics); 0 picks a free port. Default 5005, or 0 when `frontDoorPort` is 0, so
   * stacks on free ports (tests) never collide on the admin port.
   */
  readonly adminPort?: number
  /** Local Lambda Invoke API port; 0 picks a free port. */
  readonly lambdaPort?: number
  readonly functionName?: string
  /** argv of the user's app; it must listen on the port in `PORT` (also in `LAMBDA_DISPATCH_PORT`). Default: the demo app. */
  readonly appCommand?: readonly string[]
  /**
   * argv of the extension, as Lambda runs each executable in /opt/extensions: for example an unzipped layer's
   * `extensions/lambda-dispatch` launcher. Default: this package's extension, as `runtime` says.
   */
  readonly extensionCommand?: readonly string[]
  /** Extra variables for the app and the extension (e.g. `DEMO_APP_STARTUP_DELAY_MS`, `LAMBDA_DISPATCH_*`). */
  readonly functionEnv?: Readonly<Record<string, string>>
  readonly functionTimeoutMs?: number
  /**
   * Lambda's init limit for each new environment (10 s on AWS). The extension gives up on the app a second earlier
   * and reports what its readiness probe saw, so the failure names the path, port and status.
   */
  readonly initTimeoutMs?: number
  /** The extension's readiness path (`LAMBDA_DISPATCH_READINESS_PATH`); default `/health`. */
  readonly readinessPath?: string
  readonly coldStartDelayMs?: number
  /** Concurrent invokes the local Lambda allows the function; beyond it, 429 throttles. */
  readonly concurrencyLimit?: number
  readonly freezeWhenIdle?: boolean
  readonly idleEnvironmentTtlMs?: number
  readonly memoryMb?: number
  /** Router settings by their environment variable names (`LAMBDA_DISPATCH_MaxConcurrentCount`, …); they win. */
  readonly routerSettings?: Readonly<Record<string, string>>
  /** Router settings as command-line flags (`--max-concurrent-count 5`); they win over `routerSettings`. */
  readonly routerArgs?: readonly string[]
  readonly logger?: Logger
  /** Where the app's and the extension's output goes: the logger, this terminal, or nowhere. */
  readonly childOutput?: 'log' | 'inherit' | 'ignore' | 'print'
  readonly runtime?: StackRuntime
  /** Called with the router before it starts, so a caller can subscribe to its events from the first one. */
  readonly onRouter?: (router: Router) => void
}

export const LOCAL_STACK_DEFAULTS = {
  host: '127.0.0.1',
  frontDoorPort: 5001,
  controlPort: 5003,
  lambdaPort: 0,
  functionName: 'lambda-dispatch-demo',
  functionTimeoutMs: 60_000,
  initTimeoutMs: 10_000,
  coldStartDelayMs: 0,
  concurrencyLimit: 50,
  freezeWhenIdle: true,
  idleEnvironmentTtlMs: 300_000,
  memoryMb: 1024,
} as const

// Variables that fix the app's port (ours, then LWA's names).
const FIXED_PORT_VARIABLES = ['LAMBDA_DISPATCH_PORT', 'AWS_LWA_PORT', 'PORT']

// The extension reports an app that is not ready this long before the init limit, so its report arrives in time.
const INIT_REPORT_MARGIN_MS = 1_000

// The router's default AdminPort; the local stack keeps it unless it runs on free ports.
const DEFAULT_ADMIN_PORT = 5005

/** A running local stack. `close()` stops the router first (graceful), then every execution environment. */
export interface LocalStack {
  readonly router: Router
  readonly lambda: LocalLambda
  readonly addresses: RouterAddresses
  readonly functionName: string
  close(): Promise<void>
}

/** Dummy credentials: the SDK signs requests, and the local Lambda ignores the signature. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const

/** Starts the local Lambda service, then the router pointed at it. Rejects (after cleaning up) if either fails. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const settings = { ...LOCAL_STACK_DEFAULTS, ...definedOnly(options) }
  const logger = options.logger ?? createSilentLogger()
  // The router's AWS SDK client warns that SDK releases after January 2027 need Node 22; the pinned one runs on
  // Node 20, and on a local stack the notice is only noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const commands = childCommands(options.runtime ?? currentRuntime())
  const lambda = await startLocalLambda({
    host: settings.host,
    port: settings.lambdaPort,
    logger,
    ...(options.childOutput === undefined ? {} : { childOutput: options.childOutput }),
    functions: {
      [settings.functionName]: {
        runtimeCommand: options.appCommand ?? commands.demoApp,
        extensionCommands: [options.extensionCommand ?? commands.extension],
        // Local only: say what the readiness probe saw before the init limit, and whether `/` would have answered.
        env: {
          LAMBDA_DISPATCH_INIT_TIMEOUT_MS: String(Math.max(1, settings.initTimeoutMs - INIT_REPORT_MARGIN_MS)),
          LAMBDA_DISPATCH_READINESS_HINT: 'true',
          ...(options.readinessPath === undefined ? {} : { LAMBDA_DISPATCH_READINESS_PATH: options.readinessPath }),
          ...options.functionEnv,
        },
        initTimeoutMs: settings.initTimeoutMs,
        // Every environment shares loopback here, so each gets its own app port in both variables, unless the user
        // fixed the port themselves: then that port is used as given (one environment at a time can bind it).
        portVariables: FIXED_PORT_VARIABLES.some((name) => options.functionEnv?.[name] !== undefined)
          ? []
          : ['PORT', 'LAMBDA_DISPATCH_PORT'],
        timeoutMs: settings.functionTimeoutMs,
        memoryMb: settings.memoryMb,
        reservedConcurrency: settings.concurrencyLimit,
        coldStartDelayMs: settings.coldStartDelayMs,
        freezeWhenIdle: settings.freezeWhenIdle,
        idleEnvironmentTtlMs: settings.idleEnvironmentTtlMs,
      },
    },
  })
  try {
    const config = loadRouterConfig(
      {
        LAMBDA_DISPATCH_FunctionName: settings.functionName,
        LAMBDA_DISPATCH_IncomingRequestHTTPPort: String(settings.frontDoorPort),
        LAMBDA_DISPATCH_ControlChannelInsecureHTTP2Port: String(settings.controlPort),
        LAMBDA_DISPATCH_AdminPort: String(options.adminPort ?? (settings.frontDoorPort === 0 ? 0 : DEFAULT_ADMIN_PORT)),
        LAMBDA_DISPATCH_AllowInsecureControlChannel: 'true',
        LAMBDA_DISPATCH_PreferredControlChannelScheme: 'http',
        LAMBDA_DISPATCH_RouterCallbackHost: settings.host,
        LAMBDA_DISPATCH_ListenHost: settings.host,
        LAMBDA_DISPATCH_FunctionTimeout: String(settings.functionTimeoutMs),
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
        ...options.routerSettings,
      },
      options.routerArgs ?? [],
    )
    const router = createRouter(config, { logger, lambdaCredentials: LOCAL_CREDENTIALS, env: {} })
    options.onRouter?.(router)
    const addresses = await router.start().catch(async (error: unknown) => {
      await router.close()
      throw error
    })
    let closing: Promise<void> | undefined
    return {
      router,
      lambda,
      addresses,
      functionName: settings.functionName,
      close: () => {
        closing ??= router.close().finally(() => lambda.close())
        return closing
      },
    }
  } catch (error) {
    await lambda.close()
    throw error
  }
}

/** The argv of the demo app and of the extension for `runtime`, with absolute paths; the extension's Node flags as the layer's launcher gives them. */
export function childCommands(runtime: StackRuntime): { demoApp: string[]; extension: string[] } {
  const root = packageRoot()
  if (runtime === 'bundle') {
    return {
      demoApp: [process.execPath, join(root, 'dist/demo-app.js')],
      extension: [process.execPath, ...EXTENSION_NODE_FLAGS, join(root, 'dist/extension.js')],
    }
  }
  const tsx = import.meta.resolve('tsx')
  return {
    demoApp: [process.execPath, '--import', tsx, join(root, 'src/demo-app/main.ts')],
    extension: [process.execPath, ...EXTENSION_NODE_FLAGS, '--import', tsx, join(root, 'src/extension/main.ts')],
  }
}

/** Bundles when this code itself runs from dist/ (the published CLI), sources otherwise. */
function currentRuntime(): StackRuntime {
  return fileURLToPath(import.meta.url).includes(`${join('dist', '')}`) ? 'bundle' : 'source'
}

/** The directory of this package's package.json, from sources or from the dist/ bundle. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('lambda-dispatch: cannot find the package root above this module')
    dir = parent
  }
  return dir
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>
}
