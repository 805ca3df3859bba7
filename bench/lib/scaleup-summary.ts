// Reads the headline of a saved scale-up run (bench/results/scaleup-*.json) for the main report. Pure.
import type { ScaleupSide } from './results.js'

function side(value: unknown): ScaleupSide | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as Record<string, unknown>
  const keys = ['environmentsUsed', 'invokes', 'p50Ms', 'p99Ms', 'maxMs'] as const
  if (!keys.every((key) => typeof record[key] === 'number')) return undefined
  return {
    environmentsUsed: record.environmentsUsed as number,
    invokes: record.invokes as number,
    p50Ms: record.p50Ms as number,
    p99Ms: record.p99Ms as number,
    maxMs: record.maxMs as number,
  }
}

/** `{ baseline, dispatch }` of a scale-up results file, or undefined when it does not have that shape. */
export function parseScaleupSummary(json: unknown): { baseline: ScaleupSide; dispatch: ScaleupSide } | undefined {
  if (typeof json !== 'object' || json === null) return undefined
  const record = json as Record<string, unknown>
  const baseline = side(record.baseline)
  const dispatch = side(record.dispatch)
  return baseline && dispatch ? { baseline, dispatch } : undefined
}
