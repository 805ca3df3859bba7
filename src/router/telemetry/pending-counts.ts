// Counter bumps on the request path as plain additions, folded into their prom-client label children when the
// registry is read. A prom-client child hashes and validates its labels on every inc(), and a proxied request bumps
// four or five counters; the families that may hold pending counts fold them in from their collect(). No timers.
import type { Counter } from 'prom-client'

/** One label child's count not yet folded into it. */
export class PendingCount {
  readonly #child: Counter.Internal
  #value = 0

  constructor(child: Counter.Internal) {
    this.#child = child
  }

  inc(by = 1): void {
    this.#value += by
  }

  fold(): void {
    if (this.#value === 0) return
    const value = this.#value
    this.#value = 0
    this.#child.inc(value)
  }
}

/** Every pending count of one registry; `fold()` runs before any of their families is read. */
export class PendingCounts {
  readonly #counts: PendingCount[] = []

  /** A pending count for `child`, kept (one per label set) for as long as this object lives. */
  of(child: Counter.Internal): PendingCount {
    const count = new PendingCount(child)
    this.#counts.push(count)
    return count
  }

  fold(): void {
    for (const count of this.#counts) count.fold()
  }
}
