// The pool's instances by lambda id. Every count is derived by walking the map (undici pool-base style): nothing here
// is a mirrored counter. No I/O, no timers.

import type { LambdaInstance } from './instance.js'
import { type InstanceState, zeroStateCounts } from './instance-states.js'

/** How many instances are in each state, and what they carry. */
export interface InstanceCounts {
  readonly byState: Readonly<Record<InstanceState, number>>
  /** Requests in flight across all instances (busy channels). */
  readonly outstanding: number
  /** What the open WebSockets weigh, in requests (LambdaInstance.webSocketLoad); absent counts as 0. */
  readonly webSocketLoad?: number
}

export class InstanceRegistry {
  readonly #instances = new Map<string, LambdaInstance>()

  get size(): number {
    return this.#instances.size
  }

  add(instance: LambdaInstance): void {
    if (this.#instances.has(instance.lambdaId)) throw new Error(`instance ${instance.lambdaId} is already registered`)
    this.#instances.set(instance.lambdaId, instance)
  }

  get(lambdaId: string): LambdaInstance | undefined {
    return this.#instances.get(lambdaId)
  }

  /** Forgets the instance (it is closed); later channel opens, pings and closes for its id get 409. */
  delete(instance: LambdaInstance): void {
    if (this.#instances.get(instance.lambdaId) === instance) this.#instances.delete(instance.lambdaId)
  }

  values(): IterableIterator<LambdaInstance> {
    return this.#instances.values()
  }

  counts(): InstanceCounts {
    const byState = zeroStateCounts()
    let outstanding = 0
    let webSocketLoad = 0
    for (const instance of this.#instances.values()) {
      byState[instance.state]++
      outstanding += instance.outstanding
      webSocketLoad += instance.webSocketLoad
    }
    return { byState, outstanding, webSocketLoad }
  }

  /** Requests in flight across all instances. */
  outstanding(): number {
    let total = 0
    for (const instance of this.#instances.values()) total += instance.outstanding
    return total
  }
}
