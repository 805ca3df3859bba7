// What a channel does when its stream closed before the router's response HEADERS: POST again on the same session,
// stop, or move to a new session (original-protocol.md §4.1). Pure.
import { constants } from 'node:http2'

/**
 * A router that resets the same channel's POST this many times in a row before HEADERS gets its session replaced:
 * the reset no longer looks like one stream's trouble, and replacing the session puts the reconnect backoff and the
 * session-loss limit between us and a POST/RST loop.
 */
export const MAX_RESETS_BEFORE_HEADERS_IN_A_ROW = 3

/** What a channel does when its stream closed before the router's response HEADERS. */
export type UnansweredCloseAction = 'reopen' | 'stop' | 'replace-session'

/**
 * Pure. `rstCode` is the stream's RST_STREAM code, `sessionUsable` whether its session still takes new streams, and
 * `resetsInARow` how many POSTs of this channel in a row (this one included) closed this way.
 */
export function decideUnansweredClose(close: {
  readonly rstCode: number
  readonly sessionUsable: boolean
  readonly resetsInARow: number
}): UnansweredCloseAction {
  // The session is gone or going (GOAWAY, error, a protocol error found by the PING check): move to a new one.
  if (!close.sessionUsable) return 'replace-session'
  // The router has fewer streams than we have channels; this channel is one too many.
  if (close.rstCode === constants.NGHTTP2_REFUSED_STREAM) return 'stop'
  // No reset code and no HEADERS is not something a working peer does to one stream.
  if (close.rstCode === constants.NGHTTP2_NO_ERROR) return 'replace-session'
  // The router reset this one stream (CANCEL, INTERNAL_ERROR…) on a healthy session: POST the channel again there.
  return close.resetsInARow < MAX_RESETS_BEFORE_HEADERS_IN_A_ROW ? 'reopen' : 'replace-session'
}
