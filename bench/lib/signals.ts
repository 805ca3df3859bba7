// Ctrl-C or a SIGTERM during a benchmark stops what it started (router, apps, nginx, environments) before the process
// exits, instead of leaving them running. Owns the two signal listeners it adds; the returned function removes them.

/** Runs `close` once on SIGINT or SIGTERM, then exits 130 (143 for SIGTERM). Returns the function that disarms it. */
export function closeOnSignal(close: () => Promise<void>): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: stopping what the benchmark started…\n`)
    void close()
      .catch(() => undefined)
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', handler)
  process.once('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}
