// The scale-up comparison's report types and its Markdown rendering. Pure.
import type { ScaleupSide } from './results.js'
import type { ColdWait } from './scaleup-analysis.js'
import { ratio } from './stats.js'

export interface ScaleupSideReport extends ScaleupSide {
  readonly requests: number
  readonly errors: number
  readonly errorsByStatus: Readonly<Record<string, number>>
  /** Environments alive (serving or idle) just before the burst. */
  readonly warmEnvironments: number
  /** Environments cold-started during the burst. */
  readonly environmentsCreated: number
  /**
   * Requests that waited on a cold start. Direct Lambda: the request's invoke landed on a new environment; the wait
   * is that environment's init. Dispatch: the request waited in the router queue and then ran on an instance started
   * during the burst; the wait is its time in the queue.
   */
  readonly coldStartWait: ColdWait
  /** Dispatch only: every request that waited in the router queue, whatever instance then served it. */
  readonly queueWait: ColdWait | undefined
  readonly perRequest: readonly Readonly<Record<string, number | boolean>>[]
}

export interface ScaleupReport {
  readonly startedAt: string
  readonly finishedAt: string
  readonly loadAverage: { readonly start: number; readonly between: number; readonly end: number }
  readonly settings: {
    readonly requests: number
    readonly concurrency: number
    readonly workMs: number
    readonly coldStartMs: number
    readonly baselineWarm: number
    readonly dispatchWarm: number
    readonly maxInstances: number
    readonly maxConcurrentCount: number
  }
  readonly baseline?: ScaleupSideReport
  readonly dispatch?: ScaleupSideReport
}

function wait(value: ColdWait | undefined): string {
  if (value === undefined) return '–'
  if (value.requests === 0) return '0 requests'
  return `${value.requests} requests, mean ${value.meanMs.toFixed(0)} ms, max ${value.maxMs.toFixed(0)} ms, total ${value.totalS.toFixed(1)} s`
}

export function renderScaleupMarkdown(report: ScaleupReport): string {
  const { settings, baseline, dispatch } = report
  const row = (label: string, pick: (side: ScaleupSideReport) => string): string =>
    `| ${label} | ${baseline ? pick(baseline) : '–'} | ${dispatch ? pick(dispatch) : '–'} |`
  const environmentRatio = ratio(dispatch?.environmentsUsed, baseline?.environmentsUsed)
  const maxRatio = ratio(dispatch?.maxMs, baseline?.maxMs)
  return [
    `# Scale-up comparison ${report.startedAt}`,
    '',
    `${settings.requests} requests from ${settings.concurrency} concurrent clients, ${settings.workMs} ms of app work ` +
      `each (\`/delay\`), app cold start ${settings.coldStartMs} ms. Direct Lambda: API Gateway + web adapter, one ` +
      `request per invoke, ${settings.baselineWarm} warm environments. Dispatch: ${settings.dispatchWarm} warm, ` +
      `MaxInstances ${settings.maxInstances}, MaxConcurrentCount ${settings.maxConcurrentCount}. Load average (1 min): ` +
      `${report.loadAverage.start.toFixed(2)} at the start, ${report.loadAverage.between.toFixed(2)} between the ` +
      `runs, ${report.loadAverage.end.toFixed(2)} at the end.`,
    '',
    '| | direct Lambda | dispatch |',
    '| --- | ---: | ---: |',
    row('environments alive before the burst', (side) => String(side.warmEnvironments)),
    row('environments used in the burst', (side) => String(side.environmentsUsed)),
    row('environments cold-started in the burst', (side) => String(side.environmentsCreated)),
    row('invokes in the burst', (side) => String(side.invokes)),
    row('p50 ms', (side) => side.p50Ms.toFixed(0)),
    row('p99 ms', (side) => side.p99Ms.toFixed(0)),
    row('max ms', (side) => side.maxMs.toFixed(0)),
    row('errors', (side) =>
      side.errors === 0
        ? '0'
        : `${side.errors} (${Object.entries(side.errorsByStatus)
            .map(([status, count]) => `${status === '0' ? 'no answer' : status} × ${count}`)
            .join(', ')})`,
    ),
    row('waited on a cold start', (side) => wait(side.coldStartWait)),
    row('waited in the router queue (any instance)', (side) => wait(side.queueWait)),
    '',
    `Dispatch / direct: environments ${environmentRatio?.toFixed(2) ?? '–'} (target ≤ 0.25), max latency ` +
      `${maxRatio?.toFixed(2) ?? '–'} (target ≤ 0.33).`,
    '',
  ].join('\n')
}
