// Starts router pieces on loopback for tests: a FrontDoor in front of scripted dispatchers, or the whole router with
// a scripted invoker whose Lambdas connect back as scripted extensions. Everything started here is stopped by the returned handle's close(); register it with teardown(t).
import { createSilentLogger } from '../../src/common/index.js'
import { DEFAULT_POOL_ID } from '../../src/protocol/index.js'
import {
  type AccessLogEntry,
  type ConnectionDropReason,
  FrontDoor,
  type FrontDoorLimits,
  type RequestDispatcher,
} from '../../src/router/front-door/server.js'
import { createRouter, loadRouterConfig, type Router, type RouterAddresses } from '../../src/router/index.js'
import { createSelfSignedIdentity, type TlsIdentity } from '../../src/router/tls-certificate.js'
import { EventLog } from './fault-stack.js'
import { connectBack, type InvokeBehaviour, ScriptedInvoker } from './router-scripted-invoker.js'
import type { ScriptedApp } from './scripted-extension.js'

export const TEST_FRONT_DOOR_LIMITS: FrontDoorLimits = Object.freeze({
  maxRequestHeadBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 0,
  keepAliveTimeoutMs: 10_000,
  prefaceTimeoutMs: 10_000,
  maxConnections: 1000,
  maxConcurrentStreams: 100,
})

export interface TestFrontDoorOptions {
  /** Dispatchers by pool key; `default` is the default pool. */
  readonly pools: Readonly<Record<string, RequestDispatcher>>
  readonly allowedLambdaNames?: readonly string[]
  readonly limits?: Partial<FrontDoorLimits>
  readonly https?: boolean
  readonly trustForwardedHeaders?: boolean
}

export interface TestFrontDoor {
  readonly frontDoor: FrontDoor
  readonly httpUrl: string
  readonly httpsUrl: string | undefined
  readonly port: number
  readonly tls: TlsIdentity | undefined
  readonly accessLog: AccessLogEntry[]
  /** Every connection the front door closed before reading a request, in order. */
  readonly drops: EventLog<ConnectionDropReason>
  close(): Promise<void>
}

/** A FrontDoor on 127.0.0.1 with free ports, the default function "my-function", and an access log kept in memory. */
export async function startFrontDoor(options: TestFrontDoorOptions): Promise<TestFrontDoor> {
  const tls = options.https ? createSelfSignedIdentity(['127.0.0.1', 'localhost']) : undefined
  const accessLog: AccessLogEntry[] = []
  const drops = new EventLog<ConnectionDropReason>()
  const frontDoor = new FrontDoor({
    host: '127.0.0.1',
    httpPort: 0,
    https: tls ? { port: 0, key: tls.keyPem, cert: tls.certPem } : undefined,
    limits: { ...TEST_FRONT_DOOR_LIMITS, ...options.limits },
    admission: {
      defaultFunctionName: 'my-function',
      allowedLambdaNames: new Set(options.allowedLambdaNames ?? []),
    },
    trustForwardedHeaders: options.trustForwardedHeaders ?? false,
    resolveDispatcher: (poolKey) => options.pools[poolKey === DEFAULT_POOL_ID ? 'default' : poolKey],
    logger: createSilentLogger(),
    onAccess: (entry) => accessLog.push(entry),
    onConnectionDropped: (reason) => drops.push(reason),
  })
  const { httpUrl, httpsUrl } = await frontDoor.listen()
  return {
    frontDoor,
    httpUrl,
    httpsUrl,
    port: Number(new URL(httpUrl).port),
    tls,
    accessLog,
    drops,
    close: () => frontDoor.close(),
  }
}

/** Settings for a whole router on loopback: free ports (admin too), h2c control channel, callback to 127.0.0.1. */
export const TEST_ROUTER_ENV: Readonly<Record<string, string>> = Object.freeze({
  LAMBDA_DISPATCH_FunctionName: 'my-function',
  LAMBDA_DISPATCH_ListenHost: '127.0.0.1',
  LAMBDA_DISPATCH_IncomingRequestHTTPPort: '0',
  LAMBDA_DISPATCH_ControlChannelInsecureHTTP2Port: '0',
  LAMBDA_DISPATCH_ControlChannelHTTP2Port: '0',
  LAMBDA_DISPATCH_AllowInsecureControlChannel: 'true',
  LAMBDA_DISPATCH_PreferredControlChannelScheme: 'http',
  LAMBDA_DISPATCH_RouterCallbackHost: '127.0.0.1',
  LAMBDA_DISPATCH_MaxConcurrentCount: '4',
  LAMBDA_DISPATCH_IncomingRequestTimeout: '10s',
  LAMBDA_DISPATCH_ShutdownTimeout: '10s',
  LAMBDA_DISPATCH_AccessLog: 'false',
  LAMBDA_DISPATCH_AdminPort: '0',
})

export interface TestRouter {
  readonly router: Router
  readonly addresses: RouterAddresses
  readonly invoker: ScriptedInvoker
  close(): Promise<void>
}

/**
 * The real router (front door, control server, pools) with a scripted invoker whose Lambdas connect back as scripted
 * extensions serving `app`. `env` overrides TEST_ROUTER_ENV.
 */
export async function startRouter(
  options: { env?: Record<string, string>; app?: ScriptedApp; behaviour?: InvokeBehaviour } = {},
): Promise<TestRouter> {
  const config = loadRouterConfig({ ...TEST_ROUTER_ENV, ...options.env })
  const invoker = new ScriptedInvoker(options.behaviour ?? connectBack(options.app))
  const router = createRouter(config, { invoker, logger: createSilentLogger(), env: {} })
  const addresses = await router.start()
  return { router, addresses, invoker, close: () => router.close() }
}
