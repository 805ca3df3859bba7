// The live one-line status of the local stack: a sample read from the router's pools and metrics and the local
// Lambda's counters, and its rendering (pure).
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
  const elapsedS = previous === undefined ? 0 : (atMs - previous.atMs) / 1000
  const stats = stack.lambda.stats(stack.functionName)
  return {
    atMs,
    requestsTotal,
    requestsPerSecond: elapsedS > 0 && previous ? (requestsTotal - previous.requestsTotal) / elapsedS : 0,
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
