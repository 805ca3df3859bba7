// A scripted Invoker for router tests: each invoke runs a behaviour, such as "connect back with a scripted extension
// peer that serves an app", "never connect", or "let the test drive it by hand". It speaks the Invoker contract
// (never rejects; abort resolves 'failed'), so the pool under test cannot tell it from the AWS one.
import type { WaiterRequest } from '../../src/protocol/index.js'
import type { InvokeOutcome, InvokeRequest, Invoker } from '../../src/router/invoke/invoker.js'
import { okApp, type ScriptedApp, ScriptedExtension, type ServeResult } from './scripted-extension.js'

/** Runs one invoke; must resolve (never reject), and resolve 'failed' soon after `signal` aborts. */
export type InvokeBehaviour = (payload: WaiterRequest, signal: AbortSignal) => Promise<InvokeOutcome>

/** One invoke the test drives by hand (see `manualBehaviour`). */
export interface ManualInvocation {
  readonly payload: WaiterRequest
  readonly signal: AbortSignal
  /** Ends the invoke with `outcome` (default: completed with a RouterGoAway WaiterResponse). */
  complete(outcome?: InvokeOutcome): void
}

export class ScriptedInvoker implements Invoker {
  readonly payloads: WaiterRequest[] = []
  readonly #behaviour: InvokeBehaviour
  readonly #waiters: Array<{ count: number; resolve: () => void }> = []
  readonly #returnWaiters: Array<{ count: number; resolve: () => void }> = []
  #returnedCount = 0

  constructor(behaviour: InvokeBehaviour) {
    this.#behaviour = behaviour
  }

  invoke(request: InvokeRequest, signal: AbortSignal): Promise<InvokeOutcome> {
    this.payloads.push(request.payload)
    for (const waiter of [...this.#waiters]) {
      if (this.payloads.length >= waiter.count) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
    const outcome = this.#behaviour(request.payload, signal)
    // Registered before the caller's own reaction, so a test awaiting returned() resumes after the pool handled it.
    void outcome.then(() => {
      this.#returnedCount++
      for (const waiter of [...this.#returnWaiters]) {
        if (this.#returnedCount >= waiter.count) {
          this.#returnWaiters.splice(this.#returnWaiters.indexOf(waiter), 1)
          waiter.resolve()
        }
      }
    })
    return outcome
  }

  /** Resolves once `count` invokes have returned and their caller has handled the outcome. */
  returned(count: number): Promise<void> {
    if (this.#returnedCount >= count) return Promise.resolve()
    return new Promise((resolve) => this.#returnWaiters.push({ count, resolve }))
  }

  /** Resolves once `count` invokes have been made in total. */
  invoked(count: number): Promise<void> {
    if (this.payloads.length >= count) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ count, resolve }))
  }

  async close(): Promise<void> {}
}

function aborted(startedMs: number): InvokeOutcome {
  return {
    kind: 'failed',
    error: new Error('invoke aborted'),
    retryable: false,
    durationMs: performance.now() - startedMs,
  }
}

/**
 * Connects back like our extension: `NumberOfChannels` channel loops serving `app`, until goaway or 409, presenting
 * the WaiterRequest's channel token when it carries one.
 */
export function connectBack(
  app: ScriptedApp = okApp,
  options: {
    onServed?: (payload: WaiterRequest, result: ServeResult) => void
    /** Channel POSTs list these capabilities (X-Lambda-Dispatch-Capabilities), as our extension's do. */
    capabilities?: string
  } = {},
): InvokeBehaviour {
  return async (payload, signal) => {
    const startedMs = performance.now()
    if (signal.aborted) return aborted(startedMs)
    const extension = await ScriptedExtension.connect(payload.dispatcherUrl)
    const onAbort = (): void => extension.destroy()
    signal.addEventListener('abort', onAbort, { once: true })
    const channelIds = Array.from({ length: payload.numberOfChannels }, (_, index) => `${payload.id}-ch${index}`)
    const result = await extension.serve(payload.id, channelIds, app, {
      poolId: payload.poolId,
      ...(payload.channelToken === undefined ? {} : { channelToken: payload.channelToken }),
      ...(options.capabilities === undefined ? {} : { capabilities: options.capabilities }),
    })
    signal.removeEventListener('abort', onAbort)
    extension.session.close()
    options.onServed?.(payload, result)
    if (signal.aborted) return aborted(startedMs)
    return {
      kind: 'completed',
      response: {
        poolId: payload.poolId,
        id: payload.id,
        requestCount: result.requestCount,
        exitReason: 'RouterGoAway',
      },
      functionError: undefined,
      durationMs: performance.now() - startedMs,
    }
  }
}

/** Never connects back; ends 'failed' only when the router aborts it (start timeout, pool close). */
export function neverConnects(): InvokeBehaviour {
  return (_payload, signal) => {
    const startedMs = performance.now()
    return new Promise((resolve) => {
      if (signal.aborted) resolve(aborted(startedMs))
      else signal.addEventListener('abort', () => resolve(aborted(startedMs)), { once: true })
    })
  }
}

/** Hands every invoke to the test (`next()`), which connects channels itself and completes the invoke when it likes. */
export function manualBehaviour(): { behaviour: InvokeBehaviour; next(): Promise<ManualInvocation> } {
  const ready: ManualInvocation[] = []
  const takers: Array<(invocation: ManualInvocation) => void> = []
  const behaviour: InvokeBehaviour = (payload, signal) => {
    const startedMs = performance.now()
    return new Promise((resolve) => {
      const invocation: ManualInvocation = {
        payload,
        signal,
        complete: (outcome) =>
          resolve(
            outcome ?? {
              kind: 'completed',
              response: { poolId: payload.poolId, id: payload.id, requestCount: 0, exitReason: 'RouterGoAway' },
              functionError: undefined,
              durationMs: performance.now() - startedMs,
            },
          ),
      }
      signal.addEventListener('abort', () => resolve(aborted(startedMs)), { once: true })
      const taker = takers.shift()
      if (taker) taker(invocation)
      else ready.push(invocation)
    })
  }
  return {
    behaviour,
    next: () => {
      const invocation = ready.shift()
      if (invocation) return Promise.resolve(invocation)
      return new Promise((resolve) => takers.push(resolve))
    },
  }
}
