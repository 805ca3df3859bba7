// Pure. The instance state machine's states and its table of allowed transitions (original-router.md §2.1, improved:
// a start timeout leaves `starting`, and a router-initiated stop goes straight to `closing`), the snapshot an instance
// shows, and what a pool's snapshots add up to. No I/O, no timers.

/**
 * - `initial`: created, not yet invoked.
 * - `starting`: invoked; waiting for the extension's first channel (bounded by the start timeout).
 * - `open`: has connected; takes requests.
 * - `draining`: the Lambda asked to close; still takes requests while its replacement starts (bounded wait).
 * - `closing`: retiring; idle channels got goaway, busy ones finish, new channels get 409; waits for the invoke.
 * - `closed`: the invoke returned; forgotten by the registry.
 */
export type InstanceState = (typeof INSTANCE_STATES)[number]

/** Every state in lifecycle order: the one list the union, the transition table, counts and metric labels follow. */
export const INSTANCE_STATES = ['initial', 'starting', 'open', 'draining', 'closing', 'closed'] as const

/** What an instance shows to metrics, health and the dashboard; read on demand. */
export interface InstanceSnapshot {
  readonly lambdaId: string
  readonly state: InstanceState
  readonly ageMs: number
  readonly outstanding: number
  readonly parkedChannels: number
  readonly busyChannels: number
  /** WebSockets open (their channels are among the busy ones, not in `outstanding`). */
  readonly webSockets?: number
}

/** Every legal move. Anything not listed is refused by `LambdaInstance.transition`. */
export const INSTANCE_TRANSITIONS: Readonly<Record<InstanceState, readonly InstanceState[]>> = Object.freeze({
  initial: ['starting', 'closed'],
  starting: ['open', 'closing', 'closed'],
  open: ['draining', 'closing', 'closed'],
  draining: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
})

/** Zero instances in every state, in INSTANCE_STATES order: a fresh record to count into. */
export function zeroStateCounts(): Record<InstanceState, number> {
  // A literal, not built from INSTANCE_STATES: the pool counts into one on every scaling turn, and a record built
  // with Object.fromEntries costs about ten times as much. The type requires every state.
  return { initial: 0, starting: 0, open: 0, draining: 0, closing: 0, closed: 0 }
}

/** What a pool's instance snapshots add up to: how many are in each state, and their channels. */
export interface InstancesSummary {
  readonly byState: Readonly<Record<InstanceState, number>>
  readonly parkedChannels: number
  readonly busyChannels: number
}

/** Adds up `instances` for the gauges and the dashboard. */
export function summarizeInstances(instances: Iterable<InstanceSnapshot>): InstancesSummary {
  const byState = zeroStateCounts()
  let parkedChannels = 0
  let busyChannels = 0
  for (const instance of instances) {
    byState[instance.state]++
    parkedChannels += instance.parkedChannels
    busyChannels += instance.busyChannels
  }
  return { byState, parkedChannels, busyChannels }
}

export function canTransition(from: InstanceState, to: InstanceState): boolean {
  return INSTANCE_TRANSITIONS[from].includes(to)
}

/** Requests may be bound to the instance's channels (the original's `IsOpen`: open or draining). */
export function isDispatchable(state: InstanceState): boolean {
  return state === 'open' || state === 'draining'
}

/** A channel POST for the instance is answered 200 and parked; otherwise it gets 409 (go away). */
export function acceptsChannels(state: InstanceState): boolean {
  return state === 'starting' || state === 'open' || state === 'draining'
}

/** The extension should keep running: ping answers 200. Closing and closed instances get 409 so it stops. */
export function answersPing(state: InstanceState): boolean {
  return state === 'starting' || state === 'open' || state === 'draining'
}
