// A reader that goes away (`lambda-dispatch router | head -8`) closes our stdout or stderr. The next write fails with
// EPIPE, and an unhandled 'error' on process.stdout would end the process mid-flight without its graceful close. A
// closed pipe only means nobody reads any more: the process keeps serving and still obeys SIGTERM. Touches only
// process.stdout and process.stderr.

/** Makes EPIPE on stdout or stderr harmless for the rest of the process: later writes to that stream are dropped. */
export function tolerateClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error
      // Writes after this are dropped instead of queued in memory for a reader that will never come.
      stream.write = (() => true) as typeof stream.write
    })
  }
}
