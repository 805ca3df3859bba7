// Starts the router's Lambda-facing half for a test: a real ControlServer on a loopback port, real Pools behind it,
// a scripted Invoker, telemetry on a private Registry. Cleans up through teardown(t). Also builds DispatchRequests.
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import type { TestContext } from 'node:test'
import { Registry } from 'prom-client'
import { createSilentLogger, type Logger } from '../../src/common/index.js'
import { DEFAULT_HEAD_LIMITS, type RawHeaders } from '../../src/protocol/index.js'
import { ControlServer, type ControlServerOptions } from '../../src/router/control/server.js'
import type { DispatchRequest } from '../../src/router/dispatch/exchange.js'
import type { ExchangeSettings } from '../../src/router/dispatch/exchange-channel.js'
import { RouterEvents } from '../../src/router/events.js'
import { Pool } from '../../src/router/pools/pool.js'
import { createPoolContext, POOL_CONTEXT_DEFAULTS, type PoolContextInput } from '../../src/router/pools/pool-context.js'
import { DEFAULT_SCALING_POLICY, type ScalingPolicy } from '../../src/router/scaling/policy.js'
import { RouterTelemetry } from '../../src/router/telemetry/router-telemetry.js'
import { type InvokeBehaviour, ScriptedInvoker } from './router-scripted-invoker.js'
import { teardown } from './teardown.js'

export type PoolSpec = Omit<PoolContextInput, 'dispatcherUrl' | 'functionName' | 'scaling'> & {
  readonly functionName?: string
  readonly scaling?: Partial<ScalingPolicy>
}

export interface RouterHarnessOptions {
  readonly pools?: readonly PoolSpec[]
  readonly behaviour: InvokeBehaviour
  /**
   * Control server options. `allowUnauthenticatedChannels` is true unless set: the hand-driven peers of these tests
   * stand in for the original extension, which has no channel token (connectBack presents it anyway).
   */
  readonly control?: Partial<
    Pick<ControlServerOptions, 'breakOrderingInvariant' | 'settings' | 'allowUnauthenticatedChannels'>
  >
  readonly now?: () => number
  /** Instance ids the pools hand out (a fixed id makes tunnelled bytes comparable with a transcript). */
  readonly newLambdaId?: () => string
  /** Where the router's log lines go; silent by default. */
  readonly logger?: Logger
}

export interface RouterHarness {
  readonly control: ControlServer
  /** `http://127.0.0.1:{port}` of the h2c control listener. */
  readonly url: string
  readonly pools: Map<string, Pool>
  /** The first pool. */
  readonly pool: Pool
  readonly invoker: ScriptedInvoker
  /** What the pools, instances, exchanges and the control server publish. */
  readonly events: RouterEvents
  readonly telemetry: RouterTelemetry
  readonly registry: Registry
  /** Current value of a counter or gauge sample with exactly these labels (0 when absent). */
  metric(name: string, labels: Record<string, string>): Promise<number>
}

/** Small, fast defaults for tests: scaling reacts at once, bounded waits stay short. */
export const TEST_SCALING: Partial<ScalingPolicy> = {
  minScaleIntervalMs: 0,
  scaleInDelayMs: 50,
  reevaluateIntervalMs: 100,
}

export async function startRouterHarness(t: TestContext, options: RouterHarnessOptions): Promise<RouterHarness> {
  const registry = new Registry()
  const logger = options.logger ?? createSilentLogger()
  const events = new RouterEvents()
  const telemetry = new RouterTelemetry({ events, registry, logger })
  const pools = new Map<string, Pool>()
  const control = new ControlServer({
    host: '127.0.0.1',
    h2cPort: 0,
    resolvePool: (poolId) => pools.get(poolId)?.control,
    logger,
    events,
    allowUnauthenticatedChannels: true,
    ...options.control,
  })
  const { h2cPort } = await control.listen()
  const url = `http://127.0.0.1:${h2cPort}`
  const invoker = new ScriptedInvoker(options.behaviour)
  for (const spec of options.pools ?? [{ poolId: 'default' }]) {
    const context = createPoolContext({
      functionName: 'test-function',
      dispatcherUrl: `${url}/api/chunked`,
      ...spec,
      scaling: { ...DEFAULT_SCALING_POLICY, ...TEST_SCALING, ...spec.scaling },
    })
    pools.set(
      spec.poolId,
      new Pool(context, {
        invoker,
        events,
        logger,
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.newLambdaId === undefined ? {} : { newLambdaId: options.newLambdaId }),
      }),
    )
  }
  teardown(t)(async () => {
    await Promise.all([...pools.values()].map((pool) => pool.close({ graceMs: 200 })))
    await control.close({ graceMs: 200 })
  })
  const first = pools.values().next().value as Pool
  return {
    control,
    url,
    pools,
    pool: first,
    invoker,
    events,
    telemetry,
    registry,
    async metric(name, labels) {
      const metric = registry.getSingleMetric(name)
      if (metric === undefined) throw new Error(`no metric ${name}`)
      const { values } = await metric.get()
      const match = values.find((value) => {
        const entries = Object.entries(value.labels)
        return entries.length === Object.keys(labels).length && entries.every(([key, v]) => labels[key] === String(v))
      })
      return match?.value ?? 0
    },
  }
}

export interface TestRequestOptions {
  readonly method?: string
  readonly target?: string
  readonly headers?: RawHeaders
  /** A body: bytes (streamed as one chunk) or a Readable; none by default. */
  readonly body?: Buffer | string | Readable
  readonly receivedAtMs?: number
}

/** A DispatchRequest with its own AbortController. */
export function testRequest(options: TestRequestOptions = {}): { request: DispatchRequest; abort(): void } {
  const controller = new AbortController()
  const body =
    options.body === undefined
      ? null
      : options.body instanceof Readable
        ? options.body
        : Readable.from([Buffer.from(options.body)])
  const request: DispatchRequest = {
    requestId: randomUUID(),
    method: options.method ?? 'GET',
    target: options.target ?? '/ping',
    headers: options.headers ?? ['Host', 'example.com'],
    body,
    signal: controller.signal,
    receivedAtMs: options.receivedAtMs ?? performance.now(),
  }
  return { request, abort: () => controller.abort() }
}

/** Exchange settings for a TunnelExchange or Dispatcher built by hand: no timeouts, the default limits. */
export function testExchangeSettings(events: RouterEvents): ExchangeSettings {
  return {
    responseHeadTimeoutMs: 0,
    bodyIdleTimeoutMs: 0,
    requestBody: POOL_CONTEXT_DEFAULTS.requestBody,
    headLimits: DEFAULT_HEAD_LIMITS,
    exposeInternalHeaders: false,
    now: () => performance.now(),
    events,
  }
}
