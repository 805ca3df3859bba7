// A stand-in for a Pool in front-door tests: records each dispatched request (wrapping its handler in the contract
// checker, which fails the test by itself on a violation) and lets the test script the handler calls, now or later.
import type {
  DispatchDecision,
  DispatchRequest,
  ExchangeController,
  ExchangeHandler,
} from '../../src/router/dispatch/exchange.js'
import type { RequestDispatcher } from '../../src/router/front-door/server.js'
import { type CheckedHandler, checkHandler } from './checked-handler.js'
import type { AfterHookTarget } from './teardown.js'

export interface ScriptedCall {
  readonly request: DispatchRequest
  readonly handler: CheckedHandler
  /** The request body read to the end (empty when the request had none). Read only when a test asks for it. */
  body(): Promise<Buffer>
}

/** Runs `script` for each request; without one, requests wait for the test to take them with `nextCall()`. */
export class ScriptedDispatcher implements RequestDispatcher {
  readonly calls: ScriptedCall[] = []
  readonly #test: AfterHookTarget
  readonly #script: ((call: ScriptedCall) => void) | undefined
  readonly #waiters: ((call: ScriptedCall) => void)[] = []

  /** `t`: the test (or `{ after }` of a suite) that fails when a front-door handler breaks the contract. */
  constructor(t: AfterHookTarget, script?: (call: ScriptedCall) => void) {
    this.#test = t
    this.#script = script
  }

  dispatch(request: DispatchRequest, handler: ExchangeHandler): DispatchDecision {
    const checked = checkHandler(this.#test, handler)
    let bodyRead: Promise<Buffer> | undefined
    const call: ScriptedCall = {
      request,
      handler: checked,
      body: () => {
        bodyRead ??= readAll(request)
        return bodyRead
      },
    }
    this.calls.push(call)
    this.#waiters.shift()?.(call)
    this.#script?.(call)
    return { kind: 'queued', queueLength: 1 }
  }

  /** The next request to arrive (or the oldest not yet taken when it already arrived). */
  nextCall(): Promise<ScriptedCall> {
    const taken = this.#taken
    if (this.calls.length > taken) {
      this.#taken++
      return Promise.resolve(this.calls[taken] as ScriptedCall)
    }
    return new Promise((resolve) => {
      this.#waiters.push((call) => {
        this.#taken++
        resolve(call)
      })
    })
  }

  #taken = 0

  /** Every contract violation seen by any handler. */
  get violations(): string[] {
    return this.calls.flatMap((call) => call.handler.violations)
  }
}

async function readAll(request: DispatchRequest): Promise<Buffer> {
  if (request.body === null) return Buffer.alloc(0)
  const chunks: Buffer[] = []
  for await (const chunk of request.body) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** A controller that records pause/resume calls. */
export interface RecordingController extends ExchangeController {
  pauses: number
  resumes: number
  /** What isResponseComplete() answers: set it once the script has sent every byte its response head promised. */
  complete: boolean
}

export function recordingController(): RecordingController {
  return {
    pauses: 0,
    resumes: 0,
    complete: false,
    pause() {
      this.pauses++
    },
    resume() {
      this.resumes++
    },
    isResponseComplete() {
      return this.complete
    },
  }
}

/** Starts a 200 response with `headers`, sends `body`, ends. */
export function respondWith(handler: ExchangeHandler, status: number, headers: string[], body: string | Buffer): void {
  handler.onResponseStart(status, headers, recordingController())
  if (body.length > 0) handler.onResponseData(Buffer.isBuffer(body) ? body : Buffer.from(body))
  handler.onResponseEnd()
}
