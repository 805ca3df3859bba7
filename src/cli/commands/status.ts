// `lambda-dispatch status`: the dashboard's picture in a terminal. Reads the router's /api/snapshot (admin listener)
// and prints pools, instances, queue, req/s, p50/p99, invokes, exit reasons and recent errors; --watch redraws every
// second (a display refresh). Exits 1 with a message when the admin endpoint cannot be read. renderStatus is pure.
import type { Command } from 'commander'
import { request } from 'undici'
import type { AdminSnapshot, PoolView, TrafficSummary } from '../../router/index.js'

const DEFAULT_ADMIN_URL = 'http://127.0.0.1:5005'
// A healthy admin endpoint answers in milliseconds; this bounds a hung one.
const FETCH_TIMEOUT_MS = 3000
const WATCH_INTERVAL_MS = 1000
const SPARK = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const
const SPARK_SECONDS = 60
const MAX_INSTANCE_ROWS = 20
const MAX_ERROR_ROWS = 10

interface StatusOptions {
  url: string
  watch: boolean
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("print the router's pools, instances, traffic, invokes and recent errors (reads the admin listener)")
    .option('--url <url>', 'admin listener of the router', DEFAULT_ADMIN_URL)
    .option('--watch', 'redraw every second until Ctrl-C', false)
    .action(async (options: StatusOptions) => {
      process.exitCode = await runStatus(options)
    })
}

/** Reads `{url}/api/snapshot`; rejects with a message naming the URL when it cannot. */
export async function fetchSnapshot(url: string): Promise<AdminSnapshot> {
  const target = `${url.replace(/\/+$/, '')}/api/snapshot`
  let response: Awaited<ReturnType<typeof request>>
  try {
    response = await request(target, {
      headersTimeout: FETCH_TIMEOUT_MS,
      bodyTimeout: FETCH_TIMEOUT_MS,
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    })
  } catch (error) {
    throw new Error(`cannot reach the router's admin endpoint at ${target}: ${(error as Error).message}`)
  }
  if (response.statusCode !== 200) {
    await response.body.dump()
    throw new Error(`${target} answered ${response.statusCode}; is this a lambda-dispatch router's admin port?`)
  }
  const snapshot = (await response.body.json()) as AdminSnapshot
  if (snapshot.version !== 1) throw new Error(`${target} sent snapshot version ${String(snapshot.version)}; expected 1`)
  return snapshot
}

async function runStatus(options: StatusOptions): Promise<number> {
  // `lambda-dispatch status | head`: the reader went away; that is the end of the output, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
  let snapshot: AdminSnapshot
  try {
    snapshot = await fetchSnapshot(options.url)
  } catch (error) {
    process.stderr.write(`lambda-dispatch status: ${(error as Error).message}\n`)
    return 1
  }
  if (!options.watch) {
    process.stdout.write(renderStatus(snapshot))
    return 0
  }
  const tty = process.stdout.isTTY === true
  const draw = (text: string): void => {
    process.stdout.write(tty ? `\x1b[H\x1b[2J${text}` : `${text}\n`)
  }
  draw(renderStatus(snapshot))
  await new Promise<void>((resolve) => {
    let fetching = false
    const timer = setInterval(() => {
      if (fetching) return
      fetching = true
      fetchSnapshot(options.url)
        .then((next) => draw(renderStatus(next)))
        .catch((error: Error) => draw(`${error.message}\n(retrying every second; Ctrl-C to stop)\n`))
        .finally(() => {
          fetching = false
        })
    }, WATCH_INTERVAL_MS)
    const stop = (): void => {
      clearInterval(timer)
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  return 0
}

/** The whole picture as terminal text (no colour codes), ending in a newline. */
export function renderStatus(snapshot: AdminSnapshot): string {
  const { router } = snapshot
  const lines: string[] = []
  lines.push(
    [
      'Lambda Dispatch router',
      router.state,
      router.ready ? 'ready' : 'not ready',
      `pid ${router.pid}`,
      `up ${formatAge(router.uptimeS * 1000)}`,
      `rss ${formatMiB(router.rssBytes)}`,
      snapshot.generatedAt.slice(11, 19),
    ].join(' · '),
  )
  lines.push(`Traffic   ${formatTraffic(snapshot.traffic)}`)
  lines.push(`          ${sparkline(snapshot.series.requests.slice(-SPARK_SECONDS))}  req/s, last ${SPARK_SECONDS} s`)
  for (const pool of snapshot.pools) lines.push('', ...renderPool(pool))
  if (snapshot.pools.length === 0) lines.push('', 'No pools (the router has not started).')
  lines.push('', 'Recent errors')
  const errors = snapshot.recentErrors.slice(-MAX_ERROR_ROWS).reverse()
  if (errors.length === 0) lines.push('  none')
  for (const error of errors) {
    lines.push(`  ${error.time.slice(11, 19)}  ${error.poolId ?? '-'}  ${error.code}  ${error.message}`)
  }
  return `${lines.join('\n')}\n`
}

function renderPool(pool: PoolView): string[] {
  const states = pool.instancesByState
  const lines = [
    `Pool ${pool.poolId} (${pool.functionName}) · ${pool.state} · queue ${pool.queueLength} · running ${pool.runningRequests}` +
      ` · instances ${states.open} open, ${states.initial + states.starting} starting, ${states.draining + states.closing} stopping` +
      ` · desired ${pool.desiredInstances} · channels ${pool.channels.busy} busy/${pool.channels.idle} idle · breaker ${pool.breakerState}`,
    `  traffic    ${formatTraffic(pool.traffic)}`,
    `  outcomes   ${formatCounts(pool.outcomes)}`,
    `  invokes    started ${pool.invokes.started} · ${formatCounts(pool.invokes.results)}`,
    `  exits      ${formatCounts(pool.invokes.exitReasons)}`,
  ]
  if (pool.noCapacity !== null) lines.push(`  no capacity: ${pool.noCapacity}`)
  if (pool.instances.length === 0) {
    lines.push('  no instances')
    return lines
  }
  const rows = pool.instances
    .slice(0, MAX_INSTANCE_ROWS)
    .map((instance) => [
      instance.lambdaId.slice(0, 8),
      instance.state,
      formatAge(instance.ageMs),
      String(instance.outstanding),
      String(instance.busyChannels),
      String(instance.idleChannels),
    ])
  lines.push(
    ...table(['LAMBDA ID', 'STATE', 'AGE', 'OUT', 'BUSY', 'IDLE'], rows, [false, false, true, true, true, true]),
  )
  if (pool.instances.length > MAX_INSTANCE_ROWS) {
    lines.push(`  … and ${pool.instances.length - MAX_INSTANCE_ROWS} more`)
  }
  return lines
}

function table(header: string[], rows: string[][], rightAligned: boolean[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)))
  const format = (cells: string[]): string =>
    `  ${cells
      .map((cell, column) => {
        const width = widths[column] ?? 0
        return rightAligned[column] ? cell.padStart(width) : cell.padEnd(width)
      })
      .join('  ')
      .trimEnd()}`
  return [format(header), ...rows.map(format)]
}

function formatTraffic(traffic: TrafficSummary): string {
  return [
    `${traffic.requestsPerSecond} req/s`,
    `${traffic.requestsTotal.toLocaleString('en-US')} requests`,
    `p50 ${formatMs(traffic.p50Ms)}`,
    `p99 ${formatMs(traffic.p99Ms)}`,
    `errors ${traffic.errorsPerSecond}/s`,
    `invokes ${traffic.invokesPerMinute}/min`,
  ].join(' · ')
}

function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1])
  if (entries.length === 0) return 'none'
  return entries.map(([name, count]) => `${name} ${count.toLocaleString('en-US')}`).join(' · ')
}

/** One character per value, scaled to the largest (all blank-low when every value is 0). */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values)
  return values
    .map((value) => SPARK[max === 0 ? 0 : Math.min(SPARK.length - 1, Math.round((value / max) * (SPARK.length - 1)))])
    .join('')
}

/** `-`, `0.42 ms`, `3.1 ms`, `250 ms`, `1.20 s`. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '-'
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 100) return `${ms.toFixed(1)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

/** `42s`, `3m 07s`, `2h 05m`. */
export function formatAge(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`
}

function formatMiB(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MiB`
}
