// Helpers for cancellation with AbortSignal. Timers here are real timeouts, owned by the signal they create.

/** A signal that aborts with `reason` after `ms`; the timer is unref'd so it never keeps a process alive. */
export function timeoutSignal(ms: number, reason: unknown): AbortSignal {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(reason), ms)
  timer.unref()
  controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true })
  return controller.signal
}

/** A signal that aborts when any of `signals` aborts, with that signal's reason. */
export function anySignal(signals: readonly AbortSignal[]): AbortSignal {
  return AbortSignal.any([...signals])
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. For real waits such as backoff. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
