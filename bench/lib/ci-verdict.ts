// The CI performance check's verdict: dispatch/direct throughput now against the ratio recorded in
// bench/baseline.json. Ratios, never absolute times, so a slower or busier CI machine does not fail it. Pure.

/** bench/baseline.json: the recorded dispatch/direct throughput ratio, and where it came from. */
export interface CiBaseline {
  /** Requests/s through dispatch divided by requests/s straight to the app (/ping, HTTP/1.1, c=10). */
  readonly ratio: number
  readonly recordedAt: string
  readonly note: string
}

export function parseCiBaseline(json: unknown): CiBaseline {
  if (typeof json !== 'object' || json === null) throw new Error('bench/baseline.json is not an object')
  const record = json as Record<string, unknown>
  if (typeof record.ratio !== 'number' || !(record.ratio > 0)) {
    throw new Error('bench/baseline.json needs a positive "ratio"')
  }
  return {
    ratio: record.ratio,
    recordedAt: typeof record.recordedAt === 'string' ? record.recordedAt : 'unknown',
    note: typeof record.note === 'string' ? record.note : '',
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
