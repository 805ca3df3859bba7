// The client's half of a WebSocket close (RFC 6455 §7.1.1, issue 18): once the router ended the client's side (its
// close frame, or the app's close relayed), the client answers and ends its own; one that does not within the bound
// is cut off. Whatever the client still sends meanwhile is read and dropped. Owns one timer and its listeners on the
// client duplex.
import type { Duplex } from 'node:stream'
import { DEFAULT_WEBSOCKET_CLOSE_TIMEOUT_MS } from './exchange-channel.js'

export interface ClientCloseWaitOptions {
  /** How long the client has to end its side; absent: DEFAULT_WEBSOCKET_CLOSE_TIMEOUT_MS. */
  readonly timeoutMs: number | undefined
  /** Ends the client's connection (HTTP/1.1) or stream (HTTP/2) at once; its 'close' follows. */
  readonly cutOff: () => void
  /** Called once, when the duplex closed: `timedOut` when it had to be cut off. */
  readonly onSettled: (timedOut: boolean) => void
}

export class ClientCloseWait {
  readonly #duplex: Duplex
  readonly #options: ClientCloseWaitOptions
  #timer: NodeJS.Timeout | undefined
  #timedOut = false
  #settled = false

  /** `duplex` must have its writable side ended already. */
  constructor(duplex: Duplex, options: ClientCloseWaitOptions) {
    this.#duplex = duplex
    this.#options = options
    duplex.on('close', this.#onClose)
    this.#timer = setTimeout(this.#onTimeout, options.timeoutMs ?? DEFAULT_WEBSOCKET_CLOSE_TIMEOUT_MS)
    // The client may have ended its side first (it closed, the app answered): then nothing is left to wait for.
    if (duplex.readableEnded) {
      duplex.destroy()
      return
    }
    duplex.on('end', this.#onEnd)
    duplex.on('data', dropData)
    duplex.resume()
  }

  /** Stops waiting: the client is cut off now (the router's close grace ran out). Idempotent. */
  cutOff(): void {
    if (this.#settled || this.#duplex.destroyed) return
    this.#options.cutOff()
  }

  // The client ended its side: nothing more is owed either way.
  readonly #onEnd = (): void => {
    this.#duplex.destroy()
  }

  readonly #onTimeout = (): void => {
    this.#timer = undefined
    this.#timedOut = true
    this.#options.cutOff()
  }

  readonly #onClose = (): void => {
    if (this.#settled) return
    this.#settled = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#duplex.off('close', this.#onClose).off('end', this.#onEnd).off('data', dropData)
    this.#options.onSettled(this.#timedOut)
  }
}

function dropData(): void {}
