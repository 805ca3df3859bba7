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
  /** Open WebSockets: an instance holding any is not idle (issue 18). */
  readonly webSocketCount?: number
  readonly createdAtMs: number
}

// Requests in flight plus open WebSockets: what a stop would cut off.
function load(instance: StopCandidate): number {
  return instance.outstanding + (instance.webSocketCount ?? 0)
}

/**
 * Up to `count` open instances to stop: idle ones (no request, no WebSocket) first, then the least busy; among equals
 * the oldest, which is nearest its deadline anyway. Starting, draining and closing instances are never chosen.
 */
export function pickInstancesToStop<T extends StopCandidate>(instances: Iterable<T>, count: number): T[] {
  if (count <= 0) return []
  const open: T[] = []
  for (const instance of instances) if (instance.state === 'open') open.push(instance)
  open.sort((a, b) => load(a) - load(b) || a.createdAtMs - b.createdAtMs)
  return open.slice(0, count)
}

/** What picking an instance for a WebSocket needs to know (issue 18). */
export interface WebSocketCandidate {
  readonly state: InstanceState
  /** Some channel of the instance listed the WebSocket capability. */
  readonly advertisesWebSocket: boolean
  /** Open, capable and below MaxWebSocketsPerInstance: a socket fits once a capable channel is parked. */
  readonly hasWebSocketRoom: boolean
  /** `hasWebSocketRoom`, with a parked capable channel now. */
  readonly canTakeWebSocket: boolean
  readonly webSocketCount: number
}

export type WebSocketPick<T> =
  | { readonly kind: 'instance'; readonly instance: T }
  | { readonly kind: 'wait' }
  | { readonly kind: 'reject'; readonly reason: 'unsupported' | 'no-capacity' | 'closing' }

/**
 * A WebSocket handshake goes to the capable instance with a parked capable channel and the fewest WebSockets. With
 * none: `wait` when one has room and only its channel is missing (the extension parks a replacement as each socket
 * opens, so a burst of handshakes waits for those); `unsupported` when instances serve and none of them ever
 * advertised the capability (the original extension: it must never receive an upgrade); `no-capacity` otherwise (all
 * full, or none open yet).
 */
export function pickWebSocketInstance<T extends WebSocketCandidate>(
  instances: Iterable<T>,
  closing: boolean,
): WebSocketPick<T> {
  if (closing) return { kind: 'reject', reason: 'closing' }
  let best: T | undefined
  let serving = false
  let capable = false
  let room = false
  for (const instance of instances) {
    if (instance.state === 'open' || instance.state === 'draining') serving = true
    if (instance.advertisesWebSocket) capable = true
    if (instance.hasWebSocketRoom) room = true
    if (!instance.canTakeWebSocket) continue
    if (best === undefined || instance.webSocketCount < best.webSocketCount) best = instance
  }
  if (best !== undefined) return { kind: 'instance', instance: best }
  if (room) return { kind: 'wait' }
  return { kind: 'reject', reason: serving && !capable ? 'unsupported' : 'no-capacity' }
}
