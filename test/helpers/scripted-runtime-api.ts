// A scripted Lambda Runtime API + Extensions API on one node:http server (like AWS_LAMBDA_RUNTIME_API): tests queue
// invokes, read back /response or /error, and send SHUTDOWN. Records every call in order for sequence assertions.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { deferred } from './deferred.js'

/** What the extension answered for one invoke. */
export type InvokeResult =
  | { readonly kind: 'response'; readonly body: Record<string, unknown> }
  | {
      readonly kind: 'error'
      readonly body: { errorType?: string; errorMessage?: string }
      readonly errorType?: string
    }

export interface QueuedInvoke {
  readonly requestId: string
  readonly payload: string
  readonly deadlineMs: number
}

export interface ScriptedRuntimeApi {
  /** `127.0.0.1:port`, the value of AWS_LAMBDA_RUNTIME_API. */
  readonly address: string
  /** Every call in arrival order: `register`, `event/next`, `invocation/next`, `response`, `error`. */
  readonly calls: string[]
  readonly registration: Promise<{ name: string | undefined; body: unknown }>
  /** Resolves when an `invocation/next` poll is parked (the extension finished init, or the previous invoke). */
  nextPoll(): Promise<void>
  /** Queues an invoke (payload JSON text) and resolves with the extension's answer. */
  invoke(payload: string, options?: { deadlineMs?: number; requestId?: string }): Promise<InvokeResult>
  /** Answers the parked `event/next` with SHUTDOWN (or the next one, when none is parked yet). */
  sendShutdown(deadlineMs?: number): void
  close(): Promise<void>
}

export async function startScriptedRuntimeApi(): Promise<ScriptedRuntimeApi> {
  const calls: string[] = []
  const queue: QueuedInvoke[] = []
  const parkedPolls: ServerResponse[] = []
  const parkedEvents: ServerResponse[] = []
  const pollWaiters: Array<() => void> = []
  let pendingShutdownMs: number | undefined
  const results = new Map<string, (result: InvokeResult) => void>()
  const { promise: registration, resolve: registered } = deferred<{ name: string | undefined; body: unknown }>()
  let nextId = 1

  const answerShutdown = (deadlineMs: number): void => {
    pendingShutdownMs = parkedEvents.length === 0 ? deadlineMs : undefined
    for (const res of parkedEvents.splice(0)) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ eventType: 'SHUTDOWN', shutdownReason: 'spindown', deadlineMs }))
    }
  }

  const deliver = (res: ServerResponse, invoke: QueuedInvoke): void => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': invoke.requestId,
      'lambda-runtime-deadline-ms': String(invoke.deadlineMs),
      'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:demo',
      'lambda-runtime-trace-id': 'Root=1-00000000-000000000000000000000000',
    })
    res.end(invoke.payload)
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req)
    const url = req.url ?? ''
    if (req.method === 'POST' && url === '/2020-01-01/extension/register') {
      calls.push('register')
      registered({ name: req.headers['lambda-extension-name'] as string | undefined, body: JSON.parse(body || '{}') })
      res.writeHead(200, { 'content-type': 'application/json', 'lambda-extension-identifier': 'ext-id-1' })
      res.end(JSON.stringify({ functionName: 'demo', functionVersion: '$LATEST', handler: 'index.handler' }))
      return
    }
    if (req.method === 'GET' && url === '/2020-01-01/extension/event/next') {
      calls.push('event/next')
      parkedEvents.push(res)
      if (pendingShutdownMs !== undefined) answerShutdown(pendingShutdownMs)
      return
    }
    if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
      calls.push('invocation/next')
      const invoke = queue.shift()
      if (invoke) deliver(res, invoke)
      else parkedPolls.push(res)
      for (const waiter of pollWaiters.splice(0)) waiter()
      return
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url)
    if (req.method === 'POST' && match) {
      const [, requestId = '', kind] = match
      calls.push(kind as string)
      const resolve = results.get(decodeURIComponent(requestId))
      results.delete(decodeURIComponent(requestId))
      const parsed = JSON.parse(body || '{}')
      resolve?.(
        kind === 'response'
          ? { kind: 'response', body: parsed }
          : {
              kind: 'error',
              body: parsed,
              errorType: req.headers['lambda-runtime-function-error-type'] as string | undefined,
            },
      )
      res.writeHead(202, { 'content-type': 'application/json' })
      res.end('{"status":"OK"}')
      return
    }
    res.writeHead(404)
    res.end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo

  return {
    address: `127.0.0.1:${port}`,
    calls,
    registration,
    nextPoll: () =>
      parkedPolls.length > 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            pollWaiters.push(resolve)
          }),
    invoke(payload, options = {}) {
      const invoke: QueuedInvoke = {
        requestId: options.requestId ?? `request-${nextId++}`,
        payload,
        deadlineMs: options.deadlineMs ?? Date.now() + 60_000,
      }
      const result = new Promise<InvokeResult>((resolve) => results.set(invoke.requestId, resolve))
      const parked = parkedPolls.shift()
      if (parked) deliver(parked, invoke)
      else queue.push(invoke)
      return result
    },
    sendShutdown(deadlineMs = Date.now() + 2_000) {
      answerShutdown(deadlineMs)
    },
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
