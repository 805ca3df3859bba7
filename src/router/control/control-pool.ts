// What the control server needs from a pool, and the answers a pool gives it. Types only; each pool's `PoolControl`
// implements them.
import type { Channel } from '../instances/channel.js'
import type { ControlRoute } from './routes.js'

/** The control routes, as events and metrics label them. */
export type ControlRouteKind = ControlRoute['kind']

/** `unknown`: no live instance with that id (409, as the original); `refused`: bad or missing token (403). */
export type ControlAccess = 'ok' | 'unknown' | 'refused'

/** `full`: the instance already holds as many distinct channel ids as it asked for (NumberOfChannels). */
export type ChannelAdmission = 'accept' | 'unknown' | 'full'

/** What the control server needs from a pool. `PoolControl` implements it. Calls are synchronous and must not throw. */
export interface ControlPool {
  readonly poolId: string
  /**
   * Judges the channel token values a control request carried for `lambdaId`, before anything touches the instance.
   * No token is accepted only with `allowMissing` (AllowUnauthenticatedChannels). A refusal is published here (as
   * the first for its instance or not); telemetry counts and logs it.
   */
  authorize(
    lambdaId: string,
    presentedTokens: readonly string[],
    allowMissing: boolean,
    route: ControlRouteKind,
  ): ControlAccess
  /**
   * Whether a channel POST for `lambdaId` may be answered 200 and parked: instance known and starting/open/draining,
   * and `channelId` already its own or a place free below its channel count. A `full` answer is published here.
   */
  acceptsChannel(lambdaId: string, channelId: string): ChannelAdmission
  /** Publishes a channel whose response HEADERS were sent: it parks on its instance and may take a request at once. */
  addChannel(channel: Channel): void
  /** A ping from the extension: true (200) while the instance should keep running, false (409: stop) otherwise. */
  ping(lambdaId: string): boolean
  /**
   * The Lambda asks to close. `answer(true)` (200) once the instance is retiring, which may be after a bounded wait
   * for its replacement while it keeps serving; `answer(false)` (409) when the instance is unknown or already closed.
   */
  closeFromLambda(lambdaId: string, answer: (known: boolean) => void): void
}
