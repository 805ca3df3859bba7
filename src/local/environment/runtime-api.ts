// The Runtime API of one execution environment (2018-06-01): the /next long-poll, invocation responses and errors,
// and init errors. Holds only protocol state (the parked /next, the invocation in flight); decisions are the
// environment's, reached through RuntimeApiListener.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { readBody } from '../read-body.js'
import { headerValue, sendAccepted, sendApiError } from './api-responses.js'
import { RESPONSE_PAYLOAD_LIMIT_BYTES } from './function-errors.js'

const PREFIX = '/2018-06-01/runtime/'
const INVOCATION_PATH = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/
// Error bodies are small JSON documents; bound them so a broken runtime cannot grow our memory.
const ERROR_BODY_LIMIT_BYTES = 1024 * 1024

/** One invocation as the runtime sees it on /next. */
export interface RuntimeInvocation {
  readonly requestId: string
  readonly payload: Buffer
  /** Epoch milliseconds; sent as `Lambda-Runtime-Deadline-Ms`. */
  readonly deadlineEpochMs: number
  readonly invokedFunctionArn: string
  readonly traceId: string
  /** Decoded `X-Amz-Client-Context`, passed on as `Lambda-Runtime-Client-Context`. */
  readonly clientContext: string | undefined
}

/** What the environment hears from the runtime side. Handlers must not throw. */
export interface RuntimeApiListener {
  /** A /next is parked and nothing is waiting to be delivered: the caller is idle. */
  onRuntimeWaiting(): void
  onInvocationResponse(requestId: string, payload: Buffer): void
  onInvocationResponseTooLarge(requestId: string, sizeBytes: number): void
  onInvocationError(requestId: string, payload: Buffer, errorType: string | undefined): void
  onInitError(payload: Buffer, errorType: string | undefined): void
}

export class RuntimeApi {
  readonly #listener: RuntimeApiListener
  #parked: ServerResponse | undefined
  /** Handed to the environment but not yet delivered, because no /next was parked. */
  #undelivered: RuntimeInvocation | undefined
  /** Delivered on /next, awaiting its response or error. */
  #inFlight: RuntimeInvocation | undefined

  constructor(listener: RuntimeApiListener) {
    this.#listener = listener
  }

  /** True while a /next is parked with nothing to give it: the process driving the runtime loop is idle. */
  get isWaiting(): boolean {
    return this.#parked !== undefined && this.#undelivered === undefined && this.#inFlight === undefined
  }

  /** Gives `invocation` to the parked /next, or holds it for the next one. */
  deliver(invocation: RuntimeInvocation): void {
    this.#undelivered = invocation
    const parked = this.#parked
    if (parked) {
      this.#parked = undefined
      this.#answerNext(parked)
    }
  }

  /** Forgets the invocation in flight, e.g. after its timeout; a late response for it is then refused. */
  abandonInvocation(): void {
    this.#undelivered = undefined
    this.#inFlight = undefined
  }

  /** Returns true when `pathname` belongs to this API (and answers it). */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    if (!pathname.startsWith(PREFIX)) return false
    if (req.method === 'GET' && pathname === `${PREFIX}invocation/next`) {
      this.#onNext(res)
      return true
    }
    const invocation = INVOCATION_PATH.exec(pathname)
    if (req.method === 'POST' && invocation) {
      void this.#onInvocationResult(req, res, decodeURIComponent(invocation[1] as string), invocation[2] as string)
      return true
    }
    if (req.method === 'POST' && pathname === `${PREFIX}init/error`) {
      void this.#onInitError(req, res)
      return true
    }
    req.resume()
    sendApiError(res, 404, 'NotFound', `unknown Runtime API path ${req.method} ${pathname}`)
    return true
  }

  /** Ends a parked /next; the environment is going away. */
  close(): void {
    this.#parked?.destroy()
    this.#parked = undefined
  }

  #onNext(res: ServerResponse): void {
    if (this.#inFlight || (this.#parked && !this.#parked.destroyed)) {
      // Lambda's runtime state machine refuses a second /next before the current one is answered or responded to.
      sendApiError(res, 403, 'InvalidStateTransition', 'a /next is already pending or an invocation is in flight')
      return
    }
    if (this.#undelivered) {
      this.#answerNext(res)
      return
    }
    this.#parked = res
    res.once('close', () => {
      if (this.#parked === res) this.#parked = undefined
    })
    this.#listener.onRuntimeWaiting()
  }

  #answerNext(res: ServerResponse): void {
    const invocation = this.#undelivered as RuntimeInvocation
    this.#undelivered = undefined
    this.#inFlight = invocation
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(invocation.payload.length),
      'lambda-runtime-aws-request-id': invocation.requestId,
      'lambda-runtime-deadline-ms': String(invocation.deadlineEpochMs),
      'lambda-runtime-invoked-function-arn': invocation.invokedFunctionArn,
      'lambda-runtime-trace-id': invocation.traceId,
      ...(invocation.clientContext === undefined ? {} : { 'lambda-runtime-client-context': invocation.clientContext }),
    })
    res.end(invocation.payload)
  }

  async #onInvocationResult(req: IncomingMessage, res: ServerResponse, requestId: string, kind: string): Promise<void> {
    const isResponse = kind === 'response'
    let body: Awaited<ReturnType<typeof readBody>>
    try {
      body = await readBody(req, isResponse ? RESPONSE_PAYLOAD_LIMIT_BYTES : ERROR_BODY_LIMIT_BYTES)
    } catch {
      return // the runtime went away mid-post; its invocation runs into the function timeout
    }
    if (this.#inFlight?.requestId !== requestId) {
      sendApiError(res, 400, 'InvalidRequestID', 'Invalid request ID')
      return
    }
    this.#inFlight = undefined
    if (body.isOverLimit) {
      sendApiError(
        res,
        413,
        'RequestEntityTooLarge',
        `Exceeded maximum allowed payload size (${RESPONSE_PAYLOAD_LIMIT_BYTES} bytes).`,
      )
      this.#listener.onInvocationResponseTooLarge(requestId, body.totalBytes)
      return
    }
    sendAccepted(res)
    const errorType = headerValue(req.headers['lambda-runtime-function-error-type'])
    if (isResponse) this.#listener.onInvocationResponse(requestId, body.bytes)
    else this.#listener.onInvocationError(requestId, body.bytes, errorType)
  }

  async #onInitError(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Awaited<ReturnType<typeof readBody>>
    try {
      body = await readBody(req, ERROR_BODY_LIMIT_BYTES)
    } catch {
      return
    }
    sendAccepted(res)
    this.#listener.onInitError(body.bytes, headerValue(req.headers['lambda-runtime-function-error-type']))
  }
}
