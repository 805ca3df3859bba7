// The benchmark matrix: which path, protocol, route and concurrency each cell measures, in which order, and which
// cells cannot run. Pure.

/**
 * (a) straight to the app, (b) nginx as a reverse proxy to the app, (c) the bare tunnel (bench/bare-tunnel/: the
 * wire protocol's happy path and nothing else, the naive floor in Node), (d) router → extension → app.
 */
export type PathName = 'direct' | 'nginx' | 'bare' | 'dispatch'
export type Protocol = 'h1' | 'h2c'
export type RouteName = 'ping' | '64k'

export const PATHS: readonly PathName[] = ['direct', 'nginx', 'bare', 'dispatch']
export const PROTOCOLS: readonly Protocol[] = ['h1', 'h2c']
export const ROUTE_NAMES: readonly RouteName[] = ['ping', '64k']
export const CONCURRENCIES: readonly number[] = [1, 10, 50, 200]

/** The request target of each route and the response body size it must deliver. */
export const ROUTES: Readonly<Record<RouteName, { readonly target: string; readonly bodyBytes: number }>> = {
  ping: { target: '/ping', bodyBytes: 4 },
  '64k': { target: '/bytes?n=65536', bodyBytes: 65_536 },
}

export interface Cell {
  /** `route/protocol/c<concurrency>/path`, e.g. `ping/h1/c50/dispatch`; what --cells matches. */
  readonly id: string
  readonly path: PathName
  readonly protocol: Protocol
  readonly route: RouteName
  readonly concurrency: number
}

export function cellId(cell: Omit<Cell, 'id'>): string {
  return `${cell.route}/${cell.protocol}/c${cell.concurrency}/${cell.path}`
}

/**
 * Every combination, grouped so the paths of one workload run back to back: drift in the machine's state (other
 * load, thermal) then touches them alike, and their ratios stay meaningful.
 */
export function buildCells(options: {
  routes?: readonly RouteName[]
  protocols?: readonly Protocol[]
  concurrencies?: readonly number[]
  paths?: readonly PathName[]
}): Cell[] {
  const cells: Cell[] = []
  for (const route of options.routes ?? ROUTE_NAMES) {
    for (const protocol of options.protocols ?? PROTOCOLS) {
      for (const concurrency of options.concurrencies ?? CONCURRENCIES) {
        for (const path of options.paths ?? PATHS) {
          const cell = { path, protocol, route, concurrency }
          cells.push({ id: cellId(cell), ...cell })
        }
      }
    }
  }
  return cells
}

/** Why a cell cannot be measured on any machine, or undefined when it can. */
export function notApplicable(cell: Pick<Cell, 'path' | 'protocol'>): string | undefined {
  if (cell.path === 'direct' && cell.protocol === 'h2c') {
    return 'the demo app speaks HTTP/1.1 only (like most apps behind a proxy)'
  }
  if (cell.path === 'bare' && cell.protocol === 'h2c') return "the bare tunnel's front door speaks HTTP/1.1 only"
  return undefined
}

/**
 * Keeps the cells whose id matches any pattern: `*` matches within one id segment, `**` or a missing trailing
 * segment matches the rest (`ping/h1` = every /ping cell over HTTP/1.1, `*\/*\/c50/dispatch`). No patterns: all.
 */
export function selectCells(cells: readonly Cell[], patterns: readonly string[]): Cell[] {
  if (patterns.length === 0) return [...cells]
  const matchers = patterns.map(patternToRegExp)
  return cells.filter((cell) => matchers.some((matcher) => matcher.test(cell.id)))
}

function patternToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('/')
    .map((segment) =>
      segment === '**'
        ? '.*'
        : segment
            .split('*')
            .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('[^/]*'),
    )
    .join('/')
  return new RegExp(`^${body}(/.*)?$`)
}
