// The Extensions API of one execution environment (2020-01-01): register, the event/next long-poll, init and exit
// errors. Holds the registered extensions and their undelivered events; decisions are the environment's, reached
// through ExtensionsApiListener.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { readBody } from '../read-body.js'
import { headerValue, sendAccepted, sendApiError, sendJson } from './api-responses.js'

const PREFIX = '/2020-01-01/extension/'
const REGISTER_BODY_LIMIT_BYTES = 64 * 1024

export type ExtensionEventType = 'INVOKE' | 'SHUTDOWN'

export type ShutdownReason = 'spindown' | 'timeout' | 'failure'

export type ExtensionEvent =
  | {
      readonly eventType: 'INVOKE'
      readonly deadlineMs: number
      readonly requestId: string
      readonly invokedFunctionArn: string
      readonly tracing: { readonly type: 'X-Amzn-Trace-Id'; readonly value: string }
    }
  | { readonly eventType: 'SHUTDOWN'; readonly deadlineMs: number; readonly shutdownReason: ShutdownReason }

/** What the register answer tells an extension about its function. */
export interface ExtensionFunctionInfo {
  readonly functionName: string
  readonly functionVersion: string
  readonly handler: string
  readonly accountId: string
}

/** What the environment hears from the extensions. Handlers must not throw. */
export interface ExtensionsApiListener {
  onExtensionRegistered(name: string): void
  /** An extension called event/next and has no event pending: it is idle. */
  onExtensionWaiting(): void
  /** `errorMessage`: the posted body's `errorMessage` when it has one. */
  onExtensionInitError(name: string, errorType: string, errorMessage: string | undefined): void
  onExtensionExitError(name: string, errorType: string): void
}

interface RegisteredExtension {
  readonly id: string
  readonly name: string
  readonly events: ReadonlySet<ExtensionEventType>
  parked: ServerResponse | undefined
  readonly queue: ExtensionEvent[]
}

export class ExtensionsApi {
  readonly #listener: ExtensionsApiListener
  readonly #info: ExtensionFunctionInfo
  readonly #extensions = new Map<string, RegisteredExtension>()
  #isRegistrationOpen = true

  constructor(listener: ExtensionsApiListener, info: ExtensionFunctionInfo) {
    this.#listener = listener
    this.#info = info
  }

  get registeredCount(): number {
    return this.#extensions.size
  }

  /** Lambda closes registration once init is over; a late register gets 403 Extension.RegistrationClosed. */
  closeRegistration(): void {
    this.#isRegistrationOpen = false
  }

  subscriberCount(eventType: ExtensionEventType): number {
    let count = 0
    for (const extension of this.#extensions.values()) if (extension.events.has(eventType)) count++
    return count
  }

  /** True when every registered extension (or every one subscribed to `eventType`) is parked with nothing pending. */
  isEveryoneWaiting(eventType?: ExtensionEventType): boolean {
    for (const extension of this.#extensions.values()) {
      if (eventType !== undefined && !extension.events.has(eventType)) continue
      if (extension.parked === undefined || extension.queue.length > 0) return false
    }
    return true
  }

  /** Delivers `event` to every extension subscribed to its type, now if parked, else at its next event/next. */
  send(event: ExtensionEvent): void {
    for (const extension of this.#extensions.values()) {
      if (!extension.events.has(event.eventType)) continue
      extension.queue.push(event)
      this.#flush(extension)
    }
  }

  /** Returns true when `pathname` belongs to this API (and answers it). */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    if (!pathname.startsWith(PREFIX)) return false
    const route = `${req.method} ${pathname.slice(PREFIX.length)}`
    switch (route) {
      case 'POST register':
        void this.#onRegister(req, res)
        break
      case 'GET event/next':
        this.#onNext(req, res)
        break
      case 'POST init/error':
      case 'POST exit/error':
        void this.#onError(req, res, route === 'POST init/error' ? 'init' : 'exit')
        break
      default:
        req.resume()
        sendApiError(res, 404, 'NotFound', `unknown Extensions API path ${req.method} ${pathname}`)
    }
    return true
  }

  /** Ends every parked event/next; the environment is going away. */
  close(): void {
    for (const extension of this.#extensions.values()) {
      extension.parked?.destroy()
      extension.parked = undefined
    }
  }

  async #onRegister(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Awaited<ReturnType<typeof readBody>>
    try {
      body = await readBody(req, REGISTER_BODY_LIMIT_BYTES)
    } catch {
      return
    }
    const name = headerValue(req.headers['lambda-extension-name'])
    if (!name) {
      sendApiError(res, 403, 'Extension.InvalidExtensionName', 'Empty extension name')
      return
    }
    if (!this.#isRegistrationOpen) {
      sendApiError(res, 403, 'Extension.RegistrationClosed', 'Extension registration closed already')
      return
    }
    const parsed = parseRegisteredEvents(body.bytes)
    if (parsed.kind === 'invalid') {
      sendApiError(res, 403, parsed.errorType, parsed.message)
      return
    }
    const events = parsed.events
    const id = randomUUID()
    this.#extensions.set(id, { id, name, events, parked: undefined, queue: [] })
    const wantsAccountId = headerValue(req.headers['lambda-extension-accept-feature'])?.includes('accountId')
    sendJson(
      res,
      200,
      {
        functionName: this.#info.functionName,
        functionVersion: this.#info.functionVersion,
        handler: this.#info.handler,
        ...(wantsAccountId ? { accountId: this.#info.accountId } : {}),
      },
      { 'lambda-extension-identifier': id },
    )
    this.#listener.onExtensionRegistered(name)
  }

  #identify(req: IncomingMessage, res: ServerResponse): RegisteredExtension | undefined {
    const id = headerValue(req.headers['lambda-extension-identifier'])
    if (!id) {
      sendApiError(res, 403, 'Extension.MissingExtensionIdentifier', 'Missing Lambda-Extension-Identifier header')
      return undefined
    }
    const extension = this.#extensions.get(id)
    if (!extension) sendApiError(res, 403, 'Extension.UnknownExtensionIdentifier', `Unknown extension ${id}`)
    return extension
  }

  #onNext(req: IncomingMessage, res: ServerResponse): void {
    const extension = this.#identify(req, res)
    if (!extension) return
    extension.parked?.destroy()
    extension.parked = res
    res.once('close', () => {
      if (extension.parked === res) extension.parked = undefined
    })
    this.#flush(extension)
    if (extension.parked === res) this.#listener.onExtensionWaiting()
  }

  #flush(extension: RegisteredExtension): void {
    const parked = extension.parked
    const event = extension.queue[0]
    if (!parked || parked.destroyed || !event) return
    extension.queue.shift()
    extension.parked = undefined
    sendJson(parked, 200, event, { 'lambda-extension-event-identifier': randomUUID() })
  }

  async #onError(req: IncomingMessage, res: ServerResponse, phase: 'init' | 'exit'): Promise<void> {
    const extension = this.#identify(req, res)
    if (!extension) {
      req.resume()
      return
    }
    const errorType = headerValue(req.headers['lambda-extension-function-error-type']) ?? 'Extension.Unknown'
    let errorMessage: string | undefined
    try {
      const body = await readBody(req, REGISTER_BODY_LIMIT_BYTES)
      errorMessage = postedErrorMessage(body.bytes)
    } catch {
      return
    }
    sendAccepted(res)
    if (phase === 'init') this.#listener.onExtensionInitError(extension.name, errorType, errorMessage)
    else this.#listener.onExtensionExitError(extension.name, errorType)
  }
}

export type RegisteredEvents =
  | { readonly kind: 'valid'; readonly events: ReadonlySet<ExtensionEventType> }
  | { readonly kind: 'invalid'; readonly errorType: string; readonly message: string }

/** Pure: reads the `events` of a register body, with Lambda's error type when it is not acceptable. */
export function parseRegisteredEvents(body: Buffer): RegisteredEvents {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}')
  } catch (error) {
    return { kind: 'invalid', errorType: 'InvalidRequestFormat', message: (error as Error).message }
  }
  const events = (parsed as { events?: unknown } | null)?.events ?? []
  if (!Array.isArray(events)) {
    return { kind: 'invalid', errorType: 'InvalidRequestFormat', message: 'events must be an array' }
  }
  const accepted = new Set<ExtensionEventType>()
  for (const event of events) {
    if (event !== 'INVOKE' && event !== 'SHUTDOWN') {
      return {
        kind: 'invalid',
        errorType: 'Extension.InvalidEventType',
        message: `${String(event)}: unknown event type`,
      }
    }
    accepted.add(event)
  }
  return { kind: 'valid', events: accepted }
}

/** The `errorMessage` of a posted error document, when the body is JSON and has one. */
function postedErrorMessage(body: Buffer): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'))
    const message = (parsed as { errorMessage?: unknown } | null)?.errorMessage
    return typeof message === 'string' ? message : undefined
  } catch {
    return undefined
  }
}
