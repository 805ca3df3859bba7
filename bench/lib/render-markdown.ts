// Renders a benchmark run as Markdown: settings, targets, ratios, every cell, large bodies. Pure.
import type { BareTarget, BenchReport, CellResult, LargeBodyResult, RatioRow, TargetVerdict } from './results.js'
import { webSocketTable } from './websocket-load.js'

const GROUPS = ['router', 'extension', 'app', 'nginx'] as const

function num(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '–'
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

function ms(us: number | undefined): string {
  if (us === undefined) return '–'
  return us < 10_000 ? num(us / 1000, 2) : num(us / 1000, 0)
}

function table(header: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string {
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${align.map((side) => (side === 'r' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ]
  return lines.join('\n')
}

export function targetsTable(targets: readonly TargetVerdict[]): string {
  return table(
    ['target', 'goal', 'measured', 'met'],
    ['l', 'l', 'l', 'l'],
    targets.map((target) => [target.name, target.goal, target.measured, yesNo(target.met)]),
  )
}

function yesNo(met: boolean | undefined): string {
  return met === undefined ? 'not measured' : met ? 'yes' : '**no**'
}

export function bareTargetsTable(targets: readonly BareTarget[]): string {
  return table(
    ['metric (same run)', 'measured', 'required', 'met', 'aim', 'aim met'],
    ['l', 'l', 'l', 'l', 'l', 'l'],
    targets.map((target) => [
      target.name,
      target.measured,
      target.required,
      yesNo(target.met),
      target.aim,
      yesNo(target.aimMet),
    ]),
  )
}

export function ratiosTable(ratios: readonly RatioRow[]): string {
  return table(
    [
      'route',
      'protocol',
      'c',
      'dispatch / direct',
      'dispatch / nginx',
      'dispatch / bare',
      'router CPU / bare',
      'extension CPU / bare',
      'p50 added over direct (ms)',
    ],
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ratios.map((row) => [
      row.route,
      row.protocol,
      String(row.concurrency),
      num(row.dispatchOverDirect, 2),
      num(row.dispatchOverNginx, 2),
      num(row.dispatchOverBare, 2),
      num(row.routerCpuOverBare, 2),
      num(row.extensionCpuOverBare, 2),
      row.addedP50Us === undefined ? '–' : num(row.addedP50Us / 1000, 2),
    ]),
  )
}

export function cellsTable(cells: readonly CellResult[]): string {
  const rows = cells.map((cell) => {
    const load = cell.load
    const cpu = cell.cpuUsPerRequest ?? {}
    const rss = cell.peakRssMiB ?? {}
    const status = cell.status === 'ok' ? (cell.reason ? `note: ${cell.reason}` : '') : `${cell.status}: ${cell.reason}`
    return [
      cell.route,
      cell.protocol,
      String(cell.concurrency),
      cell.path,
      num(load?.requestsPerS),
      ms(load?.p50Us),
      ms(load?.p99Us),
      ms(load?.maxUs),
      load ? num(load.errors) : '–',
      ...GROUPS.map((group) => num(cpu[group])),
      num(cpu.total),
      GROUPS.map((group) => (rss[group] === undefined ? '' : `${group[0]}${num(rss[group])}`))
        .filter((text) => text !== '')
        .join(' '),
      status,
    ]
  })
  return table(
    [
      'route',
      'proto',
      'c',
      'path',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'errors',
      'CPU µs/req router',
      'extension',
      'app',
      'nginx',
      'total',
      'peak RSS MiB',
      'notes',
    ],
    ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
    rows,
  )
}

export function largeBodiesTable(results: readonly LargeBodyResult[]): string {
  return table(
    ['body', 'path', 'MB/s (median)', 'runs', 'failed', 'CPU µs/MiB router', 'extension', 'app', 'nginx'],
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    results.map((result) => [
      `${num(result.bodyBytes / 2 ** 20)} MiB`,
      result.path,
      num(result.medianMBps),
      String(result.repetitions),
      result.failures === 0 ? '0' : `${result.failures} (${result.failure ?? ''})`,
      ...GROUPS.map((group) => num(result.cpuUsPerMiB?.[group])),
    ]),
  )
}

export function renderMarkdown(report: BenchReport): string {
  const { machine, settings, loadAverage } = report
  const tools = Object.entries(machine.tools)
    .map(([name, version]) => `${name}: ${version}`)
    .join('; ')
  return [
    `# Benchmark ${report.startedAt}`,
    '',
    `${machine.cpuCount} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}. ${tools}.`,
    `Load average (1 min): ${loadAverage.start.toFixed(2)} at the start, ${loadAverage.end.toFixed(2)} at the end, ` +
      `${loadAverage.max.toFixed(2)} at most at a cell's start.`,
    `Each cell: ${settings.warmupS} s warm-up, then ${settings.durationS} s measured. Dispatch: ` +
      `${settings.instances} environment(s), MaxConcurrentCount ${settings.maxConcurrentCount}. ` +
      `nginx: 1 worker process. Bare tunnel: ${settings.maxConcurrentCount} parked channels. ` +
      'CPU is per completed request, from /proc (all threads of each process).',
    '',
    '## Against the bare tunnel (issue 16)',
    '',
    bareTargetsTable(report.bareTargets),
    '',
    '## Targets',
    '',
    targetsTable(report.targets),
    '',
    '## Ratios',
    '',
    ratiosTable(report.ratios),
    '',
    '## Every cell',
    '',
    'Peak RSS: r router, e extension, a app, n nginx.',
    '',
    cellsTable(report.cells),
    '',
    '## Large bodies (POST /echo, HTTP/1.1)',
    '',
    report.largeBodies.length > 0 ? largeBodiesTable(report.largeBodies) : 'Not run.',
    '',
    '## WebSockets (round trips to the /ws echo, HTTP/1.1)',
    '',
    report.webSockets !== undefined && report.webSockets.length > 0 ? webSocketTable(report.webSockets) : 'Not run.',
    '',
  ].join('\n')
}
