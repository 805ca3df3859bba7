// The deadline timers of one invoke: the close request before the deadline, the refusal of waiting channels, the hard
// stop (moved earlier by a shutdown) and the drain timeout. The times come from the pure schedule in lifetime.ts;
// this class only arms and clears them. Touches nothing but its timers and the handlers it is given.
import { type DeadlineSchedule, timerDelayMs } from './lifetime.js'

/** The clock and timer a deadline unit runs on; tests inject a scripted one. */
export interface DeadlineTimers {
  /** Epoch ms, the clock Lambda's deadline is given in. */
  now(): number
  /** Calls `fire` once after `delayMs`; the returned function cancels it. */
  setTimer(fire: () => void, delayMs: number): () => void
}

/** Date.now and Node's setTimeout. */
export const SYSTEM_DEADLINE_TIMERS: DeadlineTimers = Object.freeze({
  now: () => Date.now(),
  setTimer: (fire: () => void, delayMs: number) => {
    const timer = setTimeout(fire, delayMs)
    return () => clearTimeout(timer)
  },
})

/** What the invoke does when a deadline timer fires. Handlers must not throw. */
export interface InvokeDeadlineHandlers {
  /** The close margin is reached: ask the router to close this instance. */
  onCloseDue(): void
  /** Halfway between the close and the hard stop: refuse waiting channels and open none again. */
  onRefuseDue(): void
  /** Reset every stream and return now, so the invoke's result reaches Lambda in time. */
  onHardStop(): void
  /** Draining lasted the drain timeout: reset the channels still waiting for the router's goaway. */
  onDrainTimeout(): void
}

/** `pending` until arm(); `armed` while its timers run; `closed` for good. */
export type InvokeDeadlinesState = 'pending' | 'armed' | 'closed'

export class InvokeDeadlines {
  readonly #schedule: DeadlineSchedule
  readonly #handlers: InvokeDeadlineHandlers
  readonly #timers: DeadlineTimers
  #state: InvokeDeadlinesState = 'pending'
  #cancelClose: (() => void) | undefined
  #cancelRefuse: (() => void) | undefined
  #cancelHardStop: (() => void) | undefined
  #cancelDrain: (() => void) | undefined
  #hardStopAtMs = Number.POSITIVE_INFINITY

  constructor(
    schedule: DeadlineSchedule,
    handlers: InvokeDeadlineHandlers,
    timers: DeadlineTimers = SYSTEM_DEADLINE_TIMERS,
  ) {
    this.#schedule = schedule
    this.#handlers = handlers
    this.#timers = timers
  }

  get state(): InvokeDeadlinesState {
    return this.#state
  }

  /** The hard stop in force (epoch ms): the schedule's, or a shutdown's when earlier; Infinity before either. */
  get hardStopAtMs(): number {
    return this.#hardStopAtMs
  }

  /** Starts the close, refuse and hard-stop timers; a hard stop already moved earlier by a shutdown is kept. */
  arm(): void {
    if (this.#state !== 'pending') return
    this.#state = 'armed'
    const nowMs = this.#timers.now()
    this.#cancelClose = this.#timers.setTimer(
      () => this.#handlers.onCloseDue(),
      timerDelayMs(this.#schedule.closeAtMs, nowMs),
    )
    this.#cancelRefuse = this.#timers.setTimer(
      () => this.#handlers.onRefuseDue(),
      timerDelayMs(this.#schedule.refuseAtMs, nowMs),
    )
    this.moveHardStop(this.#schedule.hardStopAtMs)
  }

  /** Moves the hard stop to `atMs` when that is earlier than the one in force; works before arm() too. */
  moveHardStop(atMs: number): void {
    if (atMs >= this.#hardStopAtMs || this.#state === 'closed') return
    this.#hardStopAtMs = atMs
    this.#cancelHardStop?.()
    this.#cancelHardStop = this.#timers.setTimer(
      () => this.#handlers.onHardStop(),
      timerDelayMs(atMs, this.#timers.now()),
    )
  }

  /** Starts the drain timeout, once per invoke: later calls do nothing. */
  startDrain(drainMs: number): void {
    if (this.#state === 'closed' || this.#cancelDrain !== undefined) return
    this.#cancelDrain = this.#timers.setTimer(() => this.#handlers.onDrainTimeout(), drainMs)
  }

  /** Cancels the drain timeout (the invoke resets every stream itself); it does not start again. */
  cancelDrain(): void {
    this.#cancelDrain?.()
  }

  /** Clears every timer; nothing fires after this. */
  close(): void {
    this.#state = 'closed'
    this.#cancelClose?.()
    this.#cancelRefuse?.()
    this.#cancelHardStop?.()
    this.#cancelDrain?.()
  }
}
