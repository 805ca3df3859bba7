// A bounded FIFO of waiting requests with O(1) removal from anywhere (a client abort, a queue timeout), as an intrusive
// doubly linked list: the entries carry their own links, so enqueueing allocates nothing. No I/O, no timers.

/** The links an entry carries; only PendingQueue reads or writes them. */
export interface QueueLinks<T> {
  prev: T | undefined
  next: T | undefined
  queued: boolean
}

export class PendingQueue<T extends QueueLinks<T>> {
  readonly limit: number
  #head: T | undefined
  #tail: T | undefined
  #length = 0

  /** `limit`: most entries held; `push` refuses beyond it. */
  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`queue limit must be an integer ≥ 0, got ${limit}`)
    this.limit = limit
  }

  get length(): number {
    return this.#length
  }

  get full(): boolean {
    return this.#length >= this.limit
  }

  /** The oldest entry, without removing it. */
  peek(): T | undefined {
    return this.#head
  }

  /** Appends `entry`; returns false (and holds nothing) when the queue is full or the entry is already queued. */
  push(entry: T): boolean {
    if (this.#length >= this.limit || entry.queued) return false
    entry.queued = true
    entry.prev = this.#tail
    entry.next = undefined
    if (this.#tail === undefined) this.#head = entry
    else this.#tail.next = entry
    this.#tail = entry
    this.#length++
    return true
  }

  /**
   * Puts `entry` first, beyond the limit if need be: it was admitted before (an instance refused it unprocessed and it
   * waits again, ahead of the ones that came after it). False when it is already queued.
   */
  unshift(entry: T): boolean {
    if (entry.queued) return false
    entry.queued = true
    entry.prev = undefined
    entry.next = this.#head
    if (this.#head === undefined) this.#tail = entry
    else this.#head.prev = entry
    this.#head = entry
    this.#length++
    return true
  }

  /** Removes and returns the oldest entry. */
  shift(): T | undefined {
    const head = this.#head
    if (head !== undefined) this.remove(head)
    return head
  }

  /** Removes `entry` wherever it is; false when it was not queued (already served, expired or removed). */
  remove(entry: T): boolean {
    if (!entry.queued) return false
    const { prev, next } = entry
    if (prev === undefined) this.#head = next
    else prev.next = next
    if (next === undefined) this.#tail = prev
    else next.prev = prev
    entry.prev = undefined
    entry.next = undefined
    entry.queued = false
    this.#length--
    return true
  }
}
