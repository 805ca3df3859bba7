// Failures of the wire format: heads that are too big or malformed, and invalid invoke payloads. Pure.
import { LambdaDispatchError } from '../common/index.js'

/** The direction a head travels: a request head (router → extension) or a response head (extension → router). */
export type HeadKind = 'request' | 'response'

/** A head grew past `maxHeadBytes` before its terminating empty line arrived. */
export class HeadTooLargeError extends LambdaDispatchError {
  readonly code = 'LD_HEAD_TOO_LARGE'

  constructor(
    readonly kind: HeadKind,
    readonly maxHeadBytes: number,
    readonly receivedBytes: number,
  ) {
    super(`${kind} head exceeds ${maxHeadBytes} bytes (${receivedBytes} received without the end of the head)`)
  }
}

/** A head carried more header lines than `maxHeaderCount`. */
export class TooManyHeadersError extends LambdaDispatchError {
  readonly code = 'LD_TOO_MANY_HEADERS'

  constructor(
    readonly kind: HeadKind,
    readonly maxHeaderCount: number,
  ) {
    super(`${kind} head has more than ${maxHeaderCount} header fields`)
  }
}

/** Why a head was refused; each malformed-input case has its own reason. */
export type MalformedHeadReason =
  | 'bad-request-line'
  | 'bad-status-line'
  | 'header-without-colon'
  | 'invalid-header-name'
  | 'invalid-header-value'
  | 'obs-fold'
  | 'bare-cr'
  | 'nul'

/** A head broke the HTTP/1.1 message syntax (RFC 9112 §2–§5). */
export class MalformedHeadError extends LambdaDispatchError {
  readonly code = 'LD_MALFORMED_HEAD'

  constructor(
    readonly kind: HeadKind,
    readonly reason: MalformedHeadReason,
    /** 1-based line of the head where the problem is. */
    readonly line: number,
  ) {
    super(`malformed ${kind} head: ${reason} at line ${line}`)
  }
}

/** The stream ended before the head was complete. */
export class IncompleteHeadError extends LambdaDispatchError {
  readonly code = 'LD_INCOMPLETE_HEAD'

  constructor(
    readonly kind: HeadKind,
    readonly receivedBytes: number,
  ) {
    super(`${kind} stream ended after ${receivedBytes} bytes, before the end of the head`)
  }
}

/** A WaiterRequest or WaiterResponse payload failed validation; `field` names the offending key. */
export class InvalidWaiterError extends LambdaDispatchError {
  readonly code = 'LD_INVALID_WAITER'

  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`invalid invoke payload: ${field} ${problem}`)
  }
}
