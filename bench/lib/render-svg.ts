// Renders requests/s per cell as an SVG bar chart: one panel per route and protocol, concurrency on the x axis,
// one bar per path. Pure: text in, text out; no fonts or files.
import { CONCURRENCIES, PATHS, type PathName, PROTOCOLS, type Protocol, ROUTE_NAMES, type RouteName } from './cells.js'
import type { CellResult } from './results.js'

const COLORS: Readonly<Record<PathName, string>> = {
  direct: '#4c78a8',
  nginx: '#f58518',
  bare: '#b279a2',
  dispatch: '#54a24b',
}
const PANEL_WIDTH = 460
const PANEL_HEIGHT = 280
const MARGIN = { top: 34, right: 12, bottom: 36, left: 58 }
const LEGEND_HEIGHT = 40
const CPU_PANEL_HEIGHT = 300
const CPU_CONCURRENCY = 50
// The processes a request's CPU is split into, bottom to top of a stacked bar.
const GROUPS = ['app', 'nginx', 'extension', 'router'] as const
const GROUP_COLORS: Readonly<Record<(typeof GROUPS)[number], string>> = {
  app: '#9ecae9',
  nginx: '#ffbf79',
  extension: '#88d27a',
  router: '#2f7d32',
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`)
}

/** A round axis maximum at or above `value`: 1, 2 or 5 times a power of ten. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power
  return 10 * power
}

function compact(value: number): string {
  const thousands = value / 1000
  if (value >= 10_000)
    return `${Number.isInteger(Math.round(thousands * 10) / 10) ? Math.round(thousands) : thousands.toFixed(1)}k`
  if (value >= 1000) return `${thousands.toFixed(1)}k`
  return String(Math.round(value))
}

function panel(
  cells: readonly CellResult[],
  route: RouteName,
  protocol: Protocol,
  concurrencies: readonly number[],
  x0: number,
  y0: number,
): string {
  const plotWidth = PANEL_WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom
  const value = (path: PathName, concurrency: number): number | undefined =>
    cells.find(
      (cell) =>
        cell.status === 'ok' &&
        cell.route === route &&
        cell.protocol === protocol &&
        cell.concurrency === concurrency &&
        cell.path === path,
    )?.load?.requestsPerS
  const values = concurrencies.flatMap((concurrency) => PATHS.map((path) => value(path, concurrency) ?? 0))
  const top = niceCeiling(Math.max(0, ...values))
  const parts: string[] = [
    `<g transform="translate(${x0},${y0})">`,
    `<text x="${MARGIN.left}" y="20" font-size="14" font-weight="bold">${escapeXml(`${route} over ${protocol}`)} — requests/s</text>`,
  ]
  for (let tick = 0; tick <= 4; tick++) {
    const y = MARGIN.top + plotHeight - (plotHeight * tick) / 4
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${compact((top * tick) / 4)}</text>`,
    )
  }
  const groupWidth = plotWidth / Math.max(1, concurrencies.length)
  const barWidth = (groupWidth * 0.8) / PATHS.length
  concurrencies.forEach((concurrency, group) => {
    const gx = MARGIN.left + group * groupWidth + groupWidth * 0.1
    PATHS.forEach((path, index) => {
      const measured = value(path, concurrency)
      const x = gx + index * barWidth
      if (measured === undefined) {
        parts.push(
          `<text x="${x + barWidth / 2}" y="${MARGIN.top + plotHeight - 4}" font-size="10" text-anchor="middle" fill="#999">n/a</text>`,
        )
        return
      }
      const height = (plotHeight * measured) / top
      const y = MARGIN.top + plotHeight - height
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${height.toFixed(1)}" fill="${COLORS[path]}"><title>${escapeXml(`${path} c=${concurrency}: ${Math.round(measured)} req/s`)}</title></rect>`,
        `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(y - 3).toFixed(1)}" font-size="9" text-anchor="middle">${compact(measured)}</text>`,
      )
    })
    parts.push(
      `<text x="${gx + groupWidth * 0.4}" y="${MARGIN.top + plotHeight + 16}" font-size="11" text-anchor="middle">c=${concurrency}</text>`,
    )
  })
  parts.push('</g>')
  return parts.join('\n')
}

// CPU per request at one concurrency: per workload, one stacked bar per path, split by process.
function cpuPanel(cells: readonly CellResult[], y0: number, width: number): string {
  const measured = cells.filter((cell) => cell.status === 'ok' && cell.concurrency === CPU_CONCURRENCY)
  const workloads: Array<{ route: RouteName; protocol: Protocol }> = []
  for (const route of ROUTE_NAMES) {
    for (const protocol of PROTOCOLS) {
      if (measured.some((cell) => cell.route === route && cell.protocol === protocol))
        workloads.push({ route, protocol })
    }
  }
  if (workloads.length === 0) return ''
  const plotWidth = width - MARGIN.left - MARGIN.right
  const plotHeight = CPU_PANEL_HEIGHT - MARGIN.top - MARGIN.bottom - 20
  const total = (cell: CellResult | undefined): number =>
    GROUPS.reduce((sum, group) => sum + (cell?.cpuUsPerRequest?.[group] ?? 0), 0)
  const top = niceCeiling(Math.max(0, ...measured.map(total)))
  const parts: string[] = [
    `<g transform="translate(0,${y0})">`,
    `<text x="${MARGIN.left}" y="20" font-size="14" font-weight="bold">CPU µs per request at c=${CPU_CONCURRENCY}, by process</text>`,
    ...GROUPS.map(
      (group, index) =>
        `<rect x="${width - 330 + index * 80}" y="10" width="12" height="12" fill="${GROUP_COLORS[group]}"/>` +
        `<text x="${width - 314 + index * 80}" y="20" font-size="12">${group}</text>`,
    ),
  ]
  for (let tick = 0; tick <= 4; tick++) {
    const y = MARGIN.top + plotHeight - (plotHeight * tick) / 4
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${compact((top * tick) / 4)}</text>`,
    )
  }
  const groupWidth = plotWidth / workloads.length
  const barWidth = (groupWidth * 0.8) / PATHS.length
  workloads.forEach((workload, index) => {
    const gx = MARGIN.left + index * groupWidth + groupWidth * 0.1
    PATHS.forEach((path, pathIndex) => {
      const cell = measured.find(
        (entry) => entry.route === workload.route && entry.protocol === workload.protocol && entry.path === path,
      )
      const x = gx + pathIndex * barWidth
      const label = `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${MARGIN.top + plotHeight + 14}" font-size="10" text-anchor="middle">${path}</text>`
      if (cell === undefined) {
        parts.push(label)
        return
      }
      let base = MARGIN.top + plotHeight
      for (const group of GROUPS) {
        const us = cell.cpuUsPerRequest?.[group] ?? 0
        if (us <= 0) continue
        const height = (plotHeight * us) / top
        base -= height
        parts.push(
          `<rect x="${x.toFixed(1)}" y="${base.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${height.toFixed(1)}" fill="${GROUP_COLORS[group]}"><title>${escapeXml(`${cell.id} ${group}: ${Math.round(us)} µs`)}</title></rect>`,
        )
      }
      parts.push(
        `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(base - 3).toFixed(1)}" font-size="9" text-anchor="middle">${Math.round(total(cell))}</text>`,
        label,
      )
    })
    parts.push(
      `<text x="${gx + groupWidth * 0.4}" y="${MARGIN.top + plotHeight + 30}" font-size="11" text-anchor="middle">${escapeXml(`${workload.route} ${workload.protocol}`)}</text>`,
    )
  })
  parts.push('</g>')
  return parts.join('\n')
}

/** The chart for a run's cells; panels with no measured cell are left out. */
export function renderChart(cells: readonly CellResult[], title: string): string {
  const panels: Array<{ route: RouteName; protocol: Protocol }> = []
  for (const route of ROUTE_NAMES) {
    for (const protocol of PROTOCOLS) {
      if (cells.some((cell) => cell.route === route && cell.protocol === protocol && cell.status === 'ok')) {
        panels.push({ route, protocol })
      }
    }
  }
  const concurrencies = CONCURRENCIES.filter((concurrency) => cells.some((cell) => cell.concurrency === concurrency))
  const columns = 2
  const rows = Math.max(1, Math.ceil(panels.length / columns))
  const width = PANEL_WIDTH * columns
  const hasCpu = cells.some((cell) => cell.status === 'ok' && cell.concurrency === CPU_CONCURRENCY)
  const height = LEGEND_HEIGHT + PANEL_HEIGHT * rows + (hasCpu ? CPU_PANEL_HEIGHT : 0)
  const legend = PATHS.map(
    (path, index) =>
      `<rect x="${12 + index * 150}" y="26" width="12" height="12" fill="${COLORS[path]}"/>` +
      `<text x="${30 + index * 150}" y="36" font-size="12">${path}</text>`,
  ).join('\n')
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="12" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    legend,
    ...panels.map((entry, index) =>
      panel(
        cells,
        entry.route,
        entry.protocol,
        concurrencies,
        (index % columns) * PANEL_WIDTH,
        LEGEND_HEIGHT + Math.floor(index / columns) * PANEL_HEIGHT,
      ),
    ),
    cpuPanel(cells, LEGEND_HEIGHT + PANEL_HEIGHT * rows, width),
    '</svg>',
    '',
  ].join('\n')
}
