// The CI performance check's verdicts: dispatch/direct throughput now against the ratio recorded in
// bench/baseline.json, and the router's and the extension's CPU per request over the bare tunnel's against theirs.
// Ratios from one run, never absolute times, so a slower or busier CI machine does not fail it. Pure.

/** The recorded CPU ratios: dispatch's CPU per request over the bare tunnel's, same run (/ping, HTTP/1.1, c=10). */
export interface CiCpuBaseline {
  readonly routerOverBare: number
  readonly extensionOverBare: number
  readonly recordedAt: string
  readonly note: string
}

/** bench/baseline.json: the recorded ratios, and where they came from. */
export interface CiBaseline {
  /** Requests/s through dispatch divided by requests/s straight to the app (/ping, HTTP/1.1, c=10). */
  readonly ratio: number
  readonly recordedAt: string
  readonly note: string
  /** Absent in a baseline recorded before the bare tunnel existed: the CPU gate then says it has nothing to judge. */
  readonly cpu?: CiCpuBaseline
}

function positive(record: Record<string, unknown>, key: string, where: string): number {
  const value = record[key]
  if (typeof value !== 'number' || !(value > 0)) throw new Error(`${where} needs a positive "${key}"`)
  return value
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback
}

export function parseCiBaseline(json: unknown): CiBaseline {
  if (typeof json !== 'object' || json === null) throw new Error('bench/baseline.json is not an object')
  const record = json as Record<string, unknown>
  const baseline = {
    ratio: positive(record, 'ratio', 'bench/baseline.json'),
    recordedAt: text(record.recordedAt, 'unknown'),
    note: text(record.note, ''),
  }
  if (record.cpu === undefined) return baseline
  if (typeof record.cpu !== 'object' || record.cpu === null)
    throw new Error('bench/baseline.json "cpu" is not an object')
  const cpu = record.cpu as Record<string, unknown>
  const where = 'bench/baseline.json "cpu"'
  return {
    ...baseline,
    cpu: {
      routerOverBare: positive(cpu, 'routerOverBare', where),
      extensionOverBare: positive(cpu, 'extensionOverBare', where),
      recordedAt: text(cpu.recordedAt, 'unknown'),
      note: text(cpu.note, ''),
    },
  }
}

/** A run fails only when its ratio falls below `tolerance` × the recorded one (half, by default). */
export const CI_TOLERANCE = 0.5

export interface CiVerdict {
  readonly pass: boolean
  readonly threshold: number
  readonly message: string
}

export function ciVerdict(measuredRatio: number, baseline: CiBaseline, tolerance = CI_TOLERANCE): CiVerdict {
  const threshold = baseline.ratio * tolerance
  const pass = Number.isFinite(measuredRatio) && measuredRatio >= threshold
  const summary =
    `dispatch/direct throughput ${measuredRatio.toFixed(3)}; recorded ${baseline.ratio.toFixed(3)} ` +
    `(${baseline.recordedAt}); fails below ${threshold.toFixed(3)}`
  return { pass, threshold, message: pass ? `ok: ${summary}` : `REGRESSION: ${summary}` }
}

/** Issue 16: a CPU ratio fails when it exceeds its recorded value by more than 25 %. */
export const CPU_TOLERANCE = 1.25

/** Measured CPU per request through dispatch over the bare tunnel's; undefined when either was not measured. */
export interface CpuRatios {
  readonly routerOverBare: number | undefined
  readonly extensionOverBare: number | undefined
}

export interface CpuVerdict {
  readonly pass: boolean
  /** The highest passing ratio of each process; undefined without a recorded baseline. */
  readonly limits: { readonly router: number; readonly extension: number } | undefined
  /** One line per process. */
  readonly messages: readonly string[]
}

export function cpuVerdict(
  measured: CpuRatios,
  baseline: CiCpuBaseline | undefined,
  tolerance = CPU_TOLERANCE,
): CpuVerdict {
  if (baseline === undefined) {
    return {
      pass: true,
      limits: undefined,
      messages: ['not gated: bench/baseline.json records no CPU ratios (npm run bench:ci -- --record)'],
    }
  }
  const limits = { router: baseline.routerOverBare * tolerance, extension: baseline.extensionOverBare * tolerance }
  const rows = [
    { process: 'router', value: measured.routerOverBare, recorded: baseline.routerOverBare, limit: limits.router },
    {
      process: 'extension',
      value: measured.extensionOverBare,
      recorded: baseline.extensionOverBare,
      limit: limits.extension,
    },
  ]
  let pass = true
  const messages = rows.map((row) => {
    const ok = row.value !== undefined && Number.isFinite(row.value) && row.value <= row.limit
    pass &&= ok
    const summary =
      `${row.process} CPU per request / bare ${row.process}'s ${row.value === undefined ? 'not measured' : row.value.toFixed(3)}; ` +
      `recorded ${row.recorded.toFixed(3)} (${baseline.recordedAt}); fails above ${row.limit.toFixed(3)}`
    return ok ? `ok: ${summary}` : `REGRESSION: ${summary}`
  })
  return { pass, limits, messages }
}
