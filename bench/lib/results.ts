// The shape of a benchmark run's results, and the pure computations over it: CPU per request, the ratios between
// paths, and the verdict on each performance target. No I/O.
import { type Cell, cellId, type PathName, type Protocol, type RouteName } from './cells.js'
import type { LoadResult } from './load-result.js'
import { median, ratio } from './stats.js'
import type { WebSocketResult } from './websocket-load.js'

export interface CellResult extends Cell {
  readonly status: 'ok' | 'skipped' | 'failed'
  /** Why the cell was skipped or failed. */
  readonly reason?: string
  readonly load?: LoadResult
  /** CPU microseconds per completed request, by process group (router, extension, app, nginx) and `total`. */
  readonly cpuUsPerRequest?: Record<string, number>
  /** Highest sampled RSS during the cell, MiB, by process group. */
  readonly peakRssMiB?: Record<string, number>
  /** 1-minute load average when the cell started. */
  readonly loadAverage1m: number
}

export interface LargeBodyResult {
  readonly path: PathName
  readonly bodyBytes: number
  readonly repetitions: number
  /** Decimal megabytes (10^6 bytes) of body per second, median of the repetitions. */
  readonly medianMBps: number | undefined
  readonly allMBps: number[]
  /** Repetitions whose echo was wrong (status, length or hash) or that failed. */
  readonly failures: number
  readonly failure?: string
  /** CPU microseconds per MiB of body, by process group, over all repetitions. */
  readonly cpuUsPerMiB?: Record<string, number>
}

export interface RatioRow {
  readonly route: RouteName
  readonly protocol: Protocol
  readonly concurrency: number
  readonly dispatchOverDirect: number | undefined
  readonly dispatchOverNginx: number | undefined
  readonly dispatchOverBare: number | undefined
  /** Router and extension CPU per request through dispatch, each divided by the bare tunnel's. */
  readonly routerCpuOverBare: number | undefined
  readonly extensionCpuOverBare: number | undefined
  /** Dispatch p50 minus direct p50, microseconds. */
  readonly addedP50Us: number | undefined
}

/** The scale-up comparison's summary (bench/scaleup.ts). */
export interface ScaleupSide {
  readonly environmentsUsed: number
  readonly invokes: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

export interface TargetVerdict {
  readonly name: string
  readonly goal: string
  readonly measured: string
  readonly met: boolean | undefined
}

/** `2026-01-31-1405` (UTC): the <date> part of a results file name, sortable, one per minute. */
export function resultStamp(date: Date): string {
  return date.toISOString().slice(0, 16).replace(':', '').replace('T', '-')
}

/** CPU per request by group, plus `total`; undefined when nothing completed. */
export function cpuPerRequest(cpuUs: Readonly<Record<string, number>>, requests: number): Record<string, number> {
  const perRequest: Record<string, number> = {}
  if (requests <= 0) return perRequest
  let total = 0
  for (const [label, us] of Object.entries(cpuUs)) {
    perRequest[label] = us / requests
    total += us
  }
  perRequest.total = total / requests
  return perRequest
}

function find(
  cells: readonly CellResult[],
  cell: { path: PathName; protocol: Protocol; route: RouteName; concurrency: number },
): CellResult | undefined {
  const id = cellId(cell)
  return cells.find((result) => result.id === id && result.status === 'ok')
}

/**
 * Per workload: dispatch's throughput over direct's, nginx's and the bare tunnel's, its router's and extension's CPU
 * per request over the bare tunnel's, and the p50 it adds over direct.
 */
export function ratioRows(cells: readonly CellResult[]): RatioRow[] {
  const rows: RatioRow[] = []
  const seen = new Set<string>()
  for (const cell of cells) {
    const key = `${cell.route}/${cell.protocol}/${cell.concurrency}`
    if (seen.has(key)) continue
    seen.add(key)
    const workload = { route: cell.route, protocol: cell.protocol, concurrency: cell.concurrency }
    const dispatchCell = find(cells, { ...workload, path: 'dispatch' })
    const bareCell = find(cells, { ...workload, path: 'bare' })
    const dispatch = dispatchCell?.load
    const direct = find(cells, { ...workload, path: 'direct' })?.load
    const nginx = find(cells, { ...workload, path: 'nginx' })?.load
    rows.push({
      ...workload,
      dispatchOverDirect: ratio(dispatch?.requestsPerS, direct?.requestsPerS),
      dispatchOverNginx: ratio(dispatch?.requestsPerS, nginx?.requestsPerS),
      dispatchOverBare: ratio(dispatch?.requestsPerS, bareCell?.load?.requestsPerS),
      routerCpuOverBare: ratio(dispatchCell?.cpuUsPerRequest?.router, bareCell?.cpuUsPerRequest?.router),
      extensionCpuOverBare: ratio(dispatchCell?.cpuUsPerRequest?.extension, bareCell?.cpuUsPerRequest?.extension),
      addedP50Us: dispatch && direct ? dispatch.p50Us - direct.p50Us : undefined,
    })
  }
  return rows
}

export const TARGETS = {
  routerCpuUs: 250,
  extensionCpuUs: 250,
  nginxThroughputRatio: 0.5,
  addedP50Us: 1_000,
  echo9MiBMBps: 300,
  scaleupEnvironmentRatio: 0.25,
  scaleupMaxLatencyRatio: 1 / 3,
} as const

const NINE_MIB = 9 * 1024 * 1024

function fixed(value: number | undefined, digits: number, unit = ''): string {
  return value === undefined ? 'not measured' : `${value.toFixed(digits)}${unit}`
}

/**
 * The issue's targets, each judged on its cell: CPU per proxied /ping and the nginx ratio at c=50 over HTTP/1.1,
 * the added p50 at c=10 over HTTP/1.1, the 9 MiB echo through dispatch, and the scale-up ratios when given.
 * `met` is undefined when the cell was not measured.
 */
export function evaluateTargets(
  cells: readonly CellResult[],
  largeBodies: readonly LargeBodyResult[],
  scaleup: { baseline: ScaleupSide; dispatch: ScaleupSide } | undefined,
): TargetVerdict[] {
  const ping50 = { route: 'ping', protocol: 'h1', concurrency: 50 } as const
  const dispatch50 = find(cells, { ...ping50, path: 'dispatch' })
  const nginx50 = find(cells, { ...ping50, path: 'nginx' })
  const ping10 = { route: 'ping', protocol: 'h1', concurrency: 10 } as const
  const dispatch10 = find(cells, { ...ping10, path: 'dispatch' })?.load
  const direct10 = find(cells, { ...ping10, path: 'direct' })?.load
  const routerUs = dispatch50?.cpuUsPerRequest?.router
  const extensionUs = dispatch50?.cpuUsPerRequest?.extension
  const nginxRatio = ratio(dispatch50?.load?.requestsPerS, nginx50?.load?.requestsPerS)
  const addedUs = dispatch10 && direct10 ? dispatch10.p50Us - direct10.p50Us : undefined
  const echo = largeBodies.find((result) => result.path === 'dispatch' && result.bodyBytes === NINE_MIB)
  const echoMBps = echo?.failures === 0 ? echo.medianMBps : undefined
  const verdicts: TargetVerdict[] = [
    {
      name: 'router CPU per proxied /ping (h1, c=50)',
      goal: `≤ ${TARGETS.routerCpuUs} µs`,
      measured: fixed(routerUs, 0, ' µs'),
      met: routerUs === undefined ? undefined : routerUs <= TARGETS.routerCpuUs,
    },
    {
      name: 'extension CPU per proxied /ping (h1, c=50)',
      goal: `≤ ${TARGETS.extensionCpuUs} µs`,
      measured: fixed(extensionUs, 0, ' µs'),
      met: extensionUs === undefined ? undefined : extensionUs <= TARGETS.extensionCpuUs,
    },
    {
      name: 'dispatch throughput / nginx throughput (/ping, h1, c=50)',
      goal: `≥ ${TARGETS.nginxThroughputRatio}`,
      measured: fixed(nginxRatio, 2),
      met: nginxRatio === undefined ? undefined : nginxRatio >= TARGETS.nginxThroughputRatio,
    },
    {
      name: 'p50 added over direct (/ping, h1, c=10)',
      goal: `≤ ${TARGETS.addedP50Us / 1000} ms`,
      measured: addedUs === undefined ? 'not measured' : `${(addedUs / 1000).toFixed(2)} ms`,
      met: addedUs === undefined ? undefined : addedUs <= TARGETS.addedP50Us,
    },
    {
      name: '9 MiB POST /echo through dispatch',
      goal: `≥ ${TARGETS.echo9MiBMBps} MB/s`,
      measured: echo?.failures ? `${echo.failures} failed` : fixed(echoMBps, 0, ' MB/s'),
      met: echoMBps === undefined ? undefined : echoMBps >= TARGETS.echo9MiBMBps,
    },
  ]
  const environmentRatio = ratio(scaleup?.dispatch.environmentsUsed, scaleup?.baseline.environmentsUsed)
  const maxRatio = ratio(scaleup?.dispatch.maxMs, scaleup?.baseline.maxMs)
  verdicts.push(
    {
      name: 'scale-up: environments, dispatch / direct Lambda',
      goal: '≤ 1/4',
      measured: scaleup
        ? `${scaleup.dispatch.environmentsUsed} / ${scaleup.baseline.environmentsUsed} = ${fixed(environmentRatio, 2)}`
        : 'not measured (npm run bench:scaleup)',
      met: environmentRatio === undefined ? undefined : environmentRatio <= TARGETS.scaleupEnvironmentRatio,
    },
    {
      name: 'scale-up: max latency, dispatch / direct Lambda',
      goal: '≤ 1/3',
      measured: scaleup
        ? `${scaleup.dispatch.maxMs.toFixed(0)} ms / ${scaleup.baseline.maxMs.toFixed(0)} ms = ${fixed(maxRatio, 2)}`
        : 'not measured (npm run bench:scaleup)',
      met: maxRatio === undefined ? undefined : maxRatio <= TARGETS.scaleupMaxLatencyRatio + 1e-9,
    },
  )
  return verdicts
}

/**
 * Issue 16's targets, each a ratio from the same run, so that it holds on any machine: against the bare tunnel
 * (bench/bare-tunnel/, the naive floor in Node) or against direct; and the router's peak RSS. `required` must be met,
 * `aim` is where the design heads. Lower is better except for the two throughput ratios.
 */
export const BARE_TARGETS = {
  throughputOverBare: { required: 0.85, aim: 1.1 },
  routerCpuOverBare: { required: 1.25, aim: 0.9 },
  extensionCpuOverBare: { required: 1.0, aim: 0.8 },
  addedP50OverBare: { required: 1.2, aim: 1.0 },
  echo9MiBOverDirect: { required: 0.55, aim: 0.8 },
  routerPeakRssMiB: { required: 160, aim: 120 },
} as const

/** One of issue 16's targets as measured in one run. `met` and `aimMet` are undefined when it was not measured. */
export interface BareTarget {
  readonly name: string
  readonly value: number | undefined
  /** The value and the figures it was computed from, e.g. `2.30 (287 / 125 µs)`. */
  readonly measured: string
  readonly required: string
  readonly aim: string
  readonly met: boolean | undefined
  readonly aimMet: boolean | undefined
}

function judged(
  name: string,
  value: number | undefined,
  measured: string,
  goal: { readonly required: number; readonly aim: number },
  higherIsBetter: boolean,
  unit = '',
): BareTarget {
  const sign = higherIsBetter ? '≥' : '≤'
  const meets = (bound: number): boolean | undefined =>
    value === undefined ? undefined : higherIsBetter ? value >= bound : value <= bound
  return {
    name,
    value,
    measured: value === undefined ? 'not measured' : measured,
    required: `${sign} ${goal.required}${unit}`,
    aim: `${sign} ${goal.aim}${unit}`,
    met: meets(goal.required),
    aimMet: meets(goal.aim),
  }
}

/**
 * Judges issue 16's targets: throughput and CPU per request on /ping over HTTP/1.1 at c=50, the added p50 at c=1,
 * the 9 MiB echo against direct, and the router's highest RSS over the dispatch cells at c=200.
 */
export function evaluateBareTargets(
  cells: readonly CellResult[],
  largeBodies: readonly LargeBodyResult[],
): BareTarget[] {
  const ping50 = { route: 'ping', protocol: 'h1', concurrency: 50 } as const
  const dispatch50 = find(cells, { ...ping50, path: 'dispatch' })
  const bare50 = find(cells, { ...ping50, path: 'bare' })
  const ping1 = { route: 'ping', protocol: 'h1', concurrency: 1 } as const
  const dispatch1 = find(cells, { ...ping1, path: 'dispatch' })?.load
  const bare1 = find(cells, { ...ping1, path: 'bare' })?.load
  const direct1 = find(cells, { ...ping1, path: 'direct' })?.load
  const dispatchRate = dispatch50?.load?.requestsPerS
  const bareRate = bare50?.load?.requestsPerS
  const cpu = (group: 'router' | 'extension'): BareTarget => {
    const dispatchUs = dispatch50?.cpuUsPerRequest?.[group]
    const bareUs = bare50?.cpuUsPerRequest?.[group]
    const value = ratio(dispatchUs, bareUs)
    return judged(
      `${group} CPU per request / bare ${group}'s (/ping, h1, c=50)`,
      value,
      `${fixed(value, 2)} (${fixed(dispatchUs, 0)} / ${fixed(bareUs, 0)} µs)`,
      group === 'router' ? BARE_TARGETS.routerCpuOverBare : BARE_TARGETS.extensionCpuOverBare,
      false,
    )
  }
  const dispatchAddedUs = dispatch1 && direct1 ? dispatch1.p50Us - direct1.p50Us : undefined
  const bareAddedUs = bare1 && direct1 ? bare1.p50Us - direct1.p50Us : undefined
  const addedRatio = ratio(dispatchAddedUs, bareAddedUs)
  const echo = (path: PathName): number | undefined => {
    const result = largeBodies.find((entry) => entry.path === path && entry.bodyBytes === NINE_MIB)
    return result?.failures === 0 ? result.medianMBps : undefined
  }
  const echoRatio = ratio(echo('dispatch'), echo('direct'))
  const peak = (path: PathName): number | undefined => {
    const values = cells
      .filter((cell) => cell.path === path && cell.concurrency === 200 && cell.status === 'ok')
      .map((cell) => cell.peakRssMiB?.router)
      .filter((value): value is number => value !== undefined)
    return values.length === 0 ? undefined : Math.max(...values)
  }
  const routerPeak = peak('dispatch')
  const barePeak = peak('bare')
  return [
    judged(
      "dispatch throughput / bare tunnel's (/ping, h1, c=50)",
      ratio(dispatchRate, bareRate),
      `${fixed(ratio(dispatchRate, bareRate), 2)} (${fixed(dispatchRate, 0)} / ${fixed(bareRate, 0)} req/s)`,
      BARE_TARGETS.throughputOverBare,
      true,
    ),
    cpu('router'),
    cpu('extension'),
    judged(
      "added p50 / bare tunnel's added p50 (/ping, h1, c=1)",
      addedRatio,
      `${fixed(addedRatio, 2)} (${fixed(ms(dispatchAddedUs), 2)} / ${fixed(ms(bareAddedUs), 2)} ms)`,
      BARE_TARGETS.addedP50OverBare,
      false,
    ),
    judged(
      '9 MiB POST /echo: dispatch MB/s / direct MB/s',
      echoRatio,
      `${fixed(echoRatio, 2)} (${fixed(echo('dispatch'), 0)} / ${fixed(echo('direct'), 0)} MB/s)`,
      BARE_TARGETS.echo9MiBOverDirect,
      true,
    ),
    judged(
      'router peak RSS under the c=200 cells',
      routerPeak,
      `${fixed(routerPeak, 0)} MiB${barePeak === undefined ? '' : ` (bare router ${barePeak.toFixed(0)} MiB)`}`,
      BARE_TARGETS.routerPeakRssMiB,
      false,
      ' MiB',
    ),
  ]
}

function ms(us: number | undefined): number | undefined {
  return us === undefined ? undefined : us / 1000
}

/** Median MB/s of the successful repetitions. */
export function medianThroughput(bodyBytes: number, secondsList: readonly number[]): number | undefined {
  return median(secondsList.filter((seconds) => seconds > 0).map((seconds) => bodyBytes / seconds / 1e6))
}

/** Everything one `npm run bench` wrote, as saved in bench/results/<date>.json. */
export interface BenchReport {
  readonly startedAt: string
  readonly finishedAt: string
  readonly machine: {
    readonly cpuModel: string
    readonly cpuCount: number
    readonly memoryGiB: number
    readonly node: string
    readonly tools: Readonly<Record<string, string>>
  }
  /** 1-minute load averages: when the run started, when it ended, and the highest seen at a cell's start. */
  readonly loadAverage: { readonly start: number; readonly end: number; readonly max: number }
  readonly settings: {
    readonly durationS: number
    readonly warmupS: number
    readonly instances: number
    readonly maxConcurrentCount: number
  }
  readonly cells: readonly CellResult[]
  readonly largeBodies: readonly LargeBodyResult[]
  /** WebSocket echo round trips, direct and dispatch (absent in reports from before they were measured). */
  readonly webSockets?: readonly WebSocketResult[]
  readonly ratios: readonly RatioRow[]
  readonly targets: readonly TargetVerdict[]
  /** Issue 16's ratios against the bare tunnel, from this run. */
  readonly bareTargets: readonly BareTarget[]
  /** The latest scale-up run found in bench/results, if any. */
  readonly scaleup?: { readonly file: string; readonly baseline: ScaleupSide; readonly dispatch: ScaleupSide }
}

/**
 * JSON with two-space indentation, except that the arrays under `rowKey` keep one element per line: per-request rows
 * stay readable and diffable without six lines each. The result parses to the same value.
 */
export function jsonWithCompactRows(value: unknown, rowKey: string): string {
  const blocks: string[] = []
  const text = JSON.stringify(
    value,
    (key, entry: unknown) => {
      if (key !== rowKey || !Array.isArray(entry)) return entry
      blocks.push(
        entry.length === 0 ? '[]' : `[\n${entry.map((row) => `      ${JSON.stringify(row)}`).join(',\n')}\n    ]`,
      )
      return `\u0000rows${blocks.length - 1}`
    },
    2,
  )
  return `${text.replace(/"\\u0000rows(\d+)"/g, (_, index: string) => blocks[Number(index)] ?? '[]')}\n`
}
