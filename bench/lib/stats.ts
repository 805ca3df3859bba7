// Pure number helpers for benchmark reports: percentiles, ratios and rounding. No I/O.

/** Nearest-rank percentile (p in 0–100) of values sorted ascending; undefined for an empty list. */
export function percentileOfSorted(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined
  if (p <= 0) return sorted[0]
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, rank) - 1]
}

/** Sorts a copy ascending (numeric) and returns it. */
export function sortedAscending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b)
}

/** The middle value (mean of the two middle ones for an even count); undefined for an empty list. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = sortedAscending(values)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length % 2 === 1) return sorted[middle]
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** a / b, or undefined when either is missing or b is not positive. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return undefined
  return a / b
}
