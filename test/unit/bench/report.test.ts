// Results arithmetic (CPU per request, ratios, target verdicts) and the Markdown and SVG renderings of a run.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cellId, type PathName, type Protocol, type RouteName } from '../../../bench/lib/cells.js'
import { bareTargetsTable, cellsTable, renderMarkdown } from '../../../bench/lib/render-markdown.js'
import { escapeXml, niceCeiling, renderChart } from '../../../bench/lib/render-svg.js'
import {
  type BenchReport,
  type CellResult,
  cpuPerRequest,
  evaluateBareTargets,
  evaluateTargets,
  jsonWithCompactRows,
  type LargeBodyResult,
  medianThroughput,
  ratioRows,
  resultStamp,
} from '../../../bench/lib/results.js'
import { parseScaleupSummary } from '../../../bench/lib/scaleup-summary.js'

function cell(
  path: PathName,
  protocol: Protocol,
  route: RouteName,
  concurrency: number,
  requestsPerS: number,
  p50Us: number,
  cpu: Record<string, number> = {},
): CellResult {
  const base = { path, protocol, route, concurrency }
  return {
    ...base,
    id: cellId(base),
    status: 'ok',
    load: {
      requests: requestsPerS * 10,
      durationS: 10,
      requestsPerS,
      p50Us,
      p99Us: p50Us * 3,
      maxUs: p50Us * 9,
      errors: 0,
      bytes: 1,
    },
    cpuUsPerRequest: cpu,
    peakRssMiB: { app: 60 },
    loadAverage1m: 0.1,
  }
}

const CELLS: CellResult[] = [
  cell('direct', 'h1', 'ping', 10, 30_000, 300),
  cell('nginx', 'h1', 'ping', 10, 20_000, 450),
  cell('dispatch', 'h1', 'ping', 10, 8_000, 1_200, { router: 90, extension: 110, app: 30 }),
  cell('direct', 'h1', 'ping', 50, 32_000, 1_500),
  cell('nginx', 'h1', 'ping', 50, 22_000, 2_200),
  cell('dispatch', 'h1', 'ping', 50, 10_000, 5_000, { router: 240, extension: 260, app: 30 }),
  { ...cell('direct', 'h2c', 'ping', 50, 0, 0), status: 'skipped', reason: 'not applicable', load: undefined },
]

const NINE_MIB = 9 * 1024 * 1024
const LARGE: LargeBodyResult[] = [
  { path: 'dispatch', bodyBytes: NINE_MIB, repetitions: 3, medianMBps: 420, allMBps: [400, 420, 430], failures: 0 },
]

test('CPU per request divides each group and adds a total; nothing completed gives nothing', () => {
  assert.deepEqual(cpuPerRequest({ router: 2_000, app: 1_000 }, 10), { router: 200, app: 100, total: 300 })
  assert.deepEqual(cpuPerRequest({ router: 2_000 }, 0), {})
})

test('ratios pair the three paths of each workload; a missing path gives no ratio', () => {
  const rows = ratioRows(CELLS)
  assert.deepEqual(
    rows.map((row) => [row.protocol, row.concurrency, row.dispatchOverDirect, row.dispatchOverNginx, row.addedP50Us]),
    [
      ['h1', 10, 8_000 / 30_000, 8_000 / 20_000, 900],
      ['h1', 50, 10_000 / 32_000, 10_000 / 22_000, 3_500],
      ['h2c', 50, undefined, undefined, undefined],
    ],
  )
})

test('each target is judged on its own cell, and one that was not measured says so', () => {
  const verdicts = evaluateTargets(CELLS, LARGE, {
    baseline: { environmentsUsed: 100, invokes: 1000, p50Ms: 60, p99Ms: 2600, maxMs: 3000 },
    dispatch: { environmentsUsed: 20, invokes: 24, p50Ms: 80, p99Ms: 700, maxMs: 900 },
  })
  assert.deepEqual(
    verdicts.map((verdict) => [verdict.measured, verdict.met]),
    [
      ['240 µs', true],
      ['260 µs', false],
      ['0.45', false],
      ['0.90 ms', true],
      ['420 MB/s', true],
      ['20 / 100 = 0.20', true],
      ['900 ms / 3000 ms = 0.30', true],
    ],
  )
  const unmeasured = evaluateTargets([], [], undefined)
  assert.ok(unmeasured.every((verdict) => verdict.met === undefined))
  assert.match(unmeasured[5]?.measured ?? '', /npm run bench:scaleup/)
})

test('per-request rows are written one per line, and the JSON reads back the same', () => {
  const value = {
    side: {
      p50Ms: 3,
      perRequest: [
        { latencyMs: 1, status: 200 },
        { latencyMs: 2, status: 502 },
      ],
    },
    empty: { perRequest: [] },
  }
  const text = jsonWithCompactRows(value, 'perRequest')
  assert.deepEqual(JSON.parse(text), value)
  assert.match(text, /\n {6}\{"latencyMs":1,"status":200\},\n {6}\{"latencyMs":2,"status":502\}\n/)
  assert.ok(text.endsWith('}\n'))
})

test('result files are named by the UTC minute the run started', () => {
  assert.equal(resultStamp(new Date('2026-01-31T14:05:59.999Z')), '2026-01-31-1405')
})

test('throughput is the median over the repetitions that finished', () => {
  assert.equal(medianThroughput(1_000_000, [1, 0.5, 0.25]), 2)
  assert.equal(medianThroughput(1_000_000, []), undefined)
})

test('the Markdown report holds the targets, the ratios, one row per cell and the large bodies', () => {
  const report: BenchReport = {
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:20:00.000Z',
    machine: { cpuModel: 'Test CPU', cpuCount: 2, memoryGiB: 8, node: 'v20.20.2', tools: { wrk: 'wrk 4.1.0' } },
    loadAverage: { start: 0.12, end: 0.3, max: 0.5 },
    settings: { durationS: 10, warmupS: 3, instances: 1, maxConcurrentCount: 100 },
    cells: CELLS,
    largeBodies: LARGE,
    ratios: ratioRows(CELLS),
    targets: evaluateTargets(CELLS, LARGE, undefined),
    bareTargets: evaluateBareTargets(CELLS, LARGE),
  }
  const markdown = renderMarkdown(report)
  assert.match(markdown, /Load average \(1 min\): 0\.12 at the start/)
  assert.match(markdown, /\| router CPU per proxied \/ping \(h1, c=50\) \| ≤ 250 µs \| 240 µs \| yes \|/)
  assert.match(markdown, /\| ping \| h1 \| 10 \| 0\.27 \| 0\.40 \| – \| – \| – \| 0\.90 \|/)
  assert.match(markdown, /## Against the bare tunnel \(issue 16\)\n\n\| metric \(same run\) \| measured \| required \|/)
  assert.match(markdown, /\| 9 MiB \| dispatch \| 420 \| 3 \| 0 \|/)
  const table = cellsTable(CELLS)
  assert.equal(table.split('\n').length, 2 + CELLS.length)
  assert.match(table, /\| ping \| h1 \| 50 \| dispatch \| 10,000 \| 5\.00 \| 15 \| 45 \| 0 \| 240 \| 260 \| 30 \|/)
  assert.match(table, /skipped: not applicable/)
})

test('the chart has one bar per measured cell, marks missing ones, and escapes its text', () => {
  const svg = renderChart(
    CELLS.filter((entry) => entry.id !== 'ping/h1/c10/nginx'),
    'run <1> & "2"',
  )
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'))
  assert.ok(svg.trimEnd().endsWith('</svg>'))
  assert.equal(svg.match(/req\/s<\/title><\/rect>/g)?.length, 5)
  // The CPU panel stacks each path's processes at c=50: only dispatch has CPU figures in this fixture.
  assert.equal(svg.match(/ µs<\/title><\/rect>/g)?.length, 3)
  assert.match(svg, /<title>ping\/h1\/c50\/dispatch router: 240 µs<\/title>/)
  assert.match(svg, /<title>dispatch c=50: 10000 req\/s<\/title>/)
  assert.match(svg, /run &#60;1&#62; &#38; &#34;2&#34;/)
  assert.match(svg, />n\/a</)
  assert.equal(escapeXml(`a<'b'>`), 'a&#60;&#39;b&#39;&#62;')
})

test('axis maxima round up to 1, 2 or 5 times a power of ten', () => {
  const cases = [
    [0, 1],
    [1, 1],
    [7, 10],
    [12, 20],
    [32_000, 50_000],
    [50_001, 100_000],
  ] as const
  for (const [value, expected] of cases) assert.equal(niceCeiling(value), expected, String(value))
})

test('a scale-up results file is summarised only when both sides have every figure', () => {
  const side = { environmentsUsed: 2, invokes: 3, p50Ms: 1, p99Ms: 2, maxMs: 3, extra: true }
  assert.deepEqual(parseScaleupSummary({ baseline: side, dispatch: side })?.dispatch.maxMs, 3)
  assert.equal(parseScaleupSummary({ baseline: side }), undefined)
  assert.equal(parseScaleupSummary({ baseline: side, dispatch: { ...side, maxMs: '3' } }), undefined)
  assert.equal(parseScaleupSummary(null), undefined)
})

// Issue 16's targets: the same run's bare tunnel beside dispatch.
const BARE_CELLS: CellResult[] = [
  cell('direct', 'h1', 'ping', 1, 10_000, 100),
  cell('bare', 'h1', 'ping', 1, 2_000, 500, { router: 130, extension: 190 }),
  cell('dispatch', 'h1', 'ping', 1, 1_800, 560, { router: 300, extension: 250 }),
  cell('bare', 'h1', 'ping', 50, 5_000, 10_000, { router: 125, extension: 200 }),
  cell('dispatch', 'h1', 'ping', 50, 3_600, 14_000, { router: 287, extension: 258 }),
  { ...cell('bare', 'h1', 'ping', 200, 5_000, 40_000), peakRssMiB: { router: 60 } },
  { ...cell('dispatch', 'h1', 'ping', 200, 3_600, 55_000), peakRssMiB: { router: 100 } },
  { ...cell('dispatch', 'h1', '64k', 200, 2_000, 90_000), peakRssMiB: { router: 110 } },
  { ...cell('dispatch', 'h2c', '64k', 200, 0, 0), status: 'failed', peakRssMiB: { router: 999 } },
]
const BARE_LARGE: LargeBodyResult[] = [
  { path: 'direct', bodyBytes: NINE_MIB, repetitions: 3, medianMBps: 300, allMBps: [300], failures: 0 },
  { path: 'dispatch', bodyBytes: NINE_MIB, repetitions: 3, medianMBps: 180, allMBps: [180], failures: 0 },
]

test("issue 16's targets are ratios of the same run, each judged against its required and its aim bound", () => {
  const targets = evaluateBareTargets(BARE_CELLS, BARE_LARGE)
  assert.deepEqual(
    targets.map((target) => [target.measured, target.required, target.met, target.aim, target.aimMet]),
    [
      ['0.72 (3600 / 5000 req/s)', '≥ 0.85', false, '≥ 1.1', false],
      ['2.30 (287 / 125 µs)', '≤ 1.25', false, '≤ 0.9', false],
      ['1.29 (258 / 200 µs)', '≤ 1', false, '≤ 0.8', false],
      ['1.15 (0.46 / 0.40 ms)', '≤ 1.2', true, '≤ 1', false],
      ['0.60 (180 / 300 MB/s)', '≥ 0.55', true, '≥ 0.8', false],
      ['110 MiB (bare router 60 MiB)', '≤ 160 MiB', true, '≤ 120 MiB', true],
    ],
  )
  assert.equal(targets[1]?.value, 287 / 125)
})

test('a target whose cells were not measured says so, and a failed echo is no ratio', () => {
  const unmeasured = evaluateBareTargets(
    BARE_CELLS.filter((entry) => entry.path !== 'bare'),
    [{ ...(BARE_LARGE[1] as LargeBodyResult), failures: 1 }, BARE_LARGE[0] as LargeBodyResult],
  )
  assert.deepEqual(
    unmeasured.map((target) => [target.measured, target.met, target.aimMet]),
    [
      ['not measured', undefined, undefined],
      ['not measured', undefined, undefined],
      ['not measured', undefined, undefined],
      ['not measured', undefined, undefined],
      ['not measured', undefined, undefined],
      ['110 MiB', true, true],
    ],
  )
  assert.match(bareTargetsTable(unmeasured), /\| not measured \| ≥ 0\.85 \| not measured \| ≥ 1\.1 \| not measured \|/)
})

test("the ratio rows divide dispatch by the bare tunnel: throughput and each process's CPU per request", () => {
  const row = ratioRows(BARE_CELLS).find((entry) => entry.concurrency === 50)
  assert.deepEqual(
    [row?.dispatchOverBare, row?.routerCpuOverBare, row?.extensionCpuOverBare],
    [3_600 / 5_000, 287 / 125, 258 / 200],
  )
})
