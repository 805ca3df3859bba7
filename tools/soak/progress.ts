// How a soak shows progress: the pure formatting (bar, line, 10 % milestones) and a small printer that redraws in
// place on a terminal and prints a line per 10 % (plus a periodic summary line) when the output is a file or pipe.

export interface ProgressState {
  readonly settled: number
  /** Requests asked for; undefined when only a duration bounds the run. */
  readonly total: number | undefined
  readonly elapsedMs: number
  readonly durationMs: number | undefined
  readonly unexpected: number
  readonly expectedErrors: number
  readonly inFlight: number
  /** Requests settled per second over the last reporting interval. */
  readonly recentRps: number
  readonly instances: number
  readonly rssBytes: number
}

/** Fraction done in [0, 1]: by requests when bounded, else by time. */
export function progressFraction(state: Pick<ProgressState, 'settled' | 'total' | 'elapsedMs' | 'durationMs'>): number {
  const byRequests = state.total === undefined || state.total === 0 ? 0 : state.settled / state.total
  const byTime = state.durationMs === undefined || state.durationMs === 0 ? 0 : state.elapsedMs / state.durationMs
  return Math.min(1, Math.max(byRequests, byTime))
}

/** `[#####-----]` with `widthChars` cells. */
export function formatBar(fraction: number, widthChars: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * widthChars)
  return `[${'#'.repeat(filled)}${'-'.repeat(widthChars - filled)}]`
}

/** The 10 % step `fraction` is in (0…10); a line is printed each time it grows. */
export function milestone(fraction: number): number {
  return Math.floor(Math.min(1, Math.max(0, fraction)) * 10 + 1e-9)
}

export function formatProgressLine(state: ProgressState, barWidthChars = 24): string {
  const fraction = progressFraction(state)
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4)
  const count = state.total === undefined ? `${state.settled}` : `${state.settled}/${state.total}`
  return (
    `${formatBar(fraction, barWidthChars)} ${percent} ${count} · ${formatDuration(state.elapsedMs)} · ` +
    `${Math.round(state.recentRps)} req/s · ${state.unexpected} unexpected · ${state.expectedErrors} aborted on purpose · ` +
    `${state.inFlight} in flight · ${state.instances} instances · rss ${Math.round(state.rssBytes / 1048576)} MiB`
  )
}

/** `1h02m03s`, `4m05s`, `6.2s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const totalS = Math.floor(ms / 1000)
  const h = Math.floor(totalS / 3600)
  const m = Math.floor((totalS % 3600) / 60)
  const s = totalS % 60
  const mm = String(m).padStart(2, '0')
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}h${mm}m${ss}s` : `${m}m${ss}s`
}

export interface ProgressOutput {
  readonly isTTY: boolean
  write(text: string): void
}

/** Prints progress while a run lasts; owns its two timers and clears them in stop(). */
export class ProgressPrinter {
  readonly #output: ProgressOutput
  readonly #read: () => ProgressState
  #redraw: NodeJS.Timeout | undefined
  #summary: NodeJS.Timeout | undefined
  #lastMilestone = 0
  #drawn = false

  /**
   * `read` builds the current state; `redrawMs` paces the in-place bar on a terminal, `summaryMs` the extra summary
   * lines in a log (0: none). Both timers exist only to pace output.
   */
  constructor(output: ProgressOutput, read: () => ProgressState, options: { redrawMs: number; summaryMs: number }) {
    this.#output = output
    this.#read = read
    if (output.isTTY) {
      this.#redraw = setInterval(() => this.#draw(), options.redrawMs)
    } else if (options.summaryMs > 0) {
      this.#summary = setInterval(() => this.#line(this.#read()), options.summaryMs)
    }
  }

  /**
   * Call after each settled request with the run's progress; in a log it prints a line each time another 10 % is
   * done. Only then is the whole state read (instances, RSS), so the per-request cost stays a comparison.
   */
  onSettled(progress: Pick<ProgressState, 'settled' | 'total' | 'elapsedMs' | 'durationMs'>): void {
    if (this.#output.isTTY) return
    const reached = milestone(progressFraction(progress))
    if (reached > this.#lastMilestone) {
      this.#lastMilestone = reached
      this.#line(this.#read())
    }
  }

  /** Prints one line now, above the bar on a terminal. */
  log(text: string): void {
    if (this.#output.isTTY && this.#drawn) this.#output.write('\r\x1b[2K')
    this.#output.write(`${text}\n`)
    if (this.#output.isTTY) this.#draw()
  }

  stop(): void {
    clearInterval(this.#redraw)
    clearInterval(this.#summary)
    if (this.#output.isTTY) {
      this.#draw()
      this.#output.write('\n')
    }
  }

  #draw(): void {
    this.#output.write(`\r\x1b[2K${formatProgressLine(this.#read())}`)
    this.#drawn = true
  }

  #line(state: ProgressState): void {
    this.#output.write(`${new Date().toISOString()} ${formatProgressLine(state)}\n`)
  }
}
