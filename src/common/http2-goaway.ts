// Ending an HTTP/2 server session gracefully without Node 20 refusing a stream itself.
//
// `session.close()` marks the session closed at once and queues a GOAWAY that leaves only in a later write. A HEADERS
// frame read before that write is refused by Node from inside nghttp2's read callback (RST_STREAM REFUSED_STREAM);
// that refusal flushes the queued GOAWAY re-entrantly, the GOAWAY closes the very stream being refused, and Node
// then touches the freed stream (a use-after-free: a soak once ended with `malloc(): mismatching next->prev_size`).
// Here the GOAWAY goes first with `session.goaway()`, which leaves the session open: a stream that still arrives
// before the GOAWAY is written reaches the caller, which leaves it alone (`openedAfterGoaway`), and nghttp2 closes it
// with REFUSED_STREAM when the GOAWAY is written, outside any read. Once the GOAWAY has been written nghttp2 ignores
// new streams itself, so `close()` (which lets open streams finish) is safe from then on.
import { constants, type Http2Session, type Http2Stream } from 'node:http2'

const highestStreamId = new WeakMap<Http2Session, number>()
const lastStreamIdAtGoaway = new WeakMap<Http2Session, number>()

/**
 * Call first for every stream a server session opens. True means the stream opened after `goawayGracefully`: leave it
 * alone (no response, no reset); the GOAWAY being written closes it (its 'error' is expected and ignored here) and
 * tells the client it was not processed.
 */
export function openedAfterGoaway(stream: Http2Stream): boolean {
  const session = stream.session
  const streamId = stream.id
  if (session === undefined || streamId === undefined) return false
  const last = lastStreamIdAtGoaway.get(session)
  if (last === undefined) {
    if (streamId > (highestStreamId.get(session) ?? 0)) highestStreamId.set(session, streamId)
    return false
  }
  if (streamId <= last) return false
  stream.on('error', ignoreRefusal)
  return true
}

function ignoreRefusal(): void {}

/** Whether `goawayGracefully` already ran for this session. */
export function goawaySent(session: Http2Session): boolean {
  return lastStreamIdAtGoaway.has(session)
}

/**
 * Sends GOAWAY (NO_ERROR, the last stream served) and closes the session once it has been written: streams already
 * open finish, new ones go to another connection. Safe to call more than once.
 */
export function goawayGracefully(session: Http2Session): void {
  if (session.closed || session.destroyed || lastStreamIdAtGoaway.has(session)) return
  const lastStreamId = highestStreamId.get(session) ?? 0
  lastStreamIdAtGoaway.set(session, lastStreamId)
  session.goaway(constants.NGHTTP2_NO_ERROR, lastStreamId)
  // Node writes the GOAWAY from its own immediate, queued by goaway(); whatever phase this runs in, it has run by the
  // second check phase from now.
  setImmediate(() =>
    setImmediate(() => {
      if (!session.closed && !session.destroyed) session.close()
    }),
  )
}
