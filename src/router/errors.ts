// The router's named failures. Each carries the context that explains it; front-door/error-status.ts maps the ones
// that reach a client to an HTTP status. Pure: no I/O.
import { LambdaDispatchError } from '../common/index.js'

/** Base of every router error, so handlers can take `RouterError` and still get the code and context. */
export abstract class RouterError extends LambdaDispatchError {}

/** The pool's queue is at its limit; the client should retry later. */
export class QueueFullError extends RouterError {
  readonly code = 'LD_QUEUE_FULL'

  constructor(
    readonly poolId: string,
    readonly queueLimit: number,
  ) {
    super(`the ${poolId} queue is full (${queueLimit} requests waiting)`)
  }
}

/** A request waited the whole queue timeout without a free channel. */
export class QueueTimeoutError extends RouterError {
  readonly code = 'LD_QUEUE_TIMEOUT'

  constructor(
    readonly poolId: string,
    readonly waitedMs: number,
  ) {
    super(`request waited ${waitedMs} ms in the ${poolId} queue without a free channel`)
  }
}

/** The pool cannot start instances right now (circuit open, instance cap with none able to serve, or invoke failures). */
export class NoCapacityError extends RouterError {
  readonly code = 'LD_NO_CAPACITY'

  constructor(
    readonly poolId: string,
    readonly why: string,
    readonly retryAfterMs: number,
  ) {
    super(`the ${poolId} pool has no capacity: ${why}`)
  }
}

/** The router is shutting down and takes no new requests. */
export class RouterClosingError extends RouterError {
  readonly code = 'LD_ROUTER_CLOSING'

  constructor() {
    super('the router is shutting down')
  }
}

/** The Lambda did not send the response head within the head timeout after the request was written. */
export class HeadTimeoutError extends RouterError {
  readonly code = 'LD_HEAD_TIMEOUT'

  constructor(
    readonly lambdaId: string,
    readonly channelId: string,
    readonly waitedMs: number,
  ) {
    super(`no response head from lambda ${lambdaId} channel ${channelId} within ${waitedMs} ms`)
  }
}

/** No body bytes moved in either direction for the idle timeout. */
export class BodyIdleTimeoutError extends RouterError {
  readonly code = 'LD_BODY_IDLE_TIMEOUT'

  constructor(
    readonly lambdaId: string,
    readonly channelId: string,
    readonly idleMs: number,
  ) {
    super(`body of lambda ${lambdaId} channel ${channelId} was idle for ${idleMs} ms`)
  }
}

/** The Lambda's response head was malformed or too large (the cause is the protocol error). */
export class BadUpstreamHeadError extends RouterError {
  readonly code = 'LD_BAD_UPSTREAM_HEAD'

  constructor(
    readonly lambdaId: string,
    readonly channelId: string,
    options?: ErrorOptions,
  ) {
    super(`lambda ${lambdaId} channel ${channelId} sent an invalid response head`, options)
  }
}

/** The channel stream ended or was reset before a complete response arrived. */
export class UpstreamClosedError extends RouterError {
  readonly code = 'LD_UPSTREAM_CLOSED'

  constructor(
    readonly lambdaId: string,
    readonly channelId: string,
    /** Whether the response head had already been relayed to the client. */
    readonly afterResponseStart: boolean,
    options?: ErrorOptions,
  ) {
    super(
      `lambda ${lambdaId} channel ${channelId} closed ${afterResponseStart ? 'mid-response' : 'before responding'}`,
      options,
    )
  }
}

/** The client went away before its response was complete. */
export class ClientAbortedError extends RouterError {
  readonly code = 'LD_CLIENT_ABORTED'

  constructor(readonly requestId: string) {
    super(`client of request ${requestId} went away`)
  }
}

/** Something tried to write tunnel DATA before the channel's response HEADERS were sent (the ordering invariant). */
export class TunnelOrderingError extends RouterError {
  readonly code = 'LD_TUNNEL_ORDERING'

  constructor(
    readonly lambdaId: string,
    readonly channelId: string,
  ) {
    super(`refused to write DATA on lambda ${lambdaId} channel ${channelId} before its response HEADERS were sent`)
  }
}
