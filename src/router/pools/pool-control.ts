// The control server's view of one pool (ControlPool): judges channel tokens, admits channels up to each instance's
// cap, answers pings, and starts the close a Lambda asks for (with a bounded wait for its replacement). Touches the
// pool's registry and instances and publishes refusals; owns the set of instances waiting for a replacement, and no
// timer.

import { judgeChannelToken } from '../control/channel-token.js'
import type { ChannelAdmission, ControlAccess, ControlPool, ControlRouteKind } from '../control/control-pool.js'
import type { RouterEvents } from '../events.js'
import type { Channel } from '../instances/channel.js'
import type { LambdaInstance } from '../instances/instance.js'
import { acceptsChannels, answersPing } from '../instances/instance-states.js'
import type { InstanceRegistry } from '../instances/registry.js'
import { replacementWaitMs } from './replacement.js'

export interface PoolControlOptions {
  readonly poolId: string
  readonly registry: InstanceRegistry
  readonly events: RouterEvents
  /** Most distinct channel ids an instance may hold (its NumberOfChannels). */
  readonly maxChannels: number
  /** Whether the pool, open and wanting more than `live` instances, will start a replacement. */
  readonly wantsReplacement: (live: number) => boolean
}

export class PoolControl implements ControlPool {
  readonly poolId: string
  readonly #options: PoolControlOptions
  // Draining instances that wait for a replacement, oldest first; each leaves the set when it retires.
  readonly #awaitingReplacement = new Set<LambdaInstance>()

  constructor(options: PoolControlOptions) {
    this.poolId = options.poolId
    this.#options = options
  }

  authorize(
    lambdaId: string,
    presentedTokens: readonly string[],
    allowMissing: boolean,
    route: ControlRouteKind,
  ): ControlAccess {
    const instance = this.#options.registry.get(lambdaId)
    if (instance === undefined || instance.state === 'closed') return 'unknown'
    const verdict = judgeChannelToken(instance.channelTokenBytes, presentedTokens, allowMissing)
    if (verdict === 'ok') return 'ok'
    const first = instance.noteAuthRefusal()
    this.#options.events.controlAuthRefused.publish({
      poolId: this.#options.poolId,
      lambdaId,
      route,
      reason: verdict,
      first,
    })
    return 'refused'
  }

  acceptsChannel(lambdaId: string, channelId: string): ChannelAdmission {
    const instance = this.#options.registry.get(lambdaId)
    if (instance === undefined || !acceptsChannels(instance.state)) return 'unknown'
    if (instance.hasRoomForChannel(channelId)) return 'accept'
    const maxChannels = this.#options.maxChannels
    this.#options.events.channelRefusedOverCap.publish({
      poolId: this.#options.poolId,
      lambdaId,
      channelId,
      maxChannels,
    })
    return 'full'
  }

  addChannel(channel: Channel): void {
    const instance = this.#options.registry.get(channel.lambdaId)
    if (instance === undefined || !acceptsChannels(instance.state)) {
      // acceptsChannel() said yes in the same turn, so this is a caller bug; still, never strand a stream.
      channel.goaway()
      return
    }
    instance.addChannel(channel)
  }

  ping(lambdaId: string): boolean {
    const instance = this.#options.registry.get(lambdaId)
    return instance !== undefined && answersPing(instance.state)
  }

  closeFromLambda(lambdaId: string, answer: (known: boolean) => void): void {
    const instance = this.#options.registry.get(lambdaId)
    if (instance === undefined || instance.state === 'closed') {
      answer(false)
      return
    }
    if (instance.transition(['starting', 'open'], 'draining')) {
      // original-protocol.md §6.2: a replacement starts before the instance retires; meanwhile it keeps serving.
      const counts = this.#options.registry.counts().byState
      const live = counts.initial + counts.starting + counts.open
      const replacing = this.#options.wantsReplacement(live)
      const waitMs = replacementWaitMs(instance.ageMs, replacing)
      if (waitMs > 0) this.#awaitingReplacement.add(instance)
      instance.scheduleRetire(waitMs)
      this.#options.events.instanceCloseRequested.publish({ poolId: this.#options.poolId, lambdaId, replacing, waitMs })
    }
    instance.onRetired(() => {
      this.#awaitingReplacement.delete(instance)
      answer(true)
    })
  }

  /** An instance of the pool opened: the oldest instance waiting for a replacement retires now, not at its timer. */
  retireOneAwaitingReplacement(): void {
    this.#awaitingReplacement.values().next().value?.retireNow()
  }
}
