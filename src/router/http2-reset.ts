// Resets one HTTP/2 stream with RST_STREAM and nothing before it. Node 20's `stream.close(code)` first ends a writable
// side that is still open, so the peer can receive END_STREAM (a body that looks complete) and only then the reset:
// an upload cut off by a client abort reached the app as a whole request. `destroy(error)` sends the RST_STREAM alone.
// Touches only the stream it is given.
import type { Http2Stream } from 'node:http2'
import { addAbortSignal, PassThrough } from 'node:stream'

/** Marks the errors made here, so the stream 'error' a reset emits is known to be ours, not the peer's. */
const OWN_RESET = Symbol('lambda-dispatch.own-reset')

/**
 * RST_STREAM with CANCEL (the work is no longer wanted: client abort, timeout, stale channel) or INTERNAL_ERROR (a
 * response that cannot be completed). Emits 'error' on the stream with an error `isOwnReset` recognises. No-op on a
 * destroyed stream.
 */
export function resetStream(stream: Http2Stream, code: 'cancel' | 'internal-error', reason: string): void {
  if (stream.destroyed) return
  const error = code === 'cancel' ? new (nodeAbortErrorClass())(reason) : new Error(reason)
  Object.defineProperty(error, OWN_RESET, { value: true })
  stream.destroy(error)
}

/** True for the error a `resetStream` call emitted on its stream. */
export function isOwnReset(error: unknown): boolean {
  return typeof error === 'object' && error !== null && OWN_RESET in error
}

// destroy() sends CANCEL only for Node's own AbortError class (INTERNAL_ERROR for any other error), and Node does not
// export it; a stream aborted through an already aborted signal is destroyed with one, so its constructor is that class.
function nodeAbortErrorClass(): new (message?: string) => Error {
  const probe = addAbortSignal(AbortSignal.abort(), new PassThrough())
  probe.on('error', () => {})
  const error = probe.errored
  if (!(error instanceof Error)) throw new Error('BUG: addAbortSignal did not destroy an aborted stream at once')
  return error.constructor as new (
    message?: string,
  ) => Error
}
