// The dispatch path for benchmarks: the local Lambda service in this process (idle once its environments run) and the
// router as its own process (`node --max-semi-space-size=4 dist/cli.js router`, as the router image runs it), so the
// router's CPU and memory are read from /proc alone.
// The same composition as src/cli/local-stack.ts, split across processes. Everything it starts, close() stops.
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { EXTENSION_NODE_FLAGS } from '../../src/extension/index.js'
import { type LocalLambda, startLocalLambda } from '../../src/local/index.js'
import { type ManagedProcess, spawnReady } from './processes.js'
import type { ProcessGroups } from './resource-meter.js'

export interface DispatchStackOptions {
  /** Package root: dist/ must hold the bundles (`npm run build`). */
  readonly root: string
  readonly functionName?: string
  /** Router settings by env name without the prefix (`MaxConcurrentCount: '100'`); they win over the defaults here. */
  readonly routerSettings: Readonly<Record<string, string>>
  /** Variables for the app and the extension of every environment. */
  readonly functionEnv?: Readonly<Record<string, string>>
  /** argv of the function's extension; default: our extension bundle. */
  readonly extensionCommand?: readonly string[]
  readonly coldStartDelayMs?: number
  /** Concurrent invokes the local Lambda allows (beyond: 429). */
  readonly concurrencyLimit: number
  /** Environments that must be serving before start resolves. */
  readonly warmEnvironments: number
  /** When set, the router, extension and app write V8 CPU profiles under this directory at exit. */
  readonly profileDir?: string
  /** Every line the router prints (JSON logs at its LogLevel). */
  readonly onRouterLine?: (line: string) => void
}

export interface DispatchStack {
  readonly frontDoorUrl: string
  readonly functionName: string
  readonly lambda: LocalLambda
  readonly router: ManagedProcess
  /** Pids by role now: the router, and the extension and app of every live environment. */
  processGroups(): ProcessGroups
  close(): Promise<void>
}

const ROUTER_READY = /lambda-dispatch router listening: (http:\/\/\S+)/
// A bounded wait for the stack's first answers; environments start in about a second on an idle machine.
const START_DEADLINE_MS = 60_000

/**
 * The V8 flags the router image's CMD (deploy/router/Dockerfile) starts the router with, and so the benchmark too:
 * a young generation of at most 4 MiB per semi-space (V8's default lets it grow to 16) keeps the router's peak RSS
 * under many concurrent requests about 20 MiB lower (docs/performance.md).
 */
export const ROUTER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4']

/** `node [flags] [--cpu-prof --cpu-prof-dir=<profileDir>/<role>] <script>`. */
export function nodeCommand(
  script: string,
  profileDir: string | undefined,
  role: string,
  flags: readonly string[] = [],
): string[] {
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, role)}`]
  return [process.execPath, ...flags, ...profile, script]
}

export async function startDispatchStack(options: DispatchStackOptions): Promise<DispatchStack> {
  const functionName = options.functionName ?? 'bench'
  const lambda = await startLocalLambda({
    host: '127.0.0.1',
    port: 0,
    childOutput: 'ignore',
    functions: {
      [functionName]: {
        runtimeCommand: nodeCommand(join(options.root, 'dist/demo-app.js'), options.profileDir, 'app'),
        extensionCommands: [
          options.extensionCommand ??
            nodeCommand(join(options.root, 'dist/extension.js'), options.profileDir, 'extension', EXTENSION_NODE_FLAGS),
        ],
        env: { ...options.functionEnv },
        portVariables: ['PORT', 'LAMBDA_DISPATCH_PORT'],
        timeoutMs: 900_000,
        memoryMb: 1024,
        reservedConcurrency: options.concurrencyLimit,
        coldStartDelayMs: options.coldStartDelayMs ?? 0,
        freezeWhenIdle: false,
        idleEnvironmentTtlMs: 3_600_000,
      },
    },
  })
  let router: ManagedProcess | undefined
  try {
    const settings: Record<string, string> = {
      FunctionName: functionName,
      IncomingRequestHTTPPort: '0',
      ControlChannelInsecureHTTP2Port: '0',
      AdminPort: '0',
      AllowInsecureControlChannel: 'true',
      PreferredControlChannelScheme: 'http',
      RouterCallbackHost: '127.0.0.1',
      ListenHost: '127.0.0.1',
      FunctionTimeout: '15m',
      AccessLog: 'false',
      LogLevel: 'warn',
      ...options.routerSettings,
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      // The local Lambda ignores signatures; the SDK only needs something to sign with.
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }
    for (const [key, value] of Object.entries(settings)) env[`LAMBDA_DISPATCH_${key}`] = value
    const started = await spawnReady(
      'router',
      [...nodeCommand(join(options.root, 'dist/cli.js'), options.profileDir, 'router', ROUTER_NODE_FLAGS), 'router'],
      {
        env,
        ready: ROUTER_READY,
        timeoutMs: 15_000,
        ...(options.onRouterLine ? { onLine: options.onRouterLine } : {}),
      },
    )
    router = started.process
    const frontDoorUrl = started.match?.[1] as string
    await waitUntilServing(frontDoorUrl, () => serving(lambda, functionName) >= options.warmEnvironments)
    const routerProcess = router
    return {
      frontDoorUrl,
      functionName,
      lambda,
      router: routerProcess,
      processGroups: () => environmentGroups(lambda, functionName, routerProcess.pid),
      close: async () => {
        await routerProcess.stop(30_000)
        await lambda.close()
      },
    }
  } catch (error) {
    await router?.stop(5_000)
    await lambda.close()
    throw error
  }
}

function serving(lambda: LocalLambda, functionName: string): number {
  return lambda.environments(functionName).filter((environment) => environment.state === 'invoking').length
}

function environmentGroups(lambda: LocalLambda, functionName: string, routerPid: number): ProcessGroups {
  const extension: number[] = []
  const app: number[] = []
  for (const environment of lambda.environments(functionName)) {
    for (const process of environment.processes) {
      if (process.pid === undefined || process.exit !== undefined) continue
      if (process.role === 'runtime') app.push(process.pid)
      else extension.push(process.pid)
    }
  }
  return { router: [routerPid], extension, app }
}

/**
 * Probes `${url}/ping` until it answers 200 and `ready()` holds, with bounded backoff under one deadline. The one
 * wait in the benchmarks that has no event to wait on: the router's channels are not visible from outside.
 */
export async function waitUntilServing(url: string, ready: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS
  let waitMs = 20
  let last = ''
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(5_000) })
      await response.arrayBuffer()
      if (response.status === 200 && ready()) return
      last = `status ${response.status}`
    } catch (error) {
      last = (error as Error).message
    }
    await delay(waitMs)
    waitMs = Math.min(500, waitMs * 2)
  }
  throw new Error(`${url} did not serve /ping within ${START_DEADLINE_MS} ms (last: ${last})`)
}
