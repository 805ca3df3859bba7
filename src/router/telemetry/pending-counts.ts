// Counter bumps and histogram observations on the request path as plain numbers, folded into their prom-client label
// children when the registry is read. A prom-client child hashes and validates its labels on every inc() and
// observe(), and a proxied request bumps four or five counters and observes one or two histograms; the families that
// may hold pending values fold them in from their collect(). No timers.
import type { Counter, Histogram } from 'prom-client'

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

/** Observations one label set holds before they are applied without a read: the bound on its buffer (2 KiB). */
export const OBSERVATIONS_PER_FOLD = 256

// prom-client 15 keeps a histogram's data per label set as one object in `hashMap`, made by the label set's first
// observe() and changed in place by later ones: per-bucket (not cumulative) counts keyed by upper bound, the sum
// (added to in observation order) and the count; `upperBounds` lists the buckets in order. A test reads the same
// observations through this and through observe() and requires the same exposition.
interface HistogramData {
  readonly labels: Readonly<Record<string, unknown>>
  readonly bucketValues: Record<number, number>
  sum: number
  count: number
}
interface HistogramInternals {
  readonly hashMap: Readonly<Record<string, HistogramData>>
  readonly upperBounds: readonly number[]
}

/**
 * One label set's histogram observations not yet applied. The first one goes through prom-client (which validates
 * the labels and creates the label set's data, so label sets appear in the order they were first observed); later
 * ones are buffered and applied in order, the sum added value by value as observe() would, so a read gives exactly
 * what observing each one would have given. It keeps the label set's data object, so the family must never be
 * reset() nor have that label set removed (the router does neither).
 */
export class PendingObservations {
  readonly #family: Histogram<string>
  readonly #labels: Readonly<Record<string, string>>
  readonly #values = new Float64Array(OBSERVATIONS_PER_FOLD)
  readonly #upperBounds: readonly number[]
  readonly #bucketCounts: Float64Array
  #length = 0
  #data: HistogramData | undefined

  constructor(family: Histogram<string>, labels: Readonly<Record<string, string>>) {
    this.#family = family
    this.#labels = labels
    this.#upperBounds = (family as unknown as HistogramInternals).upperBounds
    this.#bucketCounts = new Float64Array(this.#upperBounds.length)
  }

  /** Must be a finite number; anything else throws a TypeError, as prom-client's observe() does. */
  observe(value: number): void {
    if (this.#data === undefined) {
      this.#family.labels(this.#labels).observe(value)
      this.#data = this.#find()
      return
    }
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`)
    this.#values[this.#length++] = value
    if (this.#length === OBSERVATIONS_PER_FOLD) this.fold()
  }

  fold(): void {
    const data = this.#data
    if (data === undefined || this.#length === 0) return
    const bounds = this.#upperBounds
    const counts = this.#bucketCounts
    for (let i = 0; i < this.#length; i++) {
      const value = this.#values[i] as number
      data.sum += value
      // Above the last bound, a value counts only in +Inf (the count).
      for (let k = 0; k < bounds.length; k++) {
        if (value <= (bounds[k] as number)) {
          counts[k] = (counts[k] as number) + 1
          break
        }
      }
    }
    data.count += this.#length
    this.#length = 0
    for (let k = 0; k < bounds.length; k++) {
      const count = counts[k] as number
      if (count === 0) continue
      const bound = bounds[k] as number
      data.bucketValues[bound] = (data.bucketValues[bound] as number) + count
      counts[k] = 0
    }
  }

  #find(): HistogramData {
    const names = Object.keys(this.#labels)
    for (const data of Object.values((this.#family as unknown as HistogramInternals).hashMap)) {
      if (names.every((name) => data.labels[name] === this.#labels[name])) return data
    }
    throw new Error(
      `BUG: the prom-client histogram holds no data for ${JSON.stringify(this.#labels)} after observing it`,
    )
  }
}

/** Every pending count and observation of one registry; `fold()` runs before any of their families is read. */
export class PendingCounts {
  readonly #pending: Array<{ fold(): void }> = []

  /** A pending count for `child`, kept (one per label set) for as long as this object lives. */
  of(child: Counter.Internal): PendingCount {
    const count = new PendingCount(child)
    this.#pending.push(count)
    return count
  }

  /** Pending observations of `family` for `labels`, kept (one per label set) for as long as this object lives. */
  observations(family: Histogram<string>, labels: Readonly<Record<string, string>>): PendingObservations {
    const observations = new PendingObservations(family, labels)
    this.#pending.push(observations)
    return observations
  }

  fold(): void {
    for (const pending of this.#pending) pending.fold()
  }
}
