// Runs one soak: starts the local stack (router + local Lambda + demo app + extension), drives the request mix
// through HTTP/1.1 and h2c clients at a fixed concurrency, checks every answer, then probes, inspects what is left
// over, closes everything and returns the figures and the verdict. Owns the stack, the clients and its timers.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { type LocalStack, startLocalStack } from '../../src/cli/local-stack.js'
import type { Logger } from '../../src/common/index.js'
import { BodyCheck, ExpectedBodies } from './body-check.js'
import { H1Client } from './h1-client.js'
import { H2cClient } from './h2c-client.js'
import { LatencyHistogram } from './latency.js'
import { classifyOutcome, computeVerdict, type Observation, type RunFigures, type Verdict } from './outcome.js'
import { SOAK_PROFILES, type SoakProfileName } from './profiles.js'
import { type ProgressOutput, ProgressPrinter, type ProgressState } from './progress.js'
import { createRandom, fillRandomBytes } from './random.js'
import {
  type ClientProtocol,
  chooseRequest,
  PAYLOAD_BLOCK_BYTES,
  REQUEST_KINDS,
  type RequestKind,
  type RequestPlan,
  withLargeShare,
} from './request-mix.js'
import {
  type RouterCounters,
  readRouterCounters,
  type Turnover,
  turnoverOf,
  upstreamFaults,
} from './router-counters.js'
import { countChildProcesses, exitedChildrenCpuMs } from './system.js'

export interface SoakOptions {
  /** The request mix; the profile's other values are already resolved into the options below. */
  readonly profile: SoakProfileName
  /** Requests to issue; undefined: until `durationMs`. */
  readonly requests: number | undefined
  /** Stop issuing after this long; undefined: until `requests`. */
  readonly durationMs: number | undefined
  readonly concurrency: number
  readonly seed: number
  /** MinInstances: instances kept up even when idle. */
  readonly instances: number
  readonly maxInstances: number
  readonly maxConcurrentCount: number
  /** The function timeout: each instance's extension closes itself before it (deadline close). */
  readonly functionTimeoutMs: number
  /**
   * How long before the deadline the extension asks to close (LAMBDA_DISPATCH_DEADLINE_MARGIN_MS). Requests still
   * running at the hard stop (1 s before the deadline) are reset, so the margin must leave the slowest request room.
   */
  readonly deadlineMarginMs: number
  /**
   * The extension's PING timeout (LAMBDA_DISPATCH_ROUTER_PING_TIMEOUT_MS, 1 s by default). The soak runs the router,
   * its clients and every environment on the same few cores, where the router's event loop can stall past 1 s; the
   * extension would then drop a healthy session with every request on it. 0 keeps the extension's default.
   */
  readonly pingTimeoutMs: number
  readonly idleEnvironmentTtlMs: number
  /** Every this often, issuing pauses for `lullMs` so instances go idle and close themselves (0: never). */
  readonly lullEveryMs: number
  readonly lullMs: number
  /** A request with no complete answer after this long is cancelled and counted unexpected. */
  readonly requestTimeoutMs: number
  readonly h2cSessions: number
  /** Percent of requests with 1–4 MiB bodies. */
  readonly largePercent: number
  /** The router's control (h2c) port; 0 picks one. */
  readonly controlPort: number
  /** Extra summary lines in a log, this often (0: only at each 10 %). */
  readonly summaryIntervalMs: number
  readonly runtime: 'bundle' | 'source'
  /** Where the router's log and the children's output go; both are dropped without it. */
  readonly logger?: Logger
}

export const SOAK_DEFAULTS = Object.freeze({
  requests: 10_000,
  instances: 4,
  maxConcurrentCount: 10,
  pingTimeoutMs: 5_000,
  idleEnvironmentTtlMs: 20_000,
  requestTimeoutMs: 60_000,
  h2cSessions: 4,
  summaryIntervalMs: 60_000,
})

/** One unexpected outcome, kept for the report (only the first few are kept). */
export interface FailureRecord {
  readonly index: number
  readonly atMs: number
  readonly kind: RequestKind
  readonly protocol: ClientProtocol
  readonly request: string
  readonly reason: string
  readonly detail: string
}

export interface KindTally {
  ok: number
  expectedErrors: number
  unexpected: number
}

/** Latency of one kind's settled requests, in ms (percentiles to within one 9 % bucket). */
export interface KindLatency {
  readonly count: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

export interface SoakReport {
  readonly options: Omit<SoakOptions, 'logger'>
  readonly figures: RunFigures
  readonly verdict: Verdict
  readonly elapsedMs: number
  readonly byKind: Readonly<Record<RequestKind, KindTally>>
  readonly latency: Readonly<Record<RequestKind, KindLatency>>
  readonly byProtocol: Readonly<Record<ClientProtocol, number>>
  readonly unexpectedByReason: Readonly<Record<string, number>>
  /** Unexpected outcomes grouped by what happened (numbers masked), for runs with more than the kept failures. */
  readonly unexpectedByKind: Readonly<Record<string, number>>
  readonly failures: readonly FailureRecord[]
  readonly bytes: { readonly sent: number; readonly received: number }
  /** h2c requests sent again after a REFUSED_STREAM (a graceful GOAWAY raced them; never processed). */
  readonly refusedRetries: number
  /** The router's counters after the stack closed. */
  readonly router: RouterCounters
  /** Requests/s, channel streams opened and instances recycled while the load ran (before the probes and close). */
  readonly turnover: Turnover
  readonly lambda: {
    readonly invokes: number
    readonly coldStarts: number
    readonly warmStarts: number
    readonly timeouts: number
    readonly functionErrors: number
    readonly environmentsCreated: number
    readonly environmentsAliveAfterClose: number
  }
  readonly memory: { readonly maxRssBytes: number; readonly endHeapUsedBytes: number }
  /**
   * CPU time (user + system) from the stack's start to its close: this process (the router, the local Lambda and
   * the soak's clients) and its children (each environment's extension and app). On a shared machine the figure
   * per request says more than requests/s: it moves little with what else runs.
   */
  readonly cpu: { readonly soakProcessMs: number; readonly childProcessesMs: number; readonly perRequestMs: number }
  /**
   * This process's event-loop delay while the load ran: the router, the local Lambda and the clients share it, so a
   * long stall delays the router's HTTP/2 answers (the extension pings a silent router after 2 s and gives up after 1 s).
   */
  readonly eventLoopDelayMs: { readonly p99: number; readonly max: number }
}

const KEPT_FAILURES = 20
const MAX_FAILURE_GROUPS = 50
const PROBES_PER_PROTOCOL = 8
// After issuing stops, requests still open get their own timeout plus this to settle; the rest count as lost.
const DRAIN_EXTRA_MS = 30_000
const REDRAW_MS = 250

export async function runSoak(
  options: SoakOptions,
  io: { readonly output: ProgressOutput; readonly interrupt?: AbortSignal },
): Promise<SoakReport> {
  const random = createRandom(options.seed)
  const payloadBlock = fillRandomBytes(createRandom(options.seed ^ 0x5eed), Buffer.allocUnsafe(PAYLOAD_BLOCK_BYTES))
  const expectedBodies = new ExpectedBodies(payloadBlock)
  const mix = withLargeShare(SOAK_PROFILES[options.profile].mix, options.largePercent)
  const baselineProcesses = countChildProcesses(process.pid)
  const cpuAtStart = process.cpuUsage()
  const childCpuAtStartMs = exitedChildrenCpuMs()

  const stack = await startLocalStack({
    frontDoorPort: 0,
    controlPort: options.controlPort,
    runtime: options.runtime,
    childOutput: options.logger === undefined ? 'ignore' : 'log',
    functionTimeoutMs: options.functionTimeoutMs,
    functionEnv: {
      LAMBDA_DISPATCH_DEADLINE_MARGIN_MS: String(options.deadlineMarginMs),
      ...(options.pingTimeoutMs > 0 ? { LAMBDA_DISPATCH_ROUTER_PING_TIMEOUT_MS: String(options.pingTimeoutMs) } : {}),
    },
    idleEnvironmentTtlMs: options.idleEnvironmentTtlMs,
    concurrencyLimit: options.maxInstances * 2 + 4,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    routerSettings: {
      LAMBDA_DISPATCH_MinInstances: String(options.instances),
      LAMBDA_DISPATCH_MaxInstances: String(options.maxInstances),
      LAMBDA_DISPATCH_MaxConcurrentCount: String(options.maxConcurrentCount),
      LAMBDA_DISPATCH_AccessLog: 'false',
      // Room for every instance start a recycling run makes (instances × one per function timeout, plus idle closes).
      LAMBDA_DISPATCH_MaxInvokesPerMinute: String(Math.max(300, options.maxInstances * 120)),
    },
  })

  const origin = stack.addresses.frontDoorUrl
  const h1 = new H1Client(origin, options.concurrency)
  const h2c = new H2cClient(origin, options.h2cSessions)
  const byKind = Object.fromEntries(
    REQUEST_KINDS.map((kind) => [kind, { ok: 0, expectedErrors: 0, unexpected: 0 }]),
  ) as Record<RequestKind, KindTally>
  const latencies = Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, new LatencyHistogram()])) as Record<
    RequestKind,
    LatencyHistogram
  >
  const byProtocol: Record<ClientProtocol, number> = { h1: 0, h2c: 0 }
  const unexpectedByReason: Record<string, number> = {}
  const unexpectedByKind: Record<string, number> = {}
  const failures: FailureRecord[] = []
  const bytes = { sent: 0, received: 0 }
  let issued = 0
  let settled = 0
  let ok = 0
  let expectedErrors = 0
  let unexpected = 0
  let interrupted = false
  const loopDelay = monitorEventLoopDelay({ resolution: 20 })
  loopDelay.enable()
  const startedMs = performance.now()
  const rate = { atMs: startedMs, settled: 0, rps: 0 }

  const readState = (): ProgressState => {
    const nowMs = performance.now()
    if (nowMs - rate.atMs >= 1000) {
      rate.rps = ((settled - rate.settled) * 1000) / (nowMs - rate.atMs)
      rate.atMs = nowMs
      rate.settled = settled
    }
    const rssBytes = process.memoryUsage.rss()
    return {
      settled,
      total: options.requests,
      elapsedMs: nowMs - startedMs,
      durationMs: options.durationMs,
      unexpected,
      expectedErrors,
      inFlight: issued - settled,
      recentRps: rate.rps,
      instances: liveInstances(stack),
      rssBytes,
    }
  }
  const printer = new ProgressPrinter(io.output, readState, {
    redrawMs: REDRAW_MS,
    summaryMs: options.summaryIntervalMs,
  })
  printer.log(
    `soak: profile ${options.profile}, seed ${options.seed}, ${options.requests ?? 'unbounded'} requests` +
      `${options.durationMs === undefined ? '' : ` or ${Math.round(options.durationMs / 1000)} s`}, ` +
      `concurrency ${options.concurrency}, instances ${options.instances}–${options.maxInstances}, ` +
      `function timeout ${options.functionTimeoutMs} ms (close ${options.deadlineMarginMs} ms before), ` +
      `extension ping timeout ${options.pingTimeoutMs > 0 ? `${options.pingTimeoutMs} ms` : 'default'}, ` +
      `large bodies ${options.largePercent} %; front door ${origin}, control ${stack.addresses.controlUrls.join(' ')}`,
  )

  const runOne = async (index: number, plan: RequestPlan): Promise<void> => {
    const upload =
      plan.method === 'POST'
        ? payloadBlock.subarray(plan.payloadOffset, plan.payloadOffset + plan.uploadBytes)
        : undefined
    const check = new BodyCheck(
      expectedBodies.sourceFor(plan.expectedBody, { offset: plan.payloadOffset, bytes: plan.uploadBytes }),
    )
    const requestStartMs = performance.now()
    let seen: Observation
    try {
      const client = plan.protocol === 'h1' ? h1 : h2c
      seen = await client.execute(plan, upload, check, options.requestTimeoutMs)
    } catch (error) {
      seen = {
        status: undefined,
        body: check.result(),
        ended: false,
        abortedAsPlanned: false,
        error: `soak client failed: ${(error as Error).message}`,
        timedOut: false,
      }
    }
    latencies[plan.kind].record(performance.now() - requestStartMs)
    const outcome = classifyOutcome(plan, seen)
    settled++
    byProtocol[plan.protocol]++
    bytes.sent += plan.abort?.side === 'upload' ? plan.abort.afterBytes : plan.uploadBytes
    bytes.received += seen.body.receivedBytes
    const tally = byKind[plan.kind]
    switch (outcome.kind) {
      case 'ok':
        ok++
        tally.ok++
        break
      case 'expected-error':
        expectedErrors++
        tally.expectedErrors++
        break
      case 'unexpected': {
        unexpected++
        tally.unexpected++
        unexpectedByReason[outcome.reason] = (unexpectedByReason[outcome.reason] ?? 0) + 1
        const group = failureGroup(plan, outcome.reason, outcome.detail)
        const key =
          group in unexpectedByKind || Object.keys(unexpectedByKind).length < MAX_FAILURE_GROUPS ? group : 'other'
        unexpectedByKind[key] = (unexpectedByKind[key] ?? 0) + 1
        const record: FailureRecord = {
          index,
          atMs: Math.round(performance.now() - startedMs),
          kind: plan.kind,
          protocol: plan.protocol,
          request: describePlan(plan),
          reason: outcome.reason,
          detail: outcome.detail,
        }
        if (failures.length < KEPT_FAILURES) {
          failures.push(record)
          printer.log(`unexpected #${unexpected}: ${formatFailure(record)}`)
        }
        break
      }
    }
    printer.onSettled({
      settled,
      total: options.requests,
      elapsedMs: performance.now() - startedMs,
      durationMs: options.durationMs,
    })
  }

  // The run ends when the last request is issued, when the duration is up, or on interrupt; each marks `stopped`.
  let stopped = false
  let markStopped: () => void = () => {}
  const whenStopped = new Promise<void>((resolve) => {
    markStopped = resolve
  })
  const stop = (): void => {
    stopped = true
    markStopped()
  }
  const onInterrupt = (): void => {
    interrupted = true
    stop()
  }
  io.interrupt?.addEventListener('abort', onInterrupt, { once: true })
  const durationTimer = options.durationMs === undefined ? undefined : setTimeout(stop, options.durationMs)
  if (options.requests === 0) stop()
  const lulls = new LullGate(options.lullEveryMs, options.lullMs, startedMs)

  const worker = async (): Promise<void> => {
    for (;;) {
      await lulls.pass()
      if (stopped) return
      const index = issued++
      if (options.requests !== undefined && issued >= options.requests) stop()
      await runOne(index, chooseRequest(random, mix))
    }
  }

  const workers = Promise.all(Array.from({ length: options.concurrency }, worker))
  const drained = await settleWithin(workers, whenStopped, options.requestTimeoutMs + DRAIN_EXTRA_MS)
  clearTimeout(durationTimer)
  lulls.close()
  loopDelay.disable()
  const elapsedMs = performance.now() - startedMs
  printer.stop()
  io.interrupt?.removeEventListener('abort', onInterrupt)
  if (!drained) io.output.write(`${issued - settled} requests never settled\n`)
  const turnover = turnoverOf(readRouterCounters(await stack.router.registry.getMetricsAsJSON()), settled, elapsedMs)

  // The stack must still serve after the load; then nothing may be left busy, queued or in flight.
  const probes = await probe(h1, h2c, expectedBodies)
  const leftOver = leftOverWork(stack)
  await Promise.all([h1.close(), h2c.close()])
  await stack.close()
  const processesAfterClose = countChildProcesses(process.pid)
  const ownCpu = process.cpuUsage(cpuAtStart)
  const soakProcessMs = (ownCpu.user + ownCpu.system) / 1000
  const childProcessesMs = exitedChildrenCpuMs() - childCpuAtStartMs
  const router = readRouterCounters(await stack.router.registry.getMetricsAsJSON())
  const stats = stack.lambda.stats(stack.functionName)

  const figures: RunFigures = {
    requested: options.requests,
    issued,
    settled,
    ok,
    expectedErrors,
    unexpected,
    interrupted,
    orderingViolations: router.orderingViolations,
    http2Errors: router.http2ErrorsByKind,
    upstreamFaults: upstreamFaults(router),
    probes,
    leftOver,
    processes: { baseline: baselineProcesses, afterClose: processesAfterClose },
  }
  const { logger: _logger, ...reportedOptions } = options
  return {
    options: reportedOptions,
    figures,
    verdict: computeVerdict(figures),
    elapsedMs,
    byKind,
    latency: Object.fromEntries(
      REQUEST_KINDS.map((kind) => {
        const histogram = latencies[kind]
        return [
          kind,
          {
            count: histogram.count,
            p50Ms: Math.round(histogram.quantileMs(0.5)),
            p99Ms: Math.round(histogram.quantileMs(0.99)),
            maxMs: Math.round(histogram.maxMs),
          },
        ]
      }),
    ) as Record<RequestKind, KindLatency>,
    byProtocol,
    unexpectedByReason,
    unexpectedByKind,
    failures,
    bytes,
    refusedRetries: h2c.refusedRetries,
    router,
    turnover,
    lambda: {
      invokes: stats.invokes.RequestResponse + stats.invokes.Event,
      coldStarts: stats.coldStarts,
      warmStarts: stats.warmStarts,
      timeouts: stats.timeouts,
      functionErrors: stats.functionErrors,
      environmentsCreated: stats.environmentsCreated,
      environmentsAliveAfterClose: stats.environments.alive,
    },
    // The kernel's peak (getrusage ru_maxrss, KiB): exact, where sampling would miss a short peak.
    memory: { maxRssBytes: process.resourceUsage().maxRSS * 1024, endHeapUsedBytes: process.memoryUsage().heapUsed },
    cpu: {
      soakProcessMs: Math.round(soakProcessMs),
      childProcessesMs: Math.round(childProcessesMs),
      perRequestMs: settled > 0 ? (soakProcessMs + childProcessesMs) / settled : 0,
    },
    eventLoopDelayMs: {
      p99: Math.round(loopDelay.percentile(99) / 1e6),
      max: Math.round(loopDelay.max / 1e6),
    },
  }
}

/** `POST /echo (12345 B, chunked, abort upload at 678)` */
export function describePlan(plan: RequestPlan): string {
  const parts: string[] = []
  if (plan.method === 'POST')
    parts.push(`${plan.uploadBytes} B`, plan.declaresLength ? 'content-length' : 'unannounced length')
  if (plan.abort !== undefined) parts.push(`abort ${plan.abort.side} at byte ${plan.abort.afterBytes}`)
  return `${plan.method} ${plan.target}${parts.length === 0 ? '' : ` (${parts.join(', ')})`}`
}

/** `h1 status: status #, expected #: "the app closed…"`: what failed, with sizes and offsets masked. */
export function failureGroup(plan: RequestPlan, reason: string, detail: string): string {
  return `${plan.protocol} ${plan.kind} ${reason}: ${detail.replace(/\d+/g, '#').slice(0, 100)}`
}

export function formatFailure(record: FailureRecord): string {
  return `request ${record.index} at ${record.atMs} ms, ${record.protocol} ${record.request}: ${record.reason}: ${record.detail}`
}

/** Pauses issuing for `lullMs` every `everyMs`, so instances go idle and close themselves. */
class LullGate {
  readonly #everyMs: number
  readonly #lullMs: number
  #nextAtMs: number
  #current: Promise<void> | undefined
  #timer: NodeJS.Timeout | undefined
  #release: (() => void) | undefined

  constructor(everyMs: number, lullMs: number, startMs: number) {
    this.#everyMs = everyMs
    this.#lullMs = lullMs
    this.#nextAtMs = startMs + everyMs
  }

  pass(): Promise<void> | undefined {
    if (this.#everyMs <= 0 || this.#lullMs <= 0) return undefined
    if (this.#current === undefined && performance.now() >= this.#nextAtMs) {
      this.#current = new Promise<void>((resolve) => {
        this.#release = resolve
        // Pacing is the point of this timer: a quiet gap in the load.
        this.#timer = setTimeout(() => this.#end(), this.#lullMs)
      })
    }
    return this.#current
  }

  close(): void {
    clearTimeout(this.#timer)
    this.#end()
  }

  #end(): void {
    this.#release?.()
    this.#release = undefined
    this.#current = undefined
    this.#nextAtMs = performance.now() + this.#everyMs
  }
}

/** Resolves true once `work` settles, or false when it has not settled `graceMs` after `stopped`. */
async function settleWithin(work: Promise<unknown>, stopped: Promise<void>, graceMs: number): Promise<boolean> {
  // The workers stop issuing on their own; the bound matters only if one request never settles.
  let timer: NodeJS.Timeout | undefined
  const bounded = stopped.then(
    () =>
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs)
      }),
  )
  try {
    return await Promise.race([work.then(() => true as const), bounded])
  } finally {
    clearTimeout(timer)
  }
}

async function probe(
  h1: H1Client,
  h2c: H2cClient,
  expectedBodies: ExpectedBodies,
): Promise<{ sent: number; ok: number }> {
  let okCount = 0
  let sent = 0
  for (const protocol of ['h1', 'h2c'] as const) {
    for (let index = 0; index < PROBES_PER_PROTOCOL; index++) {
      const plan: RequestPlan = {
        kind: 'ping',
        protocol,
        method: 'GET',
        target: '/ping',
        uploadBytes: 0,
        payloadOffset: 0,
        declaresLength: false,
        expectedStatus: 200,
        expectedBody: { kind: 'text', text: 'pong' },
        abort: undefined,
      }
      const check = new BodyCheck(expectedBodies.sourceFor(plan.expectedBody, { offset: 0, bytes: 0 }))
      const seen = await (protocol === 'h1' ? h1 : h2c).execute(plan, undefined, check, 30_000)
      sent++
      if (classifyOutcome(plan, seen).kind === 'ok') okCount++
    }
  }
  return { sent, ok: okCount }
}

function leftOverWork(stack: LocalStack): RunFigures['leftOver'] {
  let busyChannels = 0
  let queuedRequests = 0
  for (const pool of stack.router.pools.values()) {
    const snapshot = pool.snapshot()
    queuedRequests += snapshot.queueLength
    for (const instance of snapshot.instances) busyChannels += instance.busyChannels
  }
  return { busyChannels, queuedRequests, inFlightRequests: stack.router.inFlightCount }
}

function liveInstances(stack: LocalStack): number {
  let count = 0
  for (const pool of stack.router.pools.values()) {
    for (const instance of pool.snapshot().instances) if (instance.state !== 'closed') count++
  }
  return count
}
