// Pure. The soak options a frame capture runs with: the ones given here, and a smaller share of large bodies for
// the mixed profile, since every byte of the control channel lands in the capture. No I/O.
import type { SoakArgs } from '../soak/options.js'

/** The mixed profile's share of 1–4 MiB bodies under a capture: about 1.5 GB of capture per 20,000 requests. */
export const CAPTURE_MIXED_LARGE_PERCENT = '0.5'

/**
 * The soak arguments for `verify:frames`: profile, requests, concurrency and seed as given, and --large-percent as
 * given, else CAPTURE_MIXED_LARGE_PERCENT with the mixed profile, else the profile's own share (churn: 0).
 */
export function captureSoakArgs(
  raw: Pick<SoakArgs, 'profile' | 'requests' | 'concurrency' | 'seed' | 'largePercent'>,
): SoakArgs {
  const isMixed = raw.profile === undefined || raw.profile === 'mixed'
  const largePercent = raw.largePercent ?? (isMixed ? CAPTURE_MIXED_LARGE_PERCENT : undefined)
  const picked = {
    profile: raw.profile,
    requests: raw.requests,
    concurrency: raw.concurrency,
    seed: raw.seed,
    largePercent,
  }
  return Object.fromEntries(Object.entries(picked).filter(([, value]) => value !== undefined)) as SoakArgs
}
