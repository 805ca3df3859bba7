// ClientExchange: the handler that writes one client's response through the ResponseWriter of its protocol. It owns
// the request's RequestAbort; it touches only its own writer and never throws.

import type { RawHeaders } from '../../protocol/index.js'
import type { DispatchRequest, ExchangeController, ExchangeHandler } from '../dispatch/exchange.js'
import type { RequestAbort } from '../dispatch/request-abort.js'
import { BadUpstreamFramingError, ClientAbortedError, type RouterError } from '../errors.js'
import { CLIENT_CLOSED_REQUEST_STATUS, statusFor } from './error-status.js'
import type { ResponseWriter } from './response-writer.js'

/**
 * Response bytes queued for a client before the upstream is paused. Node reports back-pressure at 16 KiB, one HTTP/2
 * DATA frame from the channel: pausing there makes every frame a stop-and-wait round trip. 'drain' resumes.
 */
export const CLIENT_WRITE_BUFFER_BYTES = 256 * 1024

/** How one exchange ended, for the access log and metrics. */
export interface ExchangeOutcome {
  /** Status written to the client, or 499 when the client went away first. */
  readonly status: number
  /** 'aborted' when the response was cut off (upstream failure after the start, or the client went away). */
  readonly result: 'complete' | 'error-response' | 'aborted'
  readonly error: RouterError | undefined
}

/** What a ClientExchange needs from the front door that owns it; one object shared by every exchange. */
export interface ExchangeHost {
  /** True while the router is closing: responses then ask HTTP/1.1 clients to close the connection. */
  readonly closing: boolean
  /** Called exactly once per exchange, when it is over for the client. Must not throw. */
  onExchangeDone(exchange: ClientExchange, outcome: ExchangeOutcome): void
}

type ExchangeState = 'waiting' | 'streaming' | 'done'

/**
 * Writes the dispatcher's outcome to one client. Back-pressure: a full client socket pauses the upstream through the
 * controller until 'drain'. An error before the response started becomes statusFor(error); after it started, the
 * client connection (HTTP/1.1) or stream (HTTP/2) is aborted so a truncated body is never mistaken for a whole one.
 */
export class ClientExchange implements ExchangeHandler {
  /** The request as dispatched; its signal is the one this exchange aborts. */
  readonly request: DispatchRequest
  /** Pool the request went to, for logs. */
  readonly poolKey: string
  readonly #writer: ResponseWriter
  readonly #abort: RequestAbort
  readonly #host: ExchangeHost
  #state: ExchangeState = 'waiting'
  #controller: ExchangeController | undefined
  #waitingForDrain = false
  #status = 0

  /**
   * `abort` must be the controller of `request.signal`: it fires when the client goes away, or when this exchange
   * gives up on the upstream (a head Node refuses to write).
   */
  constructor(
    writer: ResponseWriter,
    request: DispatchRequest,
    abort: RequestAbort,
    options: { poolKey: string; host: ExchangeHost },
  ) {
    this.request = request
    this.poolKey = options.poolKey
    this.#writer = writer
    this.#abort = abort
    this.#host = options.host
    writer.watchClient(this.#onClientClose)
  }

  get state(): ExchangeState {
    return this.#state
  }

  /** The client's protocol, for the access log. */
  get protocol(): ResponseWriter['protocol'] {
    return this.#writer.protocol
  }

  onResponseStart(status: number, headers: RawHeaders, controller: ExchangeController): void {
    if (this.#state !== 'waiting') return
    this.#controller = controller
    try {
      this.#writer.writeHead(status, headers, this.#host.closing)
    } catch (cause) {
      // Node refused the head (an invalid status or field). Nothing was sent, so the client gets a gateway error and
      // the upstream is told to stop through the signal.
      this.#abort.abort(cause)
      this.#finishWithError(undefined)
      return
    }
    this.#status = status
    this.#state = 'streaming'
  }

  onResponseData(chunk: Buffer): void {
    if (this.#state !== 'streaming') return
    // The DATA frames of one read from the channel arrive as separate callbacks; they leave in one client write.
    this.#writer.write(chunk)
    if (!this.#waitingForDrain && this.#writer.queuedBytes >= CLIENT_WRITE_BUFFER_BYTES) {
      this.#waitingForDrain = true
      this.#controller?.pause()
      this.#writer.response.once('drain', this.#onDrain)
    }
  }

  onResponseEnd(): void {
    if (this.#state !== 'streaming') return
    this.#state = 'done'
    this.#writer.unwatchClient(this.#onClientClose)
    this.#writer.end()
    this.#host.onExchangeDone(this, { status: this.#status, result: 'complete', error: undefined })
  }

  onResponseError(error: RouterError): void {
    if (this.#state === 'done') return
    if (this.#state === 'waiting') {
      this.#finishWithError(error)
      return
    }
    this.#state = 'done'
    this.#writer.unwatchClient(this.#onClientClose)
    this.#writer.response.removeListener('drain', this.#onDrain)
    // A response whose framing is already complete (its whole Content-Length, or a bodiless answer) is whole for the
    // client, which may have sent its next request on the keep-alive connection: end it, so that request is served.
    // Not when the upstream broke its own framing (bytes past the end): a peer that lies is not trusted for the rest
    // of the connection either.
    if (this.#controller?.isResponseComplete() === true && !(error instanceof BadUpstreamFramingError)) {
      this.#writer.end()
      this.#host.onExchangeDone(this, { status: this.#status, result: 'complete', error })
      return
    }
    // Never append text to a started body: abort, so the client sees a broken response, not a short one.
    this.#writer.abort()
    this.#host.onExchangeDone(this, { status: this.#status, result: 'aborted', error })
  }

  /** Ends the exchange from the router's side (shutdown grace exceeded): a status if possible, else an abort. */
  cancel(error: RouterError): void {
    if (this.#state === 'done') return
    // Answer first: aborting makes the dispatcher report its own error to this handler at once.
    this.onResponseError(error)
    this.#abort.abort(error)
  }

  #finishWithError(error: RouterError | undefined): void {
    this.#state = 'done'
    this.#writer.unwatchClient(this.#onClientClose)
    const answer = statusFor(error)
    this.#writer.writeError(answer, this.request.requestId)
    this.#host.onExchangeDone(this, { status: answer.status, result: 'error-response', error })
  }

  readonly #onDrain = (): void => {
    this.#waitingForDrain = false
    if (this.#state === 'streaming') this.#controller?.resume()
  }

  readonly #onClientClose = (): void => {
    if (this.#state === 'done') return
    this.#state = 'done'
    this.#writer.unwatchClient(this.#onClientClose)
    this.#writer.release()
    const error = new ClientAbortedError(this.request.requestId)
    this.#writer.response.removeListener('drain', this.#onDrain)
    this.#abort.abort(error)
    this.#host.onExchangeDone(this, { status: CLIENT_CLOSED_REQUEST_STATUS, result: 'aborted', error })
  }
}
