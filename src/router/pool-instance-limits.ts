// Pure. The PoolInstanceLimits setting: MinInstances/MaxInstances for named pools, written
// `name=min:max[,name=min:max…]`. Parses the text, names the pools it refers to that do not exist, and resolves the
// limits of one pool. No I/O.

/** Largest MinInstances or MaxInstances, globally or per pool. */
export const MAX_INSTANCES_LIMIT = 10_000

/** Instance limits of one pool, named as a pool is chosen: FunctionName for the default pool, else its X-Lambda-Name. */
export interface PoolInstanceLimit {
  readonly poolName: string
  readonly minInstances: number
  readonly maxInstances: number
}

/** The two limits a pool's scaler gets. */
export interface InstanceLimits {
  readonly minInstances: number
  readonly maxInstances: number
}

// A function name, name:qualifier or ARN never contains '=', ',' or white space; the numbers are plain digits.
const ENTRY = /^([^=,\s]+)=(\d+):(\d+)$/

/**
 * Parses `name=min:max[,name=min:max…]` (white space around entries ignored, empty text: no overrides). Each entry
 * needs integers 0 ≤ min ≤ max and 1 ≤ max ≤ MAX_INSTANCES_LIMIT, and no name twice. Returns a frozen list in the
 * order given, or one problem ("must …") listing every bad entry. Never throws.
 */
export function parsePoolInstanceLimits(
  text: string,
): { readonly value: readonly PoolInstanceLimit[] } | { readonly problem: string } {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  const limits: PoolInstanceLimit[] = []
  const invalid: string[] = []
  const seen = new Set<string>()
  for (const entry of entries) {
    const match = ENTRY.exec(entry)
    if (match === null) {
      invalid.push(`${entry} (not name=min:max)`)
      continue
    }
    // None of the three groups is optional: a match has them all.
    const poolName = match[1] as string
    const minInstances = Number(match[2])
    const maxInstances = Number(match[3])
    const reason = rangeProblem(minInstances, maxInstances)
    if (reason !== undefined) invalid.push(`${entry} (${reason})`)
    else if (seen.has(poolName)) invalid.push(`${entry} (${poolName} given twice)`)
    else limits.push(Object.freeze({ poolName, minInstances, maxInstances }))
    seen.add(poolName)
  }
  if (invalid.length > 0) {
    return {
      problem:
        `must be name=min:max[,name=min:max…] with integers 0 ≤ min ≤ max and 1 ≤ max ≤ ${MAX_INSTANCES_LIMIT}, ` +
        `each pool once; not valid: ${invalid.join(', ')}`,
    }
  }
  return { value: Object.freeze(limits) }
}

function rangeProblem(minInstances: number, maxInstances: number): string | undefined {
  if (maxInstances < 1) return 'max below 1'
  if (maxInstances > MAX_INSTANCES_LIMIT || minInstances > MAX_INSTANCES_LIMIT) {
    return `above ${MAX_INSTANCES_LIMIT}`
  }
  if (minInstances > maxInstances) return 'min above max'
  return undefined
}

/** Names in `limits` that are no pool: neither `functionName` (the default pool) nor on `allowedLambdaNames`. */
export function unknownPoolNames(
  limits: readonly PoolInstanceLimit[],
  functionName: string,
  allowedLambdaNames: readonly string[],
): string[] {
  return limits
    .map((limit) => limit.poolName)
    .filter((name) => name !== functionName && !allowedLambdaNames.includes(name))
}

/** The limits of the pool named `poolName`: its entry in `limits`, else `defaults` (MinInstances/MaxInstances). */
export function instanceLimitsFor(
  poolName: string,
  limits: readonly PoolInstanceLimit[],
  defaults: InstanceLimits,
): InstanceLimits {
  const own = limits.find((limit) => limit.poolName === poolName)
  return own === undefined
    ? { minInstances: defaults.minInstances, maxInstances: defaults.maxInstances }
    : { minInstances: own.minInstances, maxInstances: own.maxInstances }
}
