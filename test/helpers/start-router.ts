// Starts router pieces on loopback for tests: a FrontDoor in front of scripted dispatchers now, the whole router once
// its core is wired in. Everything started here is stopped by the returned handle's close(); register it with t.after().
import { createSilentLogger } from '../../src/common/index.js'
import { DEFAULT_POOL_ID } from '../../src/protocol/index.js'
import {
  type AccessLogEntry,
  FrontDoor,
  type FrontDoorLimits,
  type RequestDispatcher,
} from '../../src/router/front-door/server.js'
import { createSelfSignedIdentity, type TlsIdentity } from '../../src/router/tls-certificate.js'

export const TEST_FRONT_DOOR_LIMITS: FrontDoorLimits = Object.freeze({
  maxRequestHeadBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 0,
  keepAliveTimeoutMs: 10_000,
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
  close(): Promise<void>
}

/** A FrontDoor on 127.0.0.1 with free ports, the default function "my-function", and an access log kept in memory. */
export async function startFrontDoor(options: TestFrontDoorOptions): Promise<TestFrontDoor> {
  const tls = options.https ? createSelfSignedIdentity(['127.0.0.1', 'localhost']) : undefined
  const accessLog: AccessLogEntry[] = []
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
  })
  const { httpUrl, httpsUrl } = await frontDoor.listen()
  return {
    frontDoor,
    httpUrl,
    httpsUrl,
    port: Number(new URL(httpUrl).port),
    tls,
    accessLog,
    close: () => frontDoor.close(),
  }
}
