// Sends soak requests over HTTP/1.1 with an undici Pool (keep-alive connections to the front door). Each request
// streams its upload, checks the response as it arrives, and stops at a planned abort or at the soak's timeout.
import { Readable } from 'node:stream'
import { Pool } from 'undici'
import type { BodyCheck } from './body-check.js'
import type { Observation } from './outcome.js'
import type { RequestPlan } from './request-mix.js'
import { describeError, uploadPieces } from './upload.js'

class PlannedAbortError extends Error {
  constructor() {
    super('aborted on purpose by the soak client')
  }
}

export class H1Client {
  readonly #pool: Pool

  constructor(origin: string, connections: number) {
    // The soak owns the timeouts (one per request, see execute); undici's own would only blur which one fired.
    this.#pool = new Pool(origin, { connections, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 })
  }

  async execute(
    plan: RequestPlan,
    upload: Buffer | undefined,
    check: BodyCheck,
    timeoutMs: number,
  ): Promise<Observation> {
    const controller = new AbortController()
    let timedOut = false
    let abortedAsPlanned = false
    let status: number | undefined
    let ended = false
    let error: string | undefined
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort(new Error(`no complete answer within ${timeoutMs} ms`))
    }, timeoutMs)
    const abortNow = (): void => {
      abortedAsPlanned = true
      controller.abort(new PlannedAbortError())
    }
    try {
      const headers: Record<string, string> = {}
      if (upload !== undefined && plan.declaresLength) headers['content-length'] = String(upload.length)
      const stopAfter = plan.abort?.side === 'upload' ? plan.abort.afterBytes : undefined
      const response = await this.#pool.request({
        path: plan.target,
        method: plan.method,
        headers,
        body:
          upload === undefined ? null : Readable.from(uploadBody(upload, stopAfter, abortNow), { objectMode: false }),
        signal: controller.signal,
      })
      status = response.statusCode
      const downloadStop = plan.abort?.side === 'download' ? plan.abort.afterBytes : undefined
      for await (const chunk of response.body) {
        check.push(chunk as Buffer)
        if (downloadStop !== undefined && check.receivedBytes >= downloadStop) {
          abortNow()
          break
        }
      }
      ended = !abortedAsPlanned
    } catch (caught) {
      if (!abortedAsPlanned && !timedOut) error = describeError(caught)
    } finally {
      clearTimeout(timer)
    }
    return { status, body: check.result(), ended, abortedAsPlanned, error, timedOut }
  }

  close(): Promise<void> {
    return this.#pool.destroy()
  }
}

// Stops at the planned byte by aborting the request and failing the body, so undici never ends the message: the
// router must see a cut-off upload, not a short complete one.
async function* uploadBody(
  upload: Buffer,
  stopAfter: number | undefined,
  abortNow: () => void,
): AsyncGenerator<Buffer> {
  for (const piece of uploadPieces(upload, stopAfter)) yield piece
  if (stopAfter !== undefined) {
    abortNow()
    throw new PlannedAbortError()
  }
}
