// The two halves of every outage-recovery case (issue 12 item 1): the outage seen by a client (503 with
// LD_NO_CAPACITY and a Retry-After), and the recovery seen by the router (an instance opens on its own, with no
// request waiting to wake it, within the 30 s) and by a client (200 again).
import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import { type FaultStack, type FaultStackOptions, startFaultStack } from './fault-stack.js'
import { type EndpointMode, type LambdaEndpointSwitch, startLambdaEndpointSwitch } from './lambda-endpoint-switch.js'
import { teardown } from './teardown.js'

/** The recovery bound issue 12 sets: after the endpoint is back, the system serves again within 30 s. */
export const RECOVERY_BOUND_MS = 30_000

/** A /ping during the outage ends in 503 + Retry-After (LD_NO_CAPACITY): refused, never left hanging. */
export async function assertRefusedWithRetryAfter(fault: FaultStack): Promise<number> {
  const answer = await fault.fetchText('/ping')
  assert.equal(answer.status, 503, `a request during the outage is refused, got ${answer.status} ${answer.body}`)
  assert.match(answer.body, /\(LD_NO_CAPACITY\)\n$/)
  const retryAfterS = Number(answer.headers['retry-after'])
  assert.ok(Number.isInteger(retryAfterS) && retryAfterS >= 1, `Retry-After is whole seconds ≥ 1: ${retryAfterS}`)
  return retryAfterS
}

/**
 * Call right after the cause of the outage is gone. Waits for the next instance to open (from the mark `from` of
 * `fault.events.instanceStateChanged` on),
 * failing if that takes longer than RECOVERY_BOUND_MS, checks that no request was waiting to prompt it, then that a
 * /ping gets 200. Resolves with the time from `backAtMs` to the instance opening.
 */
export async function assertServesAgain(fault: FaultStack, from: number, backAtMs: number): Promise<number> {
  assert.equal(fault.pool().queueLength, 0, 'no request waits: the pool must recover on its own')
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no instance opened within ${RECOVERY_BOUND_MS} ms of the cause going away`)),
      RECOVERY_BOUND_MS,
    )
  })
  let recoveredMs: number
  try {
    await Promise.race([fault.events.instanceStateChanged.next((event) => event.to === 'open', from), bound])
    recoveredMs = Date.now() - backAtMs
  } finally {
    clearTimeout(timer)
  }
  const answer = await fault.fetchText('/ping')
  assert.equal(answer.status, 200, `served again: ${answer.status} ${answer.body}`)
  assert.equal(answer.body, 'pong')
  return recoveredMs
}

/** A fault stack whose router reaches the local Lambda through a switch starting in `mode`; both close with `t`. */
export async function startFaultStackBehindSwitch(
  t: TestContext,
  mode: EndpointMode,
  routerSettings: Readonly<Record<string, string>> = {},
  options: FaultStackOptions = {},
): Promise<{ fault: FaultStack; endpoint: LambdaEndpointSwitch }> {
  const defer = teardown(t)
  const endpoint = await startLambdaEndpointSwitch(mode)
  defer(() => endpoint.close())
  const fault = await startFaultStack({
    ...options,
    routerSettings: { AWS_ENDPOINT_URL_LAMBDA: endpoint.url, ...routerSettings },
  })
  defer(() => fault.close())
  endpoint.forwardTo(fault.stack.lambda.endpoint)
  return { fault, endpoint }
}
