// `npm run bench:scaleup`: the original's headline, locally. The same burst (100 concurrent clients, 1,000 requests
// of 50 ms app work, app cold start 2 s) hits (1) "direct Lambda": API Gateway + a web adapter, one request per
// invoke, starting from 10 warm environments, and (2) dispatch, starting from 2 warm environments. Reports
// environments used, invokes, p50/p99/max, and how long requests waited on cold starts. Writes
// bench/results/scaleup-<date>.{json,md}. Options: --requests, --concurrency, --work-ms, --cold-start-ms,
// --baseline-warm, --dispatch-warm, --max-instances, --max-concurrent, --only baseline|dispatch, --out.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'
import { startLocalLambda } from '../src/local/index.js'
import { INVOKE_ID_HEADER } from './lib/api-gateway.js'
import type { LoadPhase, LoadPlan, RequestRecord } from './lib/closed-loop.js'
import { type DispatchStack, startDispatchStack, waitUntilServing } from './lib/dispatch-stack.js'
import { loadAverage1m } from './lib/machine.js'
import { renderScaleupMarkdown, type ScaleupReport, type ScaleupSideReport } from './lib/render-scaleup.js'
import { jsonWithCompactRows, resultStamp } from './lib/results.js'
import { coldWait, latencySummary, parseRouterLogLine } from './lib/scaleup-analysis.js'
import { closeOnSignal } from './lib/signals.js'

const ROOT = resolve(import.meta.dirname, '..')
// The pinned SDK runs on Node 20; its notice about later releases would only clutter the report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '100' },
    'work-ms': { type: 'string', default: '50' },
    'cold-start-ms': { type: 'string', default: '2000' },
    'baseline-warm': { type: 'string', default: '10' },
    'dispatch-warm': { type: 'string', default: '2' },
    'max-instances': { type: 'string', default: '20' },
    'max-concurrent': { type: 'string', default: '10' },
    only: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench/results') },
  },
})

function integer(name: string, text: string): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, got "${text}"`)
  return value
}

const settings = {
  requests: integer('requests', values.requests),
  concurrency: integer('concurrency', values.concurrency),
  workMs: integer('work-ms', values['work-ms']),
  coldStartMs: integer('cold-start-ms', values['cold-start-ms']),
  baselineWarm: integer('baseline-warm', values['baseline-warm']),
  dispatchWarm: integer('dispatch-warm', values['dispatch-warm']),
  maxInstances: integer('max-instances', values['max-instances']),
  maxConcurrentCount: integer('max-concurrent', values['max-concurrent']),
}
// Room for every baseline environment (one per concurrent request) plus replacements; no throttling in either run.
const CONCURRENCY_LIMIT = Math.max(200, settings.concurrency * 2)
const APP_ENV = { DEMO_APP_STARTUP_DELAY_MS: String(settings.coldStartMs) }

/**
 * Runs bench/scaleup-load.ts in its own process with `plan`, calling `beforePhase(name)` as each phase is about to
 * start (the child waits for it), and resolves with each phase's records.
 */
async function runLoad(
  plan: LoadPlan,
  phases: readonly LoadPhase[],
  beforePhase: (name: string) => void | Promise<void>,
): Promise<Record<string, RequestRecord[]>> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/scaleup-load.ts'), JSON.stringify({ ...plan, phases })],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const results: Record<string, RequestRecord[]> = {}
  const exited = once(child, 'exit')
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('PHASE ')) {
      await beforePhase(line.slice('PHASE '.length))
      child.stdin.write('go\n')
    } else if (line.startsWith('RESULT ')) {
      const rest = line.slice('RESULT '.length)
      const space = rest.indexOf(' ')
      results[rest.slice(0, space)] = JSON.parse(rest.slice(space + 1)) as RequestRecord[]
    }
  }
  const [code] = (await exited) as [number | null]
  if (code !== 0) throw new Error(`the load process exited with ${code}`)
  return results
}

interface InvokeSeen {
  readonly environmentId: string
  readonly isColdStart: boolean
  readonly duringBurst: boolean
}

async function runBaseline(tmp: string): Promise<ScaleupSideReport> {
  const adapter = join(tmp, 'lambda-web-adapter.mjs')
  await build({
    entryPoints: [join(ROOT, 'bench/lambda-web-adapter.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: adapter,
    logLevel: 'warning',
  })
  const functionName = 'direct-lambda'
  const lambda = await startLocalLambda({
    childOutput: 'ignore',
    functions: {
      [functionName]: {
        runtimeCommand: [process.execPath, join(ROOT, 'dist/demo-app.js')],
        extensionCommands: [[process.execPath, adapter]],
        env: APP_ENV,
        portVariables: ['PORT'],
        timeoutMs: 60_000,
        reservedConcurrency: CONCURRENCY_LIMIT,
        freezeWhenIdle: false,
        idleEnvironmentTtlMs: 600_000,
      },
    },
  })
  const disarm = closeOnSignal(() => lambda.close())
  try {
    const invokes = new Map<string, InvokeSeen>()
    const initMs = new Map<string, number>()
    let burst = false
    lambda.events.on('invoke-start', (event) => {
      invokes.set(event.requestId, {
        environmentId: event.environmentId,
        isColdStart: event.isColdStart,
        duringBurst: burst,
      })
    })
    lambda.events.on('environment-ready', (event) => initMs.set(event.environmentId, event.initDurationMs))
    let warmEnvironments = 0
    const results = await runLoad(
      { gateway: { lambdaEndpoint: lambda.endpoint, functionName, maxSockets: CONCURRENCY_LIMIT } },
      [
        {
          name: 'warm',
          path: '/ping',
          concurrency: settings.baselineWarm,
          total: settings.baselineWarm,
          keepHeaders: [],
          timeoutMs: 60_000,
        },
        {
          name: 'burst',
          path: `/delay?ms=${settings.workMs}`,
          concurrency: settings.concurrency,
          total: settings.requests,
          keepHeaders: [INVOKE_ID_HEADER],
          timeoutMs: 120_000,
        },
      ],
      (phase) => {
        if (phase === 'warm') {
          process.stdout.write(`direct Lambda: warming ${settings.baselineWarm} environments\n`)
          return
        }
        warmEnvironments = lambda.environments(functionName).length
        burst = true
        process.stdout.write(`direct Lambda: burst of ${settings.requests} at c=${settings.concurrency}\n`)
      },
    )
    if (results.warm?.some((record) => record.status !== 200))
      throw new Error('direct Lambda: a warm-up request failed')
    const records = results.burst ?? []
    const burstInvokes = [...invokes.values()].filter((invoke) => invoke.duringBurst)
    const coldWaits: number[] = []
    const perRequest = records.map((record) => {
      const invoke = invokes.get(record.headers[INVOKE_ID_HEADER] ?? '')
      const cold = invoke?.isColdStart === true
      if (cold) coldWaits.push(initMs.get(invoke.environmentId) ?? 0)
      return { latencyMs: Math.round(record.latencyMs), status: record.status, coldStart: cold }
    })
    return {
      ...latencySummary(records),
      environmentsUsed: new Set(burstInvokes.map((invoke) => invoke.environmentId)).size,
      environmentsCreated: burstInvokes.filter((invoke) => invoke.isColdStart).length,
      warmEnvironments,
      invokes: burstInvokes.length,
      coldStartWait: coldWait(coldWaits),
      queueWait: undefined,
      perRequest,
    }
  } finally {
    await lambda.close()
    disarm()
  }
}

function serving(stack: DispatchStack): number {
  return stack.lambda.environments(stack.functionName).filter((environment) => environment.state === 'invoking').length
}

async function runDispatch(): Promise<ScaleupSideReport> {
  let burstStartedAtMs = Number.POSITIVE_INFINITY
  const openedBeforeBurst = new Set<string>()
  const dispatched = new Map<string, { lambdaId: string; queuedMs: number | undefined }>()
  const stack = await startDispatchStack({
    root: ROOT,
    functionName: 'dispatch',
    routerSettings: {
      MinInstances: String(settings.dispatchWarm),
      MaxInstances: String(settings.maxInstances),
      MaxConcurrentCount: String(settings.maxConcurrentCount),
      // The per-request 'request dispatched' lines (queue wait, instance) are debug lines.
      LogLevel: 'debug',
    },
    functionEnv: APP_ENV,
    concurrencyLimit: CONCURRENCY_LIMIT,
    warmEnvironments: settings.dispatchWarm,
    onRouterLine: (line) => {
      const event = parseRouterLogLine(line)
      if (event?.kind === 'dispatched') dispatched.set(event.requestId, event)
      else if (event?.kind === 'instance-state' && event.to === 'open' && Date.now() < burstStartedAtMs) {
        openedBeforeBurst.add(event.lambdaId)
      }
    },
  })
  const disarm = closeOnSignal(() => stack.close())
  try {
    const invokes = new Map<string, InvokeSeen>()
    let burst = false
    stack.lambda.events.on('invoke-start', (event) => {
      invokes.set(event.requestId, {
        environmentId: event.environmentId,
        isColdStart: event.isColdStart,
        duringBurst: burst,
      })
    })
    await waitUntilServing(stack.frontDoorUrl)
    let warmEnvironments = 0
    let invokingAtStart: string[] = []
    const results = await runLoad(
      { url: stack.frontDoorUrl },
      [
        {
          name: 'burst',
          path: `/delay?ms=${settings.workMs}`,
          concurrency: settings.concurrency,
          total: settings.requests,
          keepHeaders: [],
          requestIdPrefix: 'scaleup-',
          timeoutMs: 120_000,
        },
      ],
      async () => {
        // An idle extension leaves its invoke after 250 ms and the router invokes again, so "warm" has to be made
        // true right before the burst: requests on every warm instance, then the burst within that grace.
        await waitUntilServing(stack.frontDoorUrl, () => serving(stack) >= settings.dispatchWarm)
        await Promise.all(
          Array.from({ length: settings.dispatchWarm * settings.maxConcurrentCount }, () =>
            fetch(`${stack.frontDoorUrl}/ping`).then((response) => response.arrayBuffer()),
          ),
        )
        const environments = stack.lambda.environments(stack.functionName)
        warmEnvironments = environments.length
        invokingAtStart = environments.filter((environment) => environment.state === 'invoking').map((env) => env.id)
        burst = true
        burstStartedAtMs = Date.now()
        process.stdout.write(`dispatch: burst of ${settings.requests} at c=${settings.concurrency}\n`)
      },
    )
    const records = results.burst ?? []
    // Let the last log lines arrive.
    await new Promise((done) => setTimeout(done, 200))
    const burstInvokes = [...invokes.values()].filter((invoke) => invoke.duringBurst)
    const queueWaits: number[] = []
    const coldWaits: number[] = []
    const perRequest = records.map((record) => {
      const seen = dispatched.get(`scaleup-${record.index}`)
      const queuedMs = seen?.queuedMs ?? 0
      const onNewInstance = seen !== undefined && !openedBeforeBurst.has(seen.lambdaId)
      if (queuedMs > 0) queueWaits.push(queuedMs)
      if (queuedMs > 0 && onNewInstance) coldWaits.push(queuedMs)
      return {
        latencyMs: Math.round(record.latencyMs),
        status: record.status,
        queuedMs: Math.round(queuedMs),
        onNewInstance,
      }
    })
    return {
      ...latencySummary(records),
      environmentsUsed: new Set([...invokingAtStart, ...burstInvokes.map((invoke) => invoke.environmentId)]).size,
      environmentsCreated: burstInvokes.filter((invoke) => invoke.isColdStart).length,
      warmEnvironments,
      invokes: burstInvokes.length,
      coldStartWait: coldWait(coldWaits),
      queueWait: coldWait(queueWaits),
      perRequest,
    }
  } finally {
    await stack.close()
    disarm()
  }
}

async function main(): Promise<void> {
  const startedAt = new Date()
  const loadStart = loadAverage1m()
  process.stdout.write(`load average (1 min) at start: ${loadStart.toFixed(2)}\n`)
  const tmp = mkdtempSync(join(tmpdir(), 'ld-scaleup-'))
  try {
    const baseline = values.only === 'dispatch' ? undefined : await runBaseline(tmp)
    const loadBetween = loadAverage1m()
    const dispatch = values.only === 'baseline' ? undefined : await runDispatch()
    const report: ScaleupReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      loadAverage: { start: loadStart, between: loadBetween, end: loadAverage1m() },
      settings,
      ...(baseline === undefined ? {} : { baseline }),
      ...(dispatch === undefined ? {} : { dispatch }),
    }
    const outDir = resolve(values.out)
    mkdirSync(outDir, { recursive: true })
    const base = join(outDir, `scaleup-${resultStamp(startedAt)}`)
    writeFileSync(`${base}.json`, jsonWithCompactRows(report, 'perRequest'))
    const markdown = renderScaleupMarkdown(report)
    writeFileSync(`${base}.md`, markdown)
    process.stdout.write(`\n${markdown}\nwrote ${base}.{json,md}\n`)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:scaleup: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
})
