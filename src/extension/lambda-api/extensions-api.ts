// Client of the Lambda Extensions API (2020-01-01): register, then long-poll for events (SHUTDOWN). Touches only
// the Extensions API's socket.
import type { Pool } from 'undici'
import { LambdaApiError } from '../errors.js'
import { callLambdaApi, headerValue } from './api-call.js'

/** An event from `GET /extension/event/next`. */
export interface ExtensionEvent {
  readonly eventType: 'INVOKE' | 'SHUTDOWN'
  /** Epoch milliseconds by which the extension must be done with this event. */
  readonly deadlineMs: number | undefined
  readonly shutdownReason: string | undefined
}

const BASE = '/2020-01-01/extension'

export class ExtensionsApiClient {
  readonly #pool: Pool
  #extensionId: string | undefined

  constructor(pool: Pool) {
    this.#pool = pool
  }

  /** Registers as an external extension; `name` must equal the executable's file name in /opt/extensions. */
  async register(name: string, events: readonly ExtensionEvent['eventType'][]): Promise<string> {
    const response = await callLambdaApi(this.#pool, 'extension/register', {
      method: 'POST',
      path: `${BASE}/register`,
      headers: { 'lambda-extension-name': name, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    })
    const id = headerValue(response, 'lambda-extension-identifier')
    if (!id) throw new LambdaApiError('extension/register', response.status, 'no Lambda-Extension-Identifier header')
    this.#extensionId = id
    return id
  }

  /**
   * Reports that init failed (`POST /extension/init/error`): Lambda fails the init with `errorType` and this
   * document, and the environment is replaced. The extension exits after it.
   */
  async initError(errorType: string, errorMessage: string): Promise<void> {
    if (this.#extensionId === undefined) throw new Error('ExtensionsApiClient.initError called before register')
    await callLambdaApi(this.#pool, 'extension/init/error', {
      method: 'POST',
      path: `${BASE}/init/error`,
      headers: {
        'lambda-extension-identifier': this.#extensionId,
        'lambda-extension-function-error-type': errorType,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ errorType, errorMessage }),
    })
  }

  /** Long-polls for the next event. Rejects with `signal`'s reason when it aborts. */
  async nextEvent(signal?: AbortSignal): Promise<ExtensionEvent> {
    if (this.#extensionId === undefined) throw new Error('ExtensionsApiClient.nextEvent called before register')
    const response = await callLambdaApi(this.#pool, 'extension/event/next', {
      method: 'GET',
      path: `${BASE}/event/next`,
      headers: { 'lambda-extension-identifier': this.#extensionId },
      signal,
    })
    let event: { eventType?: unknown; deadlineMs?: unknown; shutdownReason?: unknown }
    try {
      event = JSON.parse(response.body.toString('utf8'))
    } catch (error) {
      throw new LambdaApiError('extension/event/next', response.status, 'the event is not JSON', { cause: error })
    }
    if (event.eventType !== 'INVOKE' && event.eventType !== 'SHUTDOWN') {
      throw new LambdaApiError('extension/event/next', response.status, `unknown event type ${String(event.eventType)}`)
    }
    return {
      eventType: event.eventType,
      deadlineMs: typeof event.deadlineMs === 'number' ? event.deadlineMs : undefined,
      shutdownReason: typeof event.shutdownReason === 'string' ? event.shutdownReason : undefined,
    }
  }
}
