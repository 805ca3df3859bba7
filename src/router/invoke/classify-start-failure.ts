// Pure. Tells a slow start from a broken one, for the invoke gate (issue 12 item 2). No I/O.
import type { InvokeGateOutcome } from './invoke-gate.js'

/**
 * What an instance that never connected back says about the function.
 * - Its invoke failed with a function error (an init failure, a crash): broken, whatever else runs.
 * - Otherwise (its start timeout passed, or its extension gave up and returned, e.g. `RouterUnreachable`) it depends
 *   on its pool: while another instance of the pool is connected, the router is reachable and the function works, so
 *   this one was slow, most likely a busy host where a connect-back waits for CPU. That backs off like a throttle
 *   and does not count toward the breaker. With no instance connected nothing shows the function works: broken,
 *   it counts ('never-connected'), as for a callback address nobody can reach.
 */
export function classifyStartFailure(input: {
  readonly functionError: boolean
  readonly openInstances: number
}): Extract<InvokeGateOutcome, 'never-connected' | 'slow-connect'> {
  if (input.functionError) return 'never-connected'
  return input.openInstances > 0 ? 'slow-connect' : 'never-connected'
}
