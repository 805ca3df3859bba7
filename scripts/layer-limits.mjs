// Pure. Lambda's size limits for a layer and the check `npm run package:layer` runs against them. No I/O.
// Both limits are binary megabytes, as Lambda's own refusals count them: a direct upload's request may be at most
// 69905067 bytes of base64 (50 MiB of zip), and "Unzipped size must be smaller than 262144000 bytes" (250 MiB) for
// the function's code and all its layers together.

const MIB = 1024 * 1024

/** Lambda's limits, in bytes. A zip uploaded through S3 (as the CDK does) escapes the first, never the second. */
export const LAMBDA_LAYER_LIMITS = Object.freeze({ zippedBytes: 50 * MIB, unzippedBytes: 250 * MIB })

/** @param {number} bytes */
export function formatMiB(bytes) {
  return `${(bytes / MIB).toFixed(1)} MiB`
}

/**
 * What is wrong with a layer of these sizes, one sentence per limit it exceeds; empty when it fits.
 * @param {{ zippedBytes: number, unzippedBytes: number }} sizes
 * @param {{ zippedBytes: number, unzippedBytes: number }} [limits]
 * @returns {string[]}
 */
export function layerSizeProblems(sizes, limits = LAMBDA_LAYER_LIMITS) {
  const problems = []
  if (sizes.zippedBytes > limits.zippedBytes) {
    problems.push(
      `the zip is ${formatMiB(sizes.zippedBytes)}, over Lambda's ${formatMiB(limits.zippedBytes)} for a direct upload`,
    )
  }
  if (sizes.unzippedBytes > limits.unzippedBytes) {
    problems.push(
      `the unzipped layer is ${formatMiB(sizes.unzippedBytes)}, over Lambda's ${formatMiB(limits.unzippedBytes)} for a function and all its layers`,
    )
  }
  return problems
}
