// Pure. The router connection's states and the table of moves between them, as the router's instances and the local
// Lambda's environments have theirs. No I/O, no timers.

/**
 * `active`: sessions are opened as needed. `draining`: no new session (a backoff wait ends at once); the live one
 * still serves. `abandoned`: losses are no longer reported either. `closed`: every session is closed.
 */
export type RouterConnectionState = 'active' | 'draining' | 'abandoned' | 'closed'

/** Every legal move. `RouterConnection` refuses the rest: a connection never goes back to opening sessions. */
export const ROUTER_CONNECTION_TRANSITIONS: Readonly<Record<RouterConnectionState, readonly RouterConnectionState[]>> =
  Object.freeze({
    active: ['draining', 'abandoned', 'closed'],
    draining: ['abandoned', 'closed'],
    abandoned: ['closed'],
    closed: [],
  })

export function canTransition(from: RouterConnectionState, to: RouterConnectionState): boolean {
  return ROUTER_CONNECTION_TRANSITIONS[from].includes(to)
}
