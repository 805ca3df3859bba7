// Per-kind latency of settled requests in fixed logarithmic buckets: bounded memory however long the run, with
// percentiles accurate to one bucket (about 9 %). Pure apart from its own counts.

// Bucket i holds durations in [BASE^i, BASE^(i+1)) ms; bucket 0 also holds everything below 1 ms.
const BASE = 2 ** (1 / 8)
const BUCKETS = 8 * 20 // up to 2^20 ms, about 17 minutes; longer durations land in the last bucket

export class LatencyHistogram {
  readonly #counts = new Array<number>(BUCKETS).fill(0)
  #count = 0
  #maxMs = 0

  record(durationMs: number): void {
    const index = durationMs < 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(durationMs) / Math.log(BASE)))
    this.#counts[index] = (this.#counts[index] ?? 0) + 1
    this.#count++
    if (durationMs > this.#maxMs) this.#maxMs = durationMs
  }

  get count(): number {
    return this.#count
  }

  get maxMs(): number {
    return this.#maxMs
  }

  /** The upper bound of the bucket holding the `fraction` quantile (0 < fraction ≤ 1); 0 when empty. */
  quantileMs(fraction: number): number {
    if (this.#count === 0) return 0
    const rank = Math.ceil(fraction * this.#count)
    let seen = 0
    for (let index = 0; index < BUCKETS; index++) {
      seen += this.#counts[index] ?? 0
      if (seen >= rank) return Math.min(this.#maxMs, BASE ** (index + 1))
    }
    return this.#maxMs
  }
}
