// Pure. Which instance gets a request (least outstanding, spares hidden), whether a request that found none may wait,
// and which instances a scale-in stops. No I/O, no timers: plain data in, a decision out.
import type { InstanceState } from '../instances/instance-states.js'

/** What picking needs to know about an instance. `available` already hides spare channels beyond the cap. */
export interface PickCandidate {
  readonly state: InstanceState
  readonly outstanding: number
  readonly available: number
}

/** The pool-level facts that decide between waiting and refusing. */
export interface Admission {
  /** The pool is closing: no new request may wait or start. */
  readonly closing: boolean
  /** The invoke breaker is open and no instance can serve: refusing beats waiting out the queue. */
  readonly noCapacity: boolean
  readonly queueLength: number
  readonly queueLimit: number
}

export type PickResult<T> =
  | { readonly kind: 'channel'; readonly instance: T }
  | { readonly kind: 'queue' }
  | { readonly kind: 'reject'; readonly reason: 'queue-full' | 'no-capacity' | 'closing' }

/**
 * The instance with the fewest requests in flight among those with a usable channel. Ties go to an open instance
 * over a draining one (it is about to retire), then to the first seen (the oldest, in registry order).
 */
export function pickInstance<T extends PickCandidate>(instances: Iterable<T>): T | undefined {
  let best: T | undefined
  for (const instance of instances) {
    if (instance.available <= 0) continue
    if (instance.state !== 'open' && instance.state !== 'draining') continue
    if (
      best === undefined ||
      instance.outstanding < best.outstanding ||
      (instance.outstanding === best.outstanding && instance.state === 'open' && best.state === 'draining')
    ) {
      best = instance
    }
  }
  return best
}

/**
 * A new request: a channel now, or wait, or refuse. Requests already waiting go first (FIFO), so a newcomer takes a
 * channel only when the queue is empty.
 */
export function pickChannel<T extends PickCandidate>(instances: Iterable<T>, admission: Admission): PickResult<T> {
  if (admission.closing) return { kind: 'reject', reason: 'closing' }
  if (admission.queueLength === 0) {
    const instance = pickInstance(instances)
    if (instance !== undefined) return { kind: 'channel', instance }
  }
  if (admission.noCapacity) return { kind: 'reject', reason: 'no-capacity' }
  if (admission.queueLength >= admission.queueLimit) return { kind: 'reject', reason: 'queue-full' }
  return { kind: 'queue' }
}

/** What a scale-in needs to know about an instance. */
export interface StopCandidate {
  readonly state: InstanceState
  readonly outstanding: number
  readonly createdAtMs: number
}

/**
 * Up to `count` open instances to stop: idle ones first, then the least busy; among equals the oldest, which is
 * nearest its deadline anyway. Starting, draining and closing instances are never chosen.
 */
export function pickInstancesToStop<T extends StopCandidate>(instances: Iterable<T>, count: number): T[] {
  if (count <= 0) return []
  const open: T[] = []
  for (const instance of instances) if (instance.state === 'open') open.push(instance)
  open.sort((a, b) => a.outstanding - b.outstanding || a.createdAtMs - b.createdAtMs)
  return open.slice(0, count)
}
