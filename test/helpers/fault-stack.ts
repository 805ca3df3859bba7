// The whole local stack (local Lambda, router, app and extension as child processes) for the fault and bad-input
// matrices (issue 6 items 3 and 4), with what their cases await and check: the router's typed events and its log
// lines, the fault app's request reports, every process id any environment had, and the "nothing leaked" checks each case ends
// with. Everything it starts is released by close(); register that with teardown(t) (or a suite's after()).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { Agent, request } from 'undici'
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../src/cli/local-stack.js'
import { createRootLogger } from '../../src/common/index.js'
import type { EventChannel, InstanceStateChanged, RouterEvents } from '../../src/router/events.js'
import type { PoolSnapshot } from '../../src/router/index.js'
import type { FaultAppReport } from './fault-app.js'
import { isGone } from './local-lambda.js'
import { runLastInFirstOut } from './teardown.js'

export const FAULT_APP = resolve(import.meta.dirname, 'fault-app.ts')

/** Router settings of the cases that run on exactly one instance, started before the first request. */
export const ONE_INSTANCE = Object.freeze({ LAMBDA_DISPATCH_MinInstances: '1', LAMBDA_DISPATCH_MaxInstances: '1' })

/** Records of one kind in arrival order, and promises for records still to come. */
export class EventLog<T> {
  readonly records: T[] = []
  /** `performance.now()` when each record arrived, index for index with `records`. */
  readonly arrivedAtMs: number[] = []
  readonly #waiters = new Set<{ from: number; matches: (record: T) => boolean; resolve: (record: T) => void }>()

  push(record: T): void {
    this.records.push(record)
    this.arrivedAtMs.push(performance.now())
    for (const waiter of [...this.#waiters]) {
      if (this.records.length - 1 < waiter.from || !waiter.matches(record)) continue
      this.#waiters.delete(waiter)
      waiter.resolve(record)
    }
  }

  /** Where the next record will land: pass it to `next()` to ignore everything logged before. */
  mark(): number {
    return this.records.length
  }

  /** The first record at index `from` or later that `matches`: one already there, or the next to arrive. */
  next(matches: (record: T) => boolean, from = 0): Promise<T> {
    const found = this.records.slice(from).find(matches)
    if (found !== undefined) return Promise.resolve(found)
    return new Promise((resolveRecord) => this.#waiters.add({ from, matches, resolve: resolveRecord }))
  }
}

/**
 * Every message `channel` publishes from now on, as an EventLog: tests wait for a router's typed events (issue 15)
 * instead of matching the wording of its log lines.
 */
export function recordEvents<T>(channel: EventChannel<T>): EventLog<T> {
  const log = new EventLog<T>()
  channel.subscribe((message) => log.push(message))
  return log
}

type MessageOf<C> = C extends EventChannel<infer T> ? T : never

/** One EventLog per channel of a router's RouterEvents. */
export type RouterEventLogs = { readonly [K in keyof RouterEvents]: EventLog<MessageOf<RouterEvents[K]>> }

/** Records every channel of `events` from now on. */
export function recordRouterEvents(events: RouterEvents): RouterEventLogs {
  const logs: Record<string, EventLog<unknown>> = {}
  for (const [name, channel] of Object.entries(events) as [string, EventChannel<unknown>][]) {
    logs[name] = recordEvents(channel)
  }
  return logs as unknown as RouterEventLogs
}

/** One JSON log line of the router or the local Lambda (both log through the stack's logger). */
export interface LogRecord {
  readonly level: string
  readonly msg: string
  readonly component?: string
  readonly [key: string]: unknown
}

export interface FaultStackOptions
  extends Omit<LocalStackOptions, 'logger' | 'frontDoorPort' | 'controlPort' | 'onRouter'> {
  /** Runs test/helpers/fault-app.ts as the app (the demo app plus fault routes and request reports). */
  readonly faultApp?: boolean
  /** Level of the log lines kept as events: `debug` adds per-request and per-channel lines. Default `info`. */
  readonly logLevel?: 'info' | 'debug'
}

export interface FaultStack {
  readonly stack: LocalStack
  /** The front door, `http://127.0.0.1:<port>`. */
  readonly url: string
  readonly frontDoorPort: number
  readonly controlPort: number
  /** The router's typed events, each channel recorded from before the router started (issue 15). */
  readonly events: RouterEventLogs
  /** The router's and the local Lambda's log lines (level info and above), as events. */
  readonly log: EventLog<LogRecord>
  /** The fault app's request reports, when it runs. */
  readonly app: EventLog<FaultAppReport>
  /** A keep-alive HTTP/1.1 client for the front door, closed by close(). */
  readonly agent: Agent
  pool(): PoolSnapshot
  /** GET (or `method`) through the front door; the whole body as text. */
  fetchText(
    path: string,
    init?: { method?: string; body?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>
  /** Every pid any execution environment of the stack has had so far. */
  pids(): number[]
  close(): Promise<void>
}

/**
 * Starts the stack on free loopback ports with quiet children (FAULT_TEST_OUTPUT=1 shows them), no freezing, no cold
 * start delay, and an extension that never leaves on its own for idleness (each case decides when instances end).
 */
export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const log = new EventLog<LogRecord>()
  const app = new EventLog<FaultAppReport>()
  const logger = createRootLogger({
    level: options.logLevel ?? 'info',
    destination: { write: (line: string) => log.push(JSON.parse(line) as LogRecord) },
  })
  const reports = options.faultApp ? await startReportServer(app) : undefined
  const { faultApp, logLevel: _logLevel, functionEnv, routerSettings, ...stackOptions } = options
  let stack: LocalStack
  let events: RouterEventLogs | undefined
  try {
    stack = await startLocalStack({
      childOutput: process.env.FAULT_TEST_OUTPUT ? 'inherit' : 'ignore',
      freezeWhenIdle: false,
      coldStartDelayMs: 0,
      ...stackOptions,
      ...(faultApp ? { appCommand: [process.execPath, '--import', 'tsx', FAULT_APP] } : {}),
      frontDoorPort: 0,
      controlPort: 0,
      logger,
      onRouter: (router) => {
        events = recordRouterEvents(router.events)
      },
      functionEnv: {
        LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '600000',
        ...(reports ? { FAULT_APP_REPORT_PORT: String(reports.port) } : {}),
        ...functionEnv,
      },
      routerSettings: { LAMBDA_DISPATCH_AccessLog: 'false', ...routerSettings },
    })
  } catch (error) {
    await reports?.close()
    throw error
  }
  const pids = new Set<number>()
  const functionName = stack.functionName
  const recordPids = (): void => {
    for (const environment of stack.lambda.environments(functionName)) {
      for (const process of environment.processes) if (process.pid !== undefined) pids.add(process.pid)
    }
  }
  stack.lambda.events.on('environment-state', recordPids)
  stack.lambda.events.on('environment-shutdown', (event) => {
    for (const process of event.processes) if (process.pid !== undefined) pids.add(process.pid)
  })
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 })
  const url = stack.addresses.frontDoorUrl
  let closing: Promise<void> | undefined
  return {
    stack,
    url,
    frontDoorPort: Number(new URL(url).port),
    controlPort: Number(new URL(stack.addresses.controlUrls[0] as string).port),
    events: events as RouterEventLogs,
    log,
    app,
    agent,
    pool: () => defaultPool(stack).snapshot(),
    async fetchText(path, init = {}) {
      const response = await request(`${url}${path}`, {
        dispatcher: agent,
        method: (init.method ?? 'GET') as 'GET',
        ...(init.body === undefined ? {} : { body: init.body }),
        ...(init.headers === undefined ? {} : { headers: init.headers }),
      })
      return { status: response.statusCode, body: await response.body.text(), headers: response.headers }
    },
    pids: () => {
      recordPids()
      return [...pids]
    },
    close() {
      recordPids()
      // The client first, the report server last; a failing step does not keep the stack's children alive.
      closing ??= runLastInFirstOut([() => reports?.close(), () => stack.close(), () => agent.close()])
      return closing
    },
  }
}

function defaultPool(stack: LocalStack) {
  const pool = stack.router.pools.get('default')
  assert.ok(pool, 'the router has a default pool')
  return pool
}

/** The router's `lambda_dispatch_router_http2_errors_total` for `kind` (0 before the first one). */
export async function http2ErrorCount(fault: FaultStack, kind: string): Promise<number> {
  const text = await fault.stack.router.registry.getSingleMetricAsString('lambda_dispatch_router_http2_errors_total')
  return Number(new RegExp(`kind="${kind}"} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
}

/** Waits until the default pool has nothing queued or running. */
export async function whenIdle(fault: FaultStack): Promise<void> {
  await defaultPool(fault.stack).dispatcher.whenIdle()
}

/**
 * The pool is at rest and nothing leaked: nothing queued or running, no busy channel anywhere, every instance left
 * is open (none stuck starting, draining or closing), and none of `deadLambdaIds` is still known.
 */
export async function assertPoolAtRest(fault: FaultStack, deadLambdaIds: readonly string[] = []): Promise<void> {
  await whenIdle(fault)
  const snapshot = fault.pool()
  assert.equal(snapshot.queueLength, 0, 'nothing queued')
  assert.equal(snapshot.runningRequests, 0, 'nothing running')
  for (const instance of snapshot.instances) {
    assert.equal(instance.busyChannels, 0, `instance ${instance.lambdaId} has no busy channel`)
    assert.equal(instance.state, 'open', `instance ${instance.lambdaId} is open, not stuck ${instance.state}`)
    assert.ok(!deadLambdaIds.includes(instance.lambdaId), `the dead instance ${instance.lambdaId} is forgotten`)
  }
}

/**
 * Waits until instance `lambdaId` has `count` channels parked. An extension POSTs a channel again after each
 * exchange, so just after a response a channel may be on its way back; the count is read again at each channelOpened.
 */
export async function channelsParked(fault: FaultStack, lambdaId: string, count: number): Promise<void> {
  const parked = (): number =>
    fault.pool().instances.find((instance) => instance.lambdaId === lambdaId)?.parkedChannels ?? 0
  let from = fault.events.channelOpened.mark()
  while (parked() < count) {
    await fault.events.channelOpened.next((event) => event.lambdaId === lambdaId, from)
    from = fault.events.channelOpened.mark()
  }
}

/** Waits for instance `lambdaId` to enter `state`; `from` is a mark of `fault.events.instanceStateChanged`. */
export function instanceEntered(
  fault: FaultStack,
  lambdaId: string,
  state: InstanceStateChanged['to'],
  from = 0,
): Promise<InstanceStateChanged> {
  return fault.events.instanceStateChanged.next((event) => event.lambdaId === lambdaId && event.to === state, from)
}

/** Waits for some instance other than `except` to open; `from` is a mark of `fault.events.instanceStateChanged`. */
export function anotherInstanceOpened(
  fault: FaultStack,
  except: readonly string[],
  from = 0,
): Promise<InstanceStateChanged> {
  return fault.events.instanceStateChanged.next(
    (event) => event.to === 'open' && !except.includes(event.lambdaId),
    from,
  )
}

/** The one open instance of the default pool (cases that run with MinInstances=1 and MaxInstances=1). */
export function onlyInstance(fault: FaultStack): string {
  const open = fault.pool().instances.filter((instance) => instance.state === 'open')
  assert.equal(open.length, 1, `exactly one open instance, got ${JSON.stringify(fault.pool().instances)}`)
  return (open[0] as { lambdaId: string }).lambdaId
}

/**
 * Closes the stack and checks that nothing outlives it: every process any environment had is gone (ESRCH), the local
 * Lambda knows no environment, and this process holds no TCP socket or listener of the stack any more.
 */
export async function closeAndAssertNoOrphans(fault: FaultStack): Promise<void> {
  const pids = fault.pids()
  assert.ok(pids.length > 0, 'the stack ran at least one environment')
  await fault.close()
  assert.deepEqual(fault.stack.lambda.environments(fault.stack.functionName), [])
  assert.deepEqual(
    pids.filter((pid) => !isGone(pid)),
    [],
    'every app and extension process is gone',
  )
  // A closed handle is released in libuv's close-callbacks phase, which runs after the check phase (setImmediate):
  // two check phases later every handle closed before this line is gone from the active list.
  for (let turn = 0; turn < 2; turn++) await new Promise((resolveTurn) => setImmediate(resolveTurn))
  const sockets = process
    .getActiveResourcesInfo()
    .filter((kind) => kind === 'TCPSocketWrap' || kind === 'TCPServerWrap')
  assert.deepEqual(sockets, [], 'no socket or listener of the stack is left open in this process')
}

export interface ReportServer {
  /** The loopback port to give the fault app in FAULT_APP_REPORT_PORT. */
  readonly port: number
  close(): Promise<void>
}

/** A listener the fault app connects to and writes one JSON line per request event to; each lands in `app`. */
export async function startReportServer(app: EventLog<FaultAppReport>): Promise<ReportServer> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.once('close', () => sockets.delete(socket))
    createInterface({ input: socket }).on('line', (line) => app.push(JSON.parse(line) as FaultAppReport))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  return {
    port,
    async close() {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}
