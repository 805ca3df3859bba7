// Pure. The soak's profiles: each is a request mix and the option values a run starts from; flags given on the
// command line override them (tools/soak/options.ts). No I/O.
import { CHURN_MIX, MIXED_MIX, type RequestMix } from './request-mix.js'

export const SOAK_PROFILE_NAMES = ['mixed', 'churn'] as const
export type SoakProfileName = (typeof SOAK_PROFILE_NAMES)[number]

export const DEFAULT_SOAK_PROFILE: SoakProfileName = 'mixed'

/** The options a profile sets; every one has a flag of its own. */
export interface ProfileSettings {
  readonly concurrency: number
  readonly functionTimeoutMs: number
  readonly deadlineMarginMs: number
  readonly lullEveryMs: number
  readonly lullMs: number
  readonly largePercent: number
}

export interface SoakProfile {
  readonly mix: RequestMix
  readonly settings: ProfileSettings
}

export const SOAK_PROFILES: Readonly<Record<SoakProfileName, SoakProfile>> = Object.freeze({
  // Bytes and churn together: bodies up to 4 MiB, each checked.
  mixed: Object.freeze({
    mix: MIXED_MIX,
    settings: Object.freeze({
      concurrency: 48,
      // Instances live about 6 s: asked to close 6 s before the 12 s deadline, and whatever still runs is reset 1 s
      // before it, so a request dispatched while the instance drains has about 4 s, above the slowest seen on 2
      // loaded cores (a 4 MiB echo) — shorter margins turn that slowness into resets the soak would rightly count.
      functionTimeoutMs: 12_000,
      deadlineMarginMs: 6_000,
      lullEveryMs: 20_000,
      lullMs: 700,
      largePercent: 3,
    }),
  }),
  // Channel and stream turnover, where HTTP/2 ordering races live (issue 17): bodies of at most 16 KiB, so the
  // cost of a request is mostly its streams, and instances that turn over about twice as often as in `mixed`.
  churn: Object.freeze({
    mix: CHURN_MIX,
    settings: Object.freeze({
      concurrency: 64,
      // Instances live about 3 s: asked to close 3 s before the 6 s deadline; a request dispatched while one drains
      // has about 2 s before the hard stop, far above the slowest 16 KiB exchange on 2 loaded cores.
      functionTimeoutMs: 6_000,
      deadlineMarginMs: 3_000,
      // A pause every 5 s, long enough for every instance to pass the extension's 250 ms idle grace and leave.
      lullEveryMs: 5_000,
      lullMs: 600,
      largePercent: 0,
    }),
  }),
})

export function isSoakProfileName(value: string): value is SoakProfileName {
  return (SOAK_PROFILE_NAMES as readonly string[]).includes(value)
}
