// Waits for a promise, bounded: the pool's close grace. Owns one timer per call, cleared either way.

/** Resolves 'done' when `promise` settles, or 'timeout' after `ms`; the timer is cleared either way. */
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
