// Pure. The soak's closing report as text: the headline `N requests, L lost, U unexpected`, the router's guard
// counters, instances and invokes, what was left over, and the first failures. No I/O.
import { formatDuration } from './progress.js'
import { REQUEST_KINDS } from './request-mix.js'
import { formatCounts } from './router-counters.js'
import { formatFailure, type SoakReport } from './run-soak.js'

const MIB = 1024 * 1024

export function formatReport(report: SoakReport): string {
  const { figures, router, lambda, verdict } = report
  const lost = figures.issued - figures.settled
  const seconds = report.elapsedMs / 1000
  const lines = [
    `${figures.settled} requests, ${lost} lost, ${figures.unexpected} unexpected`,
    `  issued ${figures.issued}, settled ${figures.settled}: ok ${figures.ok}, ` +
      `expected errors (aborted on purpose) ${figures.expectedErrors}, unexpected ${figures.unexpected}`,
    `  time ${formatDuration(report.elapsedMs)} (${Math.round(figures.settled / Math.max(seconds, 0.001))} req/s), ` +
      `seed ${report.options.seed}, concurrency ${report.options.concurrency}`,
    `  turnover while the load ran: ${Math.round(report.turnover.requestsPerSecond)} requests/s, ` +
      `${report.turnover.channelStreamsOpened} channel streams opened, ` +
      `${report.turnover.instancesRecycled} instances recycled (${formatCounts(report.turnover.exitReasons)})`,
    `  by kind: ${REQUEST_KINDS.map((kind) => {
      const tally = report.byKind[kind]
      return `${kind} ${tally.ok + tally.expectedErrors + tally.unexpected}`
    }).join(', ')}`,
    `  latency ms p50/p99/max: ${REQUEST_KINDS.map((kind) => {
      const latency = report.latency[kind]
      return `${kind} ${latency.p50Ms}/${latency.p99Ms}/${latency.maxMs}`
    }).join(', ')}`,
    `  by client: h1 ${report.byProtocol.h1}, h2c ${report.byProtocol.h2c}; ` +
      `bytes sent ${(report.bytes.sent / MIB).toFixed(1)} MiB, received ${(report.bytes.received / MIB).toFixed(1)} MiB; ` +
      `h2c requests sent again after REFUSED_STREAM ${report.refusedRetries}`,
    `  unexpected by reason: ${formatCounts(report.unexpectedByReason)}`,
    `router: tunnel ordering violations ${router.orderingViolations}, ` +
      `control-channel HTTP/2 errors ${sum(router.http2ErrorsByKind)} (${formatCounts(router.http2ErrorsByKind)})`,
    `  requests by outcome: ${formatCounts(router.requestsByOutcome)}`,
    `  channels opened ${router.channelsOpened}, closed: ${formatCounts(router.channelsClosedByReason)}`,
    `  control answers other than a parked channel: ${formatCounts(router.controlResponses)}`,
    `instances: ${router.instanceTransitions.starting ?? 0} started, ${router.instanceTransitions.open ?? 0} opened; ` +
      `invokes ${formatCounts(router.invokesByResult)}; exit reasons ${formatCounts(router.exitReasons)}`,
    `  local Lambda: invokes ${lambda.invokes}, environments created ${lambda.environmentsCreated}, ` +
      `cold ${lambda.coldStarts}, warm ${lambda.warmStarts}, timeouts ${lambda.timeouts}, function errors ${lambda.functionErrors}`,
    `left over: busy channels ${figures.leftOver.busyChannels}, queued ${figures.leftOver.queuedRequests}, ` +
      `in flight ${figures.leftOver.inFlightRequests}; probes ${figures.probes.ok}/${figures.probes.sent} ok; ` +
      `child processes ${figures.processes.afterClose} after close (baseline ${figures.processes.baseline}), ` +
      `environments alive ${lambda.environmentsAliveAfterClose}`,
    `memory: max rss ${Math.round(report.memory.maxRssBytes / MIB)} MiB, heap at end ${Math.round(report.memory.endHeapUsedBytes / MIB)} MiB; ` +
      `event-loop delay p99 ${report.eventLoopDelayMs.p99} ms, max ${report.eventLoopDelayMs.max} ms`,
    `cpu: soak process (router, local Lambda, clients) ${(report.cpu.soakProcessMs / 1000).toFixed(1)} s, ` +
      `extensions and apps ${(report.cpu.childProcessesMs / 1000).toFixed(1)} s: ` +
      `${report.cpu.perRequestMs.toFixed(2)} ms per request`,
  ]
  const groups = Object.entries(report.unexpectedByKind).sort((left, right) => right[1] - left[1])
  if (groups.length > 0) {
    lines.push('unexpected by what happened:')
    for (const [group, count] of groups) lines.push(`  ${count} × ${group}`)
  }
  if (report.failures.length > 0) {
    lines.push(`first ${report.failures.length} unexpected:`)
    for (const failure of report.failures) lines.push(`  ${formatFailure(failure)}`)
  }
  lines.push(
    verdict.exitCode === 0 ? 'PASS' : `FAIL:\n${verdict.problems.map((problem) => `  - ${problem}`).join('\n')}`,
  )
  return lines.join('\n')
}

function sum(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((total, count) => total + count, 0)
}
