// Measures what named groups of processes use over one measurement window: CPU time (utime + stime from /proc, all
// threads) and the highest resident set size seen by sampling. Owns one sampling timer, cleared by stop().
import { clockTicksPerSecond, readMemoryKb, readProcStat } from './proc.js'

/** Label → pids, e.g. `{ router: [123], extension: [130], app: [131] }`. */
export type ProcessGroups = Readonly<Record<string, readonly number[]>>

export interface ResourceUsage {
  /** CPU microseconds each group used during the window. */
  readonly cpuUs: Record<string, number>
  /** Highest sampled RSS of each group (the sum over its pids at one sample), in KiB. */
  readonly peakRssKb: Record<string, number>
  /** Pids that were gone by the end of the window: their CPU after the last reading is missing. */
  readonly vanishedPids: number[]
}

const SAMPLE_INTERVAL_MS = 250

export class ResourceMeter {
  readonly #groups: ProcessGroups
  readonly #ticksPerSecond: number
  readonly #startTicks = new Map<number, number>()
  readonly #peakRssKb: Record<string, number> = {}
  #timer: NodeJS.Timeout | undefined

  constructor(groups: ProcessGroups, ticksPerSecond = clockTicksPerSecond()) {
    this.#groups = groups
    this.#ticksPerSecond = ticksPerSecond
  }

  /** Takes the starting CPU readings and starts sampling memory. */
  start(): void {
    for (const pids of Object.values(this.#groups)) {
      for (const pid of pids) {
        const stat = readProcStat(pid)
        if (stat) this.#startTicks.set(pid, stat.userTicks + stat.systemTicks)
      }
    }
    this.#sample()
    this.#timer = setInterval(this.#sample, SAMPLE_INTERVAL_MS)
  }

  /** Takes the closing readings; the meter cannot be restarted. */
  stop(): ResourceUsage {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    this.#sample()
    const cpuUs: Record<string, number> = {}
    const vanishedPids: number[] = []
    for (const [label, pids] of Object.entries(this.#groups)) {
      let ticks = 0
      for (const pid of pids) {
        const start = this.#startTicks.get(pid)
        const stat = readProcStat(pid)
        if (start === undefined || stat === undefined) {
          vanishedPids.push(pid)
          continue
        }
        ticks += stat.userTicks + stat.systemTicks - start
      }
      cpuUs[label] = (ticks / this.#ticksPerSecond) * 1e6
    }
    return { cpuUs, peakRssKb: { ...this.#peakRssKb }, vanishedPids }
  }

  readonly #sample = (): void => {
    for (const [label, pids] of Object.entries(this.#groups)) {
      let rssKb = 0
      for (const pid of pids) rssKb += readMemoryKb(pid)?.rssKb ?? 0
      this.#peakRssKb[label] = Math.max(this.#peakRssKb[label] ?? 0, rssKb)
    }
  }
}
