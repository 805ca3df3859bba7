// Races a promise against a real timeout. Each call owns one timer and clears it when either side wins, so a race
// that ended never keeps the process alive or fires late.

/**
 * Resolves 'done' once `promise` fulfils, or 'timeout' when `ms` milliseconds pass first. A rejection of `promise`
 * before the deadline rejects with its reason. The timer is cleared either way.
 */
export async function withTimeout(promise: Promise<unknown>, ms: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms)
  })
  try {
    return await Promise.race([promise.then(() => 'done' as const), timeout])
  } finally {
    clearTimeout(timer)
  }
}
