// `npm run bench`: the same workloads through (a) the app directly, (b) nginx in front of it, (c) the bare tunnel
// (bench/bare-tunnel/) in front of it and (d) the router and extension, over HTTP/1.1 (wrk) and h2c (h2load), with CPU
// per request and peak RSS of every process from /proc. Writes bench/results/<date>.{json,md,svg} and prints the
// ratios, issue 16's against the bare tunnel among them. Installs nothing: a missing tool skips its cells.
// Options: `npm run bench -- --help` (USAGE below). See docs/performance.md.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { buildCells, PATHS, type PathName, selectCells } from './lib/cells.js'
import { EchoClientProcess } from './lib/echo-process.js'
import { describeMachine, loadAverage1m } from './lib/machine.js'
import { type LoadTools, measureCell, measureLargeBody } from './lib/measure.js'
import { startPaths } from './lib/paths.js'
import { findExecutable } from './lib/processes.js'
import { bareTargetsTable, ratiosTable, renderMarkdown, targetsTable } from './lib/render-markdown.js'
import { renderChart } from './lib/render-svg.js'
import {
  type BenchReport,
  type CellResult,
  evaluateBareTargets,
  evaluateTargets,
  type LargeBodyResult,
  ratioRows,
  resultStamp,
} from './lib/results.js'
import { parseScaleupSummary } from './lib/scaleup-summary.js'
import { closeOnSignal } from './lib/signals.js'
import { measureWebSockets, type WebSocketResult, webSocketTable } from './lib/websocket-load.js'

const ROOT = resolve(import.meta.dirname, '..')
const MIB = 1024 * 1024

const USAGE = `usage: npm run bench -- [options]
  --quick                    1 s warm-up and 3 s per cell (default 3 s and 10 s)
  --cells <pattern,…>        cells to run, e.g. ping/h1/c50 or '*/*/c200' (default: all)
  --paths <list>             of ${PATHS.join(',')} (default: all)
  --duration <s>, --warmup <s>
  --instances <n>            dispatch environments (default 1)
  --max-concurrent <n>       dispatch MaxConcurrentCount (default 100)
  --no-large, --large-only   leave out, or run only, the large-body echoes
  --no-websocket, --websocket-only, --websocket-sockets <n>
  --profile <dir>            write V8 CPU profiles of every process under <dir>
  --out <dir>                where results go (default bench/results)
See docs/performance.md.`

function parseOptions() {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        quick: { type: 'boolean', default: false },
        cells: { type: 'string', default: '' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        instances: { type: 'string', default: '1' },
        'max-concurrent': { type: 'string', default: '100' },
        'no-large': { type: 'boolean', default: false },
        'large-only': { type: 'boolean', default: false },
        'no-websocket': { type: 'boolean', default: false },
        'websocket-only': { type: 'boolean', default: false },
        'websocket-sockets': { type: 'string', default: '10' },
        paths: { type: 'string', default: PATHS.join(',') },
        profile: { type: 'string' },
        out: { type: 'string', default: join(ROOT, 'bench/results') },
      },
    })
  } catch (error) {
    // An unknown or malformed option: say which, show the options, exit 2 without a stack trace.
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`)
    process.exit(2)
  }
}

const { values } = parseOptions()
if (values.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${text}"`)
  return value
}

const durationS = positive('duration', values.duration, values.quick ? 3 : 10)
const warmupS = positive('warmup', values.warmup, values.quick ? 1 : 3)
const instances = positive('instances', values.instances, 1)
const maxConcurrentCount = positive('max-concurrent', values['max-concurrent'], 100)
const patterns = values.cells
  .split(',')
  .map((pattern) => pattern.trim())
  .filter((pattern) => pattern !== '')
const chosenPaths = values.paths.split(',').map((path) => path.trim())
for (const path of chosenPaths) {
  if (!PATHS.includes(path as PathName)) throw new Error(`--paths takes ${PATHS.join(', ')}; got "${path}"`)
}
const webSocketOnly = values['websocket-only']
const cells =
  values['large-only'] || webSocketOnly ? [] : selectCells(buildCells({ paths: chosenPaths as PathName[] }), patterns)
// nginx is left out: its configuration has no Upgrade mapping, and the comparison that matters is direct vs dispatch.
const webSocketPaths: PathName[] = values['no-websocket']
  ? []
  : (['direct', 'dispatch'] as const).filter((path) => chosenPaths.includes(path))
const webSocketSockets = positive('websocket-sockets', values['websocket-sockets'], 10)
const largeRuns =
  values['no-large'] || webSocketOnly
    ? []
    : [
        { bodyBytes: 9 * MIB, repetitions: values.quick ? 2 : 5 },
        { bodyBytes: 100 * MIB, repetitions: values.quick ? 1 : 3 },
      ]

/** The newest bench/results/scaleup-*.json, summarised, if there is one. */
function latestScaleup(dir: string): BenchReport['scaleup'] {
  if (!existsSync(dir)) return undefined
  const file = readdirSync(dir)
    .filter((name) => /^scaleup-.*\.json$/.test(name))
    .sort()
    .at(-1)
  if (file === undefined) return undefined
  const summary = parseScaleupSummary(JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown)
  return summary === undefined ? undefined : { file, ...summary }
}

async function main(): Promise<void> {
  const tools = {
    wrk: findExecutable('wrk'),
    h2load: findExecutable('h2load'),
    nginx: findExecutable('nginx') ?? findExecutable('/usr/sbin/nginx'),
  }
  process.stdout.write(
    'needs: wrk (Debian wrk), h2load (nghttp2-client), nginx (nginx-light); a missing one skips its cells.\n',
  )
  for (const [name, path] of Object.entries(tools)) {
    process.stdout.write(`  ${name}: ${path ?? 'MISSING: its cells are skipped'}\n`)
  }
  for (const bundle of ['dist/cli.js', 'dist/extension.js', 'dist/demo-app.js']) {
    if (!existsSync(join(ROOT, bundle))) throw new Error(`${bundle} is missing: run npm run build first`)
  }
  const startedAt = new Date()
  const loadStart = loadAverage1m()
  process.stdout.write(`load average (1 min) at start: ${loadStart.toFixed(2)}\n`)
  const paths = PATHS.filter(
    (path: PathName) =>
      chosenPaths.includes(path) &&
      (cells.some((cell) => cell.path === path) ||
        webSocketPaths.includes(path) ||
        (largeRuns.length > 0 && (path !== 'nginx' || tools.nginx))),
  )
  const profileDir = values.profile === undefined ? undefined : resolve(values.profile)
  const started = await startPaths({
    root: ROOT,
    nginxPath: tools.nginx,
    paths,
    instances,
    maxConcurrentCount,
    ...(profileDir === undefined ? {} : { profileDir }),
  })
  const disarm = closeOnSignal(() => started.close())
  const tmpDir = mkdtempSync(join(tmpdir(), 'ld-bench-'))
  const loadTools: LoadTools = {
    wrk: tools.wrk,
    h2load: tools.h2load,
    wrkScript: join(ROOT, 'bench/wrk-report.lua'),
    tmpDir,
  }
  const results: CellResult[] = []
  const largeBodies: LargeBodyResult[] = []
  const webSockets: WebSocketResult[] = []
  try {
    for (const [index, cell] of cells.entries()) {
      const result = await measureCell(cell, started.targets[cell.path], started.unavailable[cell.path], loadTools, {
        durationS,
        warmupS,
      })
      results.push(result)
      const load = result.load
      const line = load
        ? `${Math.round(load.requestsPerS)} req/s, p50 ${(load.p50Us / 1000).toFixed(2)} ms, p99 ${(load.p99Us / 1000).toFixed(2)} ms, ` +
          `errors ${load.errors}, CPU µs/req ${Object.entries(result.cpuUsPerRequest ?? {})
            .map(([label, us]) => `${label} ${Math.round(us)}`)
            .join(' ')}`
        : `${result.status}: ${result.reason}`
      process.stdout.write(`[${index + 1}/${cells.length}] ${cell.id}: ${line}\n`)
    }
    // Forked only when there is an echo to run.
    const echoClient = largeRuns.length > 0 ? EchoClientProcess.start() : undefined
    try {
      for (const run of largeRuns) {
        for (const path of PATHS) {
          const target = started.targets[path]
          if (target === undefined || echoClient === undefined) continue
          const result = await measureLargeBody(echoClient, target, run.bodyBytes, run.repetitions, warmupS)
          largeBodies.push(result)
          process.stdout.write(
            `echo ${run.bodyBytes / MIB} MiB via ${path}: ${result.medianMBps?.toFixed(0) ?? '–'} MB/s (median of ` +
              `${result.allMBps.length}${result.failures > 0 ? `, ${result.failures} failed: ${result.failure}` : ''})\n`,
          )
        }
      }
    } finally {
      await echoClient?.close()
    }
    for (const path of webSocketPaths) {
      const url = started.targets[path]?.urls.h1
      if (url === undefined) continue
      const result = await measureWebSockets(path, url, {
        sockets: webSocketSockets,
        messageBytes: 64,
        durationS,
        warmupS,
      })
      webSockets.push(result)
      process.stdout.write(
        result.status === 'ok'
          ? `websocket echo via ${path}: ${Math.round(result.messagesPerS ?? 0)} messages/s, p50 ` +
              `${((result.p50Us ?? 0) / 1000).toFixed(2)} ms, p99 ${((result.p99Us ?? 0) / 1000).toFixed(2)} ms, ` +
              `${webSocketSockets} sockets\n`
          : `websocket echo via ${path}: failed: ${result.reason}\n`,
      )
    }
  } finally {
    await started.close()
    disarm()
    rmSync(tmpDir, { recursive: true, force: true })
  }
  const outDir = resolve(values.out)
  mkdirSync(outDir, { recursive: true })
  const scaleup = latestScaleup(outDir)
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: await describeMachine(tools),
    loadAverage: {
      start: loadStart,
      end: loadAverage1m(),
      max: Math.max(loadStart, ...results.map((result) => result.loadAverage1m)),
    },
    settings: { durationS, warmupS, instances, maxConcurrentCount },
    cells: results,
    largeBodies,
    webSockets,
    ratios: ratioRows(results),
    targets: evaluateTargets(results, largeBodies, scaleup),
    bareTargets: evaluateBareTargets(results, largeBodies),
    ...(scaleup === undefined ? {} : { scaleup }),
  }
  const base = join(outDir, resultStamp(startedAt))
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(`${base}.md`, renderMarkdown(report))
  writeFileSync(`${base}.svg`, renderChart(results, `Lambda Dispatch benchmark ${report.startedAt}`))
  process.stdout.write(
    `\n${ratiosTable(report.ratios)}\n\n${targetsTable(report.targets)}\n\n` +
      `Against the bare tunnel (issue 16), same run:\n${bareTargetsTable(report.bareTargets)}\n\n` +
      `${webSocketTable(webSockets)}\n\nwrote ${base}.{json,md,svg}\n`,
  )
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
})
