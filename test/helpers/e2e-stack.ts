// Starts the whole local stack (local Lambda + router + demo app + extension as child processes) for end-to-end
// tests, with ports chosen by the OS and quiet children, and small HTTP clients for h1 and h2c.
import { createHash } from 'node:crypto'
import http2 from 'node:http2'
import { Agent, request } from 'undici'
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../src/cli/local-stack.js'
import { type AfterHookTarget, teardown } from './teardown.js'

/** A local stack on ephemeral ports, closed when the test (or suite: `{ after }` from node:test) ends. */
export async function startE2eStack(t: AfterHookTarget, options: LocalStackOptions = {}): Promise<LocalStack> {
  const stack = await startLocalStack({
    frontDoorPort: 0,
    controlPort: 0,
    childOutput: 'ignore',
    functionTimeoutMs: 60_000,
    freezeWhenIdle: false,
    ...options,
  })
  teardown(t)(() => stack.close())
  return stack
}

/** Resolves once the local Lambda has emitted `event` `count` times from now on. */
export function eventCount(stack: LocalStack, event: 'invoke-start' | 'invoke-end', count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0
    const onEvent = (): void => {
      if (++seen < count) return
      stack.lambda.events.off(event, onEvent)
      resolve()
    }
    stack.lambda.events.on(event, onEvent)
  })
}

/** The sum over every pool and instance of channels still busy, and of queued requests: both 0 when at rest. */
export function busyChannelsAndQueue(stack: LocalStack): { busyChannels: number; queued: number } {
  let busyChannels = 0
  let queued = 0
  for (const pool of stack.router.pools.values()) {
    const snapshot = pool.snapshot()
    queued += snapshot.queueLength
    for (const instance of snapshot.instances) busyChannels += instance.busyChannels
  }
  return { busyChannels, queued }
}

export function sha256(data: Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** An HTTP/1.1 client with keep-alive, closed with the test. */
export function h1Client(t: AfterHookTarget, connections = 128): Agent {
  const agent = new Agent({ connections, keepAliveTimeout: 10_000, bodyTimeout: 120_000, headersTimeout: 120_000 })
  teardown(t)(() => agent.close())
  return agent
}

export async function getText(
  agent: Agent,
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const response = await request(url, { dispatcher: agent, headers })
  return { status: response.statusCode, body: await response.body.text(), headers: response.headers }
}

/** One h2c (prior knowledge) session to the front door, closed with the test. */
export function h2cSession(t: AfterHookTarget, origin: string): http2.ClientHttp2Session {
  const session = http2.connect(origin)
  session.on('error', () => {})
  teardown(t)(() => {
    session.close()
  })
  return session
}

/** Sends one h2c request and collects the response. */
export function h2Request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Buffer,
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined })
    const chunks: Buffer[] = []
    let responseHeaders: http2.IncomingHttpHeaders = {}
    stream.on('response', (received) => {
      responseHeaders = received
    })
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () =>
      resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, body: Buffer.concat(chunks) }),
    )
    stream.on('error', reject)
    if (body !== undefined) stream.end(body)
  })
}
