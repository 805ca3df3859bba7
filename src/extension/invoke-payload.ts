// Pure. Decides what one invoke's payload is: the router's WaiterRequest, a malformed one (answered with
// RouterLambdaInvokeInvalid, original-protocol.md §2.5 step 1), or any other event, which the extension passes to the
// app (pass-through-event.ts). No I/O.
import { decodeWaiterRequest, type InvalidWaiterError, isRouterPayload, type WaiterRequest } from '../protocol/index.js'

/** What an invoke carries. */
export type InvokePayload =
  | { readonly kind: 'waiter'; readonly request: WaiterRequest }
  | { readonly kind: 'invalid-waiter'; readonly error: InvalidWaiterError }
  | { readonly kind: 'event' }

/**
 * A payload is the router's when it is a JSON object with `DispatcherUrl` or `NumberOfChannels` (isRouterPayload):
 * then it must be a valid WaiterRequest, or it is `invalid-waiter`. Everything else (an SQS batch, an EventBridge
 * event, a JSON array, a bare string, bytes that are not JSON) is an `event` for the app, even when it has some of
 * the WaiterRequest's other keys (`Id`, `PoolId`, `SentTime`, `InitOnly` are common names in applications' events).
 */
export function classifyInvokePayload(payload: Buffer): InvokePayload {
  let value: unknown
  try {
    value = JSON.parse(payload.toString('utf8'))
  } catch {
    return { kind: 'event' }
  }
  if (!isRouterPayload(value)) return { kind: 'event' }
  try {
    return { kind: 'waiter', request: decodeWaiterRequest(value) }
  } catch (error) {
    // decodeWaiterRequest throws only InvalidWaiterError.
    return { kind: 'invalid-waiter', error: error as InvalidWaiterError }
  }
}
