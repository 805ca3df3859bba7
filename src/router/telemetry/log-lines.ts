// The router's event log lines, as a subscriber of its events: the wording and level of every line lives here, in
// one file (STYLE.md §11). Pool events log through a child logger bound to the pool id. Touches only the logger.
import { type Logger, shortId } from '../../common/index.js'
import type { RequestEnded, RouterEvents } from '../events.js'

/** Subscribes the log lines to `events`, for as long as `events` lives. */
export function subscribeLogLines(events: RouterEvents, logger: Logger): void {
  const pools = new Map<string, Logger>()
  const of = (poolId: string): Logger => {
    let child = pools.get(poolId)
    if (child === undefined) {
      child = logger.child({ poolId })
      pools.set(poolId, child)
    }
    return child
  }
  const debug = (poolId: string): Logger | undefined => {
    const child = of(poolId)
    return child.isLevelEnabled('debug') ? child : undefined
  }
  events.requestQueued.subscribe(({ poolId, requestId, queueLength }) => {
    debug(poolId)?.debug({ requestId, queueLength }, 'request queued')
  })
  events.requestRetried.subscribe(({ poolId, requestId, lambdaId, channelId, attempt }) => {
    of(poolId).info(
      { requestId, lambdaId, channelId, attempt },
      'request refused unprocessed by a leaving instance; retried',
    )
  })
  events.requestDispatched.subscribe(({ poolId, requestId, lambdaId, channelId, queuedMs }) => {
    debug(poolId)?.debug({ requestId, lambdaId, channelId, queuedMs }, 'request dispatched')
  })
  events.requestEnded.subscribe((end) => logRequestEnd(of(end.poolId), end))
  events.requestBodyFailed.subscribe(({ poolId, requestId, error }) => {
    debug(poolId)?.debug({ requestId, err: error }, 'client request body failed')
  })
  events.channelOpened.subscribe(({ poolId, lambdaId, channelId }) => {
    debug(poolId)?.debug({ lambdaId, channelId }, 'channel opened')
  })
  events.channelClosed.subscribe(({ poolId, lambdaId, channelId, reason }) => {
    debug(poolId)?.debug({ lambdaId, channelId, reason }, 'channel closed')
  })
  events.controlAuthRefused.subscribe(({ poolId, lambdaId, route, reason, first }) => {
    if (!first) return
    const child = of(poolId)
    child.warn(
      { lambdaId: logId(child, lambdaId), route, reason },
      'control request refused: no valid channel token (later refusals for this instance are only counted)',
    )
  })
  events.channelRefusedOverCap.subscribe(({ poolId, lambdaId, channelId, maxChannels }) => {
    debug(poolId)?.debug({ lambdaId, channelId, maxChannels }, 'channel refused: over the instance channel cap')
  })
  events.instanceStateChanged.subscribe(({ poolId, lambdaId, from, to }) => {
    const child = of(poolId)
    child.info({ lambdaId: logId(child, lambdaId), from, to }, 'instance state')
  })
  events.instanceStartTimedOut.subscribe(({ poolId, lambdaId, waitedMs }) => {
    const child = of(poolId)
    child.warn({ lambdaId: logId(child, lambdaId), waitedMs }, 'instance did not connect back within the start timeout')
  })
  events.instanceSlowToConnect.subscribe(({ poolId, lambdaId, ageMs }) => {
    const child = of(poolId)
    child.info(
      { lambdaId: logId(child, lambdaId), ageMs },
      'instance was slow to connect back; backing off without counting a failure',
    )
  })
  events.instanceCloseRequested.subscribe(({ poolId, lambdaId, replacing, waitMs }) => {
    const child = of(poolId)
    child.info({ lambdaId: logId(child, lambdaId), replacing, waitMs }, 'lambda asked to close')
  })
  events.invokeStarted.subscribe(({ poolId, lambdaId, kind }) => {
    debug(poolId)?.debug({ lambdaId, kind }, 'invoke sent')
  })
  events.invokeRefused.subscribe(({ poolId, reason, retryInMs }) => {
    of(poolId).info({ reason, retryInMs }, 'instance start refused by the invoke gate')
  })
  events.appStartFailed.subscribe(({ poolId, lambdaId, error }) => {
    const child = of(poolId)
    child.error({ lambdaId: logId(child, lambdaId), err: error }, error.message)
  })
  events.invokeReturned.subscribe(({ poolId, lambdaId, result, durationMs, exitReason, functionError, err }) => {
    const child = of(poolId)
    const level = result === 'completed' || result === 'aborted' ? 'info' : 'warn'
    const detail = { durationMs, exitReason, functionError, ...(err === undefined ? {} : { err }) }
    child[level]({ lambdaId: logId(child, lambdaId), result, ...detail }, 'invoke returned')
  })
  events.tunnelOrderingViolated.subscribe(({ poolId, error }) => {
    logger.error(
      {
        err: error,
        poolId,
        lambdaId: logId(logger, error.lambdaId),
        channelId: logId(logger, error.channelId),
      },
      'tunnel ordering',
    )
  })
  events.controlResponded.subscribe(({ route, status, detail }) => {
    logger.debug({ route, status, ...detail }, 'control response')
  })
  events.http2Error.subscribe(({ kind, detail }) => {
    logger.warn({ kind, ...detail }, 'control channel http2 error')
  })
  events.connectionDropped.subscribe(({ reason }) => logger.debug({ reason }, 'client connection dropped'))
}

function logRequestEnd(logger: Logger, end: RequestEnded): void {
  const { requestId } = end
  switch (end.kind) {
    case 'completed':
      if (logger.isLevelEnabled('debug')) {
        logger.debug({ requestId, status: end.status, durationMs: end.durationMs }, 'request completed')
      }
      return
    case 'rejected':
      logger.debug({ requestId, reason: end.reason }, 'request rejected')
      return
    case 'timed-out':
      logger.warn({ requestId, phase: end.phase, err: end.error }, 'request timed out')
      return
    case 'aborted':
      logger.debug({ requestId, phase: end.phase }, 'request aborted by the client')
      return
    case 'dropped':
      logger.info({ requestId, reason: end.reason, err: end.error }, 'queued request dropped')
      return
    case 'failed':
      logger.warn({ requestId, err: end.error }, 'request failed upstream')
      return
    default: {
      const unreachable: never = end
      throw new Error(`unknown request end ${String(unreachable)}`)
    }
  }
}

/**
 * How an instance or channel id appears in a log line: in full at debug level (to follow one instance), else its
 * 8-character prefix (issue 13: ids in logs must not be enough to address an instance).
 */
export function logId(logger: Logger, id: string): string {
  return logger.isLevelEnabled('debug') ? id : shortId(id)
}
