// Measures one cell: a warm-up run, then the measured run with the processes of its path metered from /proc. And the
// large-body echo through one path. Both return results and never throw for a failed load run.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { type Cell, notApplicable, ROUTES } from './cells.js'
import type { EchoClientProcess, EchoRun } from './echo-process.js'
import { h2loadArgs, h2loadResult, parseH2loadLog, parseH2loadSummary } from './h2load.js'
import type { LoadResult } from './load-result.js'
import { loadAverage1m } from './machine.js'
import type { PathTarget } from './paths.js'
import { runToEnd } from './processes.js'
import { ResourceMeter, type ResourceUsage } from './resource-meter.js'
import { type CellResult, cpuPerRequest, type LargeBodyResult, medianThroughput } from './results.js'
import { parseWrkOutput, wrkArgs } from './wrk.js'

export interface LoadTools {
  readonly wrk: string | undefined
  readonly h2load: string | undefined
  /** bench/wrk-report.lua */
  readonly wrkScript: string
  readonly tmpDir: string
}

export interface CellTiming {
  readonly durationS: number
  readonly warmupS: number
}

const KIB = 1024

function toMiB(kib: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(kib).map(([label, value]) => [label, value / KIB]))
}

async function runLoad(
  cell: Cell,
  url: string,
  tools: LoadTools,
  durationS: number,
): Promise<{ load: LoadResult } | { error: string }> {
  if (cell.protocol === 'h1') {
    const wrk = tools.wrk as string
    const out = await runToEnd([
      wrk,
      ...wrkArgs({ url, connections: cell.concurrency, durationS, scriptPath: tools.wrkScript }),
    ])
    if (out.code !== 0) return { error: `wrk exited ${out.code}: ${out.stderr.slice(0, 300)}` }
    return { load: parseWrkOutput(out.stdout) }
  }
  const logFile = join(tools.tmpDir, 'h2load.log')
  rmSync(logFile, { force: true })
  const out = await runToEnd([
    tools.h2load as string,
    ...h2loadArgs({ url, concurrency: cell.concurrency, durationS, warmupS: 0, logFile }),
  ])
  if (out.code !== 0) return { error: `h2load exited ${out.code}: ${(out.stderr || out.stdout).slice(0, 300)}` }
  const summary = parseH2loadSummary(out.stdout)
  const log = parseH2loadLog(readFileSync(logFile, 'latin1'))
  return { load: h2loadResult(summary, log, durationS) }
}

/** Skipped (not applicable, tool missing, path unavailable), or measured: load, CPU per request, peak RSS. */
export async function measureCell(
  cell: Cell,
  target: PathTarget | undefined,
  unavailable: string | undefined,
  tools: LoadTools,
  timing: CellTiming,
): Promise<CellResult> {
  const loadAverage = loadAverage1m()
  const skip = (reason: string): CellResult => ({ ...cell, status: 'skipped', reason, loadAverage1m: loadAverage })
  const inapplicable = notApplicable(cell)
  if (inapplicable) return skip(`not applicable: ${inapplicable}`)
  if (unavailable) return skip(unavailable)
  if (target === undefined) return skip('path not started (--paths)')
  const base = target.urls[cell.protocol]
  if (base === undefined) return skip(`no ${cell.protocol} listener on this path`)
  if (cell.protocol === 'h1' && tools.wrk === undefined)
    return skip('wrk is not installed (Debian: apt-get install wrk)')
  if (cell.protocol === 'h2c' && tools.h2load === undefined) {
    return skip('h2load is not installed (Debian: apt-get install nghttp2-client)')
  }
  const url = `${base}${ROUTES[cell.route].target}`
  try {
    if (timing.warmupS > 0) {
      const warm = await runLoad(cell, url, tools, timing.warmupS)
      if ('error' in warm)
        return { ...cell, status: 'failed', reason: `warm-up: ${warm.error}`, loadAverage1m: loadAverage }
    }
    const meter = new ResourceMeter(target.groups())
    meter.start()
    const measured = await runLoad(cell, url, tools, timing.durationS).finally(() => undefined)
    const usage = meter.stop()
    if ('error' in measured) return { ...cell, status: 'failed', reason: measured.error, loadAverage1m: loadAverage }
    const load = measured.load
    const notes: string[] = []
    if (usage.vanishedPids.length > 0) notes.push(`processes ended during the cell: ${usage.vanishedPids.join(', ')}`)
    const minBytes = ROUTES[cell.route].bodyBytes
    if (load.requests > 0 && load.bytes / load.requests < minBytes) {
      notes.push(`responses averaged ${Math.round(load.bytes / load.requests)} bytes, under the ${minBytes}-byte body`)
    }
    return {
      ...cell,
      status: 'ok',
      ...(notes.length > 0 ? { reason: notes.join('; ') } : {}),
      load,
      cpuUsPerRequest: cpuPerRequest(usage.cpuUs, load.requests),
      peakRssMiB: toMiB(usage.peakRssKb),
      loadAverage1m: loadAverage,
    }
  } catch (error) {
    return { ...cell, status: 'failed', reason: (error as Error).message, loadAverage1m: loadAverage }
  }
}

/**
 * The large-body echo through one path: echoes for `warmupS` seconds unmeasured (at least one), as a cell warms up,
 * then `repetitions` timed ones with the path's processes metered. The echo client is a process of its own.
 */
export async function measureLargeBody(
  client: EchoClientProcess,
  target: PathTarget,
  bodyBytes: number,
  repetitions: number,
  warmupS: number,
): Promise<LargeBodyResult> {
  const meter = new ResourceMeter(target.groups())
  const plan = { url: target.urls.h1 as string, bodyBytes, warmupS, repetitions }
  let run: EchoRun
  let usage: ResourceUsage
  try {
    run = await client.run(plan, () => meter.start())
  } finally {
    // Stopped even when the client dies mid-run: its sampling timer would keep this process alive.
    usage = meter.stop()
  }
  const mib = (bodyBytes * repetitions) / (1024 * 1024)
  return {
    path: target.name,
    bodyBytes,
    repetitions,
    medianMBps: medianThroughput(bodyBytes, run.seconds),
    allMBps: run.seconds.map((value) => bodyBytes / value / 1e6),
    failures: run.failures,
    ...(run.failure === undefined ? {} : { failure: run.failure }),
    cpuUsPerMiB: Object.fromEntries(Object.entries(usage.cpuUs).map(([label, us]) => [label, us / mib])),
  }
}
