// The live one-line status of the local stack: a sample read from the router's pools and metrics and the local
// Lambda's counters, its rendering and the choice of what to print when (both pure).
import type { LocalStack } from './local-stack.js'

/** What the status line shows, read at one moment. */
export interface StatusSample {
  readonly atMs: number
  readonly requestsTotal: number
  readonly requestsPerSecond: number
  readonly instancesOpen: number
  readonly instancesStarting: number
  readonly channelsParked: number
  readonly channelsBusy: number
  readonly queueLength: number
  readonly invokes: number
  readonly environmentsAlive: number
  readonly coldStarts: number
}

const REQUESTS_METRIC = 'lambda_dispatch_router_requests_total'

export async function sampleStatus(stack: LocalStack, previous: StatusSample | undefined): Promise<StatusSample> {
  let instancesOpen = 0
  let instancesStarting = 0
  let channelsParked = 0
  let channelsBusy = 0
  let queueLength = 0
  for (const pool of stack.router.pools.values()) {
    const snapshot = pool.snapshot()
    queueLength += snapshot.queueLength
    for (const instance of snapshot.instances) {
      if (instance.state === 'open' || instance.state === 'draining') instancesOpen++
      if (instance.state === 'initial' || instance.state === 'starting') instancesStarting++
      channelsParked += instance.parkedChannels
      channelsBusy += instance.busyChannels
    }
  }
  const metric = await stack.router.registry.getSingleMetric(REQUESTS_METRIC)?.get()
  const requestsTotal = metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0
  const atMs = Date.now()
  const stats = stack.lambda.stats(stack.functionName)
  return {
    atMs,
    requestsTotal,
    requestsPerSecond: requestsPerSecond(previous, requestsTotal, atMs),
    instancesOpen,
    instancesStarting,
    channelsParked,
    channelsBusy,
    queueLength,
    invokes: stats.invokes.RequestResponse + stats.invokes.Event,
    environmentsAlive: stats.environments.alive,
    coldStarts: stats.coldStarts,
  }
}

/** The request rate since the previous sample; 0 for the first sample or when no time passed. */
export function requestsPerSecond(
  previous: Pick<StatusSample, 'atMs' | 'requestsTotal'> | undefined,
  requestsTotal: number,
  atMs: number,
): number {
  if (previous === undefined || atMs <= previous.atMs) return 0
  return (requestsTotal - previous.requestsTotal) / ((atMs - previous.atMs) / 1000)
}

/** The status line itself: counts separated by ` · `, the rate rounded to a whole number. */
export function formatStatusLine(sample: StatusSample): string {
  const starting = sample.instancesStarting > 0 ? ` (+${sample.instancesStarting} starting)` : ''
  return [
    `${Math.round(sample.requestsPerSecond)} req/s`,
    `${sample.requestsTotal} requests`,
    `instances ${sample.instancesOpen}${starting}`,
    `channels ${sample.channelsBusy} busy/${sample.channelsParked} idle`,
    `queue ${sample.queueLength}`,
    `invokes ${sample.invokes}`,
    `environments ${sample.environmentsAlive} (${sample.coldStarts} cold starts)`,
  ].join(' · ')
}

/** The last status line written where the output is not a terminal, and when. */
export interface PrintedStatus {
  readonly line: string
  readonly atMs: number
}

/** Where the output is not a terminal, a line is written only when it changed and this long after the last one. */
export const STATUS_LINE_MIN_INTERVAL_MS = 5000

/**
 * What to write for a freshly rendered status line. On a terminal the line is rewritten in place every time
 * (carriage return, erase line, no newline). Elsewhere (a log file, a pipe) a new line is written only when the
 * text changed and at least `STATUS_LINE_MIN_INTERVAL_MS` passed since the last one; `undefined` writes nothing.
 */
export function statusLineOutput(
  line: string,
  terminal: boolean,
  last: PrintedStatus | undefined,
  nowMs: number,
): { readonly text: string; readonly printed: PrintedStatus | undefined } | undefined {
  if (terminal) return { text: `\r\x1b[2K${line}`, printed: last }
  if (last !== undefined && (line === last.line || nowMs - last.atMs < STATUS_LINE_MIN_INTERVAL_MS)) return undefined
  return { text: `${line}\n`, printed: { line, atMs: nowMs } }
}
