// Pure. How a failed exchange ends, as the RequestEnd its events publish. No I/O.

import type { RouterError } from '../errors.js'
import type { RequestEnd } from '../events.js'

/** How an exchange failed; each maps to one RequestEnd. */
export type FailureKind =
  | 'head-timeout'
  | 'body-idle'
  | 'request-body'
  | 'aborted'
  | 'bad_upstream_head'
  | 'bad_upstream_framing'
  | 'upstream_closed'
  | 'tunnel_ordering'
  | 'closing'

/** The end an exchange publishes when it fails with `error` for `kind`. */
export function failureEnd(kind: FailureKind, error: RouterError): RequestEnd {
  switch (kind) {
    case 'head-timeout':
      return { kind: 'timed-out', phase: 'head', error }
    case 'body-idle':
      return { kind: 'timed-out', phase: 'body-idle', error }
    case 'request-body':
      return { kind: 'timed-out', phase: 'request-body', error }
    case 'aborted':
      return { kind: 'aborted', phase: 'running' }
    case 'closing':
      return { kind: 'dropped', reason: 'closing', error }
    case 'bad_upstream_head':
    case 'bad_upstream_framing':
    case 'upstream_closed':
    case 'tunnel_ordering':
      return { kind: 'failed', failure: kind, error }
    default: {
      const unreachable: never = kind
      throw new Error(`unknown failure kind ${String(unreachable)}`)
    }
  }
}
