// The invoke payload (WaiterRequest) and result (WaiterResponse): the only place PascalCase wire keys appear
// (original-protocol.md §2.2, §2.3). Pure: validation and JSON encoding.
import { DEFAULT_POOL_ID, MAX_NUMBER_OF_CHANNELS } from './constants.js'
import { InvalidWaiterError } from './errors.js'
import { type ExitReason, isExitReason } from './exit-reason.js'

/** What the router asks one invoke to do. */
export interface WaiterRequest {
  poolId: string
  /** The instance (lambda) id; used raw in control paths, so it is limited to URL-path-safe characters. */
  id: string
  /** `{scheme}://{host}:{port}/api/chunked`; the extension uses its scheme, host and port. */
  dispatcherUrl: string
  numberOfChannels: number
  /** RFC 3339 time the router sent the invoke. */
  sentTime: string
  initOnly: boolean
  /** Additive: SHA-256 fingerprint (hex, colons optional) of the router's control-channel TLS certificate to pin. */
  routerCertSha256?: string
  /**
   * Additive: how long (ms) the instance may stay idle before it asks to close, when the router wants a say. Set for
   * instances kept for MinInstances (their function timeout: they stay until their deadline). The original extension
   * ignores it and keeps its own 250 ms.
   */
  idleGraceMs?: number
  /**
   * Additive: the per-invoke secret the extension presents on every control request (HEADER_CHANNEL_TOKEN), so an
   * instance id alone proves nothing. Absent from the original router; then the extension sends no token.
   */
  channelToken?: string
}

/** What one invoke reports when it returns. Only `poolId` and `id` are guaranteed (the legacy C# extension). */
export interface WaiterResponse {
  poolId: string
  id: string
  requestCount?: number
  /** Wall time of the invoke in milliseconds. */
  invokeDurationMs?: number
  exitReason?: ExitReason
}

// Lambda ids and pool ids appear raw in URL paths (original-protocol.md §2.2: the Rust extension panics otherwise).
const PATH_SAFE_ID = /^[A-Za-z0-9._~-]{1,128}$/
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
const SHA256_FINGERPRINT = /^[0-9A-Fa-f]{2}(:?[0-9A-Fa-f]{2}){31}$/
// Lambda's longest function timeout: no idle grace beyond it means anything.
const MAX_IDLE_GRACE_MS = 15 * 60_000
// Travels as an HTTP header value: base64url or hex, 16–256 characters (ours is 43: 256 bits of base64url).
const CHANNEL_TOKEN = /^[A-Za-z0-9_-]{16,256}$/

// Keys only a Lambda Dispatch router sends. `Id`, `PoolId`, `SentTime` and `InitOnly` are names an application's own
// event may well use; these two are not.
const ROUTER_ONLY_KEYS = ['DispatcherUrl', 'NumberOfChannels'] as const

/**
 * True when a parsed invoke payload claims to come from a router: a JSON object with `DispatcherUrl` or
 * `NumberOfChannels` (case-sensitive, present with any value). Such a payload is validated as a WaiterRequest; any
 * other payload is not the router's.
 */
export function isRouterPayload(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  return ROUTER_ONLY_KEYS.some((key) => Object.hasOwn(value, key))
}

/** JSON for the invoke, keys in the original's order; additive keys follow and are omitted when unset. */
export function encodeWaiterRequest(request: WaiterRequest): string {
  const wire: Record<string, unknown> = {
    PoolId: request.poolId,
    Id: request.id,
    DispatcherUrl: request.dispatcherUrl,
    NumberOfChannels: request.numberOfChannels,
    SentTime: request.sentTime,
    InitOnly: request.initOnly,
  }
  if (request.routerCertSha256 !== undefined) wire.RouterCertSha256 = request.routerCertSha256
  if (request.idleGraceMs !== undefined) wire.IdleGraceMs = request.idleGraceMs
  if (request.channelToken !== undefined) wire.ChannelToken = request.channelToken
  return JSON.stringify(wire)
}

/**
 * Validates an invoke payload (a JSON string, bytes, or an already-parsed value) as the Rust extension does,
 * plus checks it skips. Unknown keys are ignored. Throws InvalidWaiterError naming the bad field.
 */
export function decodeWaiterRequest(payload: unknown): WaiterRequest {
  const wire = asObject(payload)
  const poolId = wire.PoolId ?? DEFAULT_POOL_ID
  if (typeof poolId !== 'string' || !PATH_SAFE_ID.test(poolId)) {
    throw new InvalidWaiterError('PoolId', 'must be a string of letters, digits, ".", "_", "~" or "-"')
  }
  const id = wire.Id
  if (typeof id !== 'string' || !PATH_SAFE_ID.test(id)) {
    throw new InvalidWaiterError('Id', 'is required: a string of letters, digits, ".", "_", "~" or "-"')
  }
  const dispatcherUrl = wire.DispatcherUrl
  if (typeof dispatcherUrl !== 'string' || !isDispatcherUrl(dispatcherUrl)) {
    throw new InvalidWaiterError('DispatcherUrl', 'is required: an http:// or https:// URL with a host')
  }
  const channels = wire.NumberOfChannels
  if (
    typeof channels !== 'number' ||
    !Number.isInteger(channels) ||
    channels < 0 ||
    channels > MAX_NUMBER_OF_CHANNELS
  ) {
    throw new InvalidWaiterError('NumberOfChannels', `is required: an integer from 0 to ${MAX_NUMBER_OF_CHANNELS}`)
  }
  const sentTime = wire.SentTime
  if (typeof sentTime !== 'string' || !RFC3339.test(sentTime) || Number.isNaN(Date.parse(sentTime))) {
    throw new InvalidWaiterError('SentTime', 'is required: an RFC 3339 date-time')
  }
  const initOnly = wire.InitOnly ?? false
  if (typeof initOnly !== 'boolean') throw new InvalidWaiterError('InitOnly', 'must be true or false')
  const request: WaiterRequest = { poolId, id, dispatcherUrl, numberOfChannels: channels, sentTime, initOnly }
  const fingerprint = wire.RouterCertSha256
  if (fingerprint !== undefined && fingerprint !== null) {
    if (typeof fingerprint !== 'string' || !SHA256_FINGERPRINT.test(fingerprint)) {
      throw new InvalidWaiterError('RouterCertSha256', 'must be a SHA-256 fingerprint: 64 hex digits, colons optional')
    }
    request.routerCertSha256 = fingerprint
  }
  const idleGraceMs = wire.IdleGraceMs
  if (idleGraceMs !== undefined && idleGraceMs !== null) {
    if (
      typeof idleGraceMs !== 'number' ||
      !Number.isInteger(idleGraceMs) ||
      idleGraceMs < 0 ||
      idleGraceMs > MAX_IDLE_GRACE_MS
    ) {
      throw new InvalidWaiterError('IdleGraceMs', `must be an integer number of ms from 0 to ${MAX_IDLE_GRACE_MS}`)
    }
    request.idleGraceMs = idleGraceMs
  }
  const channelToken = wire.ChannelToken
  if (channelToken !== undefined && channelToken !== null) {
    if (typeof channelToken !== 'string' || !CHANNEL_TOKEN.test(channelToken)) {
      throw new InvalidWaiterError('ChannelToken', 'must be 16–256 characters of letters, digits, "-" or "_"')
    }
    request.channelToken = channelToken
  }
  return request
}

/** JSON of the invoke result, keys in the Rust extension's order. */
export function encodeWaiterResponse(response: WaiterResponse): string {
  const wire: Record<string, unknown> = { PoolId: response.poolId, Id: response.id }
  if (response.requestCount !== undefined) wire.RequestCount = response.requestCount
  if (response.invokeDurationMs !== undefined) wire.InvokeDuration = response.invokeDurationMs
  if (response.exitReason !== undefined) wire.ExitReason = response.exitReason
  return JSON.stringify(wire)
}

/** Reads an invoke result. Optional fields stay undefined when absent; present fields must have the right type. */
export function decodeWaiterResponse(payload: unknown): WaiterResponse {
  const wire = asObject(payload)
  const poolId = wire.PoolId ?? DEFAULT_POOL_ID
  if (typeof poolId !== 'string') throw new InvalidWaiterError('PoolId', 'must be a string')
  if (typeof wire.Id !== 'string') throw new InvalidWaiterError('Id', 'is required: a string')
  const response: WaiterResponse = { poolId, id: wire.Id }
  if (wire.RequestCount !== undefined) response.requestCount = countField(wire.RequestCount, 'RequestCount')
  if (wire.InvokeDuration !== undefined) response.invokeDurationMs = countField(wire.InvokeDuration, 'InvokeDuration')
  if (wire.ExitReason !== undefined) {
    if (!isExitReason(wire.ExitReason)) throw new InvalidWaiterError('ExitReason', 'is not a known exit reason')
    response.exitReason = wire.ExitReason
  }
  return response
}

function asObject(payload: unknown): Record<string, unknown> {
  let value = payload
  if (typeof value === 'string' || value instanceof Uint8Array) {
    const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8')
    try {
      value = JSON.parse(text)
    } catch {
      throw new InvalidWaiterError('payload', 'is not valid JSON')
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidWaiterError('payload', 'must be a JSON object')
  }
  return value as Record<string, unknown>
}

function countField(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidWaiterError(field, 'must be a non-negative integer')
  }
  return value
}

function isDispatcherUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0
  } catch {
    return false
  }
}
