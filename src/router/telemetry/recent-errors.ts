// The dashboard's recent errors, as a subscriber of the router's events for as long as they live: a bounded list
// (oldest dropped first) and the listeners that follow it live. Touches nothing else.
import type { RequestEnded, RouterEvents } from '../events.js'

/** One entry of the dashboard's recent-errors list. */
export interface RecentError {
  /** Wall-clock epoch ms. */
  readonly timeMs: number
  /** The LD_… code of the error, or a short kind for failures without one (`invoke_failed`, `http2_session_error`). */
  readonly code: string
  /** The pool, or undefined for router-wide trouble (control-channel HTTP/2). */
  readonly poolId: string | undefined
  readonly message: string
  readonly requestId?: string | undefined
  readonly lambdaId?: string | undefined
}

const DEFAULT_RECENT_ERROR_LIMIT = 50

export interface RecentErrorsOptions {
  /** Wall clock (epoch ms) that stamps each entry. */
  readonly now: () => number
  /** How many entries are kept (default 50). */
  readonly limit?: number
}

/** The newest errors the router saw, from its events. */
export class RecentErrors {
  readonly #entries: RecentError[] = []
  readonly #limit: number
  readonly #now: () => number
  readonly #listeners = new Set<(error: RecentError) => void>()

  constructor(events: RouterEvents, options: RecentErrorsOptions) {
    this.#now = options.now
    this.#limit = options.limit ?? DEFAULT_RECENT_ERROR_LIMIT
    events.requestEnded.subscribe((end) => this.#onRequestEnded(end))
    events.tunnelOrderingViolated.subscribe(({ poolId, error }) => {
      this.#record({ code: error.code, poolId, message: error.message, lambdaId: error.lambdaId })
    })
    events.http2Error.subscribe(({ kind, detail }) => {
      const err = detail.err
      this.#record({
        code: `http2_${kind}`,
        poolId: undefined,
        message: err instanceof Error ? err.message : `control channel: ${kind.replaceAll('_', ' ')}`,
      })
    })
    events.controlAuthRefused.subscribe(({ poolId, lambdaId, route, reason, first }) => {
      if (!first) return
      this.#record({
        code: 'control_auth_refused',
        poolId,
        message: `a ${route} control request had a ${reason} channel token`,
        lambdaId,
      })
    })
    events.instanceStartTimedOut.subscribe(({ poolId, lambdaId, waitedMs }) => {
      this.#record({
        code: 'instance_start_timeout',
        poolId,
        message: `instance did not connect back within ${waitedMs} ms`,
        lambdaId,
      })
    })
    events.invokeReturned.subscribe(({ poolId, lambdaId, result, functionError, err }) => {
      if (result === 'completed' || result === 'aborted') return
      this.#record({
        code: errorCode(err) ?? `invoke_${result}`,
        poolId,
        message: err instanceof Error ? err.message : (functionError ?? `invoke ${result.replaceAll('_', ' ')}`),
        lambdaId,
      })
    })
  }

  /** The newest errors, oldest first (at most the configured limit). */
  list(): readonly RecentError[] {
    return [...this.#entries]
  }

  /** Calls `listener` with every recent error as it is recorded; returns the function that unsubscribes. */
  subscribe(listener: (error: RecentError) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #onRequestEnded(end: RequestEnded): void {
    const { poolId, requestId } = end
    switch (end.kind) {
      case 'rejected':
        if (end.reason === 'queue-full') {
          this.#record({ code: 'LD_QUEUE_FULL', poolId, message: 'the request queue is full', requestId })
        } else if (end.reason === 'no-capacity') {
          this.#record({ code: 'LD_NO_CAPACITY', poolId, message: 'the pool cannot start instances now', requestId })
        }
        return
      case 'dropped':
        if (end.reason === 'closing') return
        this.#record({ code: end.error.code, poolId, message: end.error.message, requestId })
        return
      case 'timed-out':
      case 'failed':
        this.#record({ code: end.error.code, poolId, message: end.error.message, requestId })
        return
      case 'completed':
      case 'aborted':
        return
      default: {
        const unreachable: never = end
        throw new Error(`unknown request end ${String(unreachable)}`)
      }
    }
  }

  #record(error: Omit<RecentError, 'timeMs'>): void {
    const entry: RecentError = { timeMs: this.#now(), ...error }
    this.#entries.push(entry)
    if (this.#entries.length > this.#limit) this.#entries.shift()
    for (const listener of this.#listeners) listener(entry)
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  const code = (error as { code: unknown }).code
  return typeof code === 'string' && code.startsWith('LD_') ? code : undefined
}
