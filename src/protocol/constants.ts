// Names and numbers of the wire contract shared by router and extension (original-protocol.md §3, §4, §12). Pure.

/** The control-channel path prefix; the original's DispatcherUrl ends with it (`{scheme}://{ip}:{port}/api/chunked`). */
export const CONTROL_PATH_PREFIX = '/api/chunked'

/** Header names on the control channel (sent lower-case over HTTP/2). */
export const HEADER_POOL_ID = 'x-pool-id'
export const HEADER_LAMBDA_ID = 'x-lambda-id'
export const HEADER_CHANNEL_ID = 'x-channel-id'
/**
 * Additive: the per-invoke secret (WaiterRequest `ChannelToken`) our extension presents on every control request.
 * The original extension never sends it; the original router ignores it.
 */
export const HEADER_CHANNEL_TOKEN = 'x-lambda-dispatch-channel-token'
/** Client-facing header that selects the pool (function) on the router's front door. */
export const HEADER_LAMBDA_NAME = 'x-lambda-name'
/** Client-facing header that the original used to turn on debug logging. */
export const HEADER_DISPATCH_DEBUG = 'x-lambda-dispatch-debug'
/** Request id that travels from the client through the router and the extension to the app. */
export const HEADER_REQUEST_ID = 'x-request-id'

/** Canonical spelling of the internal headers inside tunnelled heads, as the original writes them (§4.1, §4.4). */
export const TUNNEL_HEADER_LAMBDA_ID = 'X-Lambda-Id'
export const TUNNEL_HEADER_CHANNEL_ID = 'X-Channel-Id'

/** Content type of a channel stream's 200 response (§3.4). */
export const TUNNEL_CONTENT_TYPE = 'application/octet-stream'

/** The goaway pseudo-request's target (§4.1). The whole `/_lambda_dispatch/` prefix is reserved. */
export const GOAWAY_PATH = '/_lambda_dispatch/goaway'
export const RESERVED_PATH_PREFIX = '/_lambda_dispatch/'

/** The pool used when a request names none (`X-Pool-Id` absent). */
export const DEFAULT_POOL_ID = 'default'

export const DEFAULT_FRONT_DOOR_HTTP_PORT = 5001
export const DEFAULT_FRONT_DOOR_HTTPS_PORT = 5002
export const DEFAULT_CONTROL_H2C_PORT = 5003
export const DEFAULT_CONTROL_TLS_PORT = 5004
/** The app's port inside the Lambda (`LAMBDA_DISPATCH_PORT`). */
export const DEFAULT_APP_PORT = 3001

/** The original router bounds NumberOfChannels to 100 and the Rust extension parses it as u8 (§2.2). */
export const MAX_NUMBER_OF_CHANNELS = 255

/** Path of a channel POST: one stream carries one tunnelled exchange (§3.4). */
export function channelPath(lambdaId: string, channelId: string): string {
  return `${CONTROL_PATH_PREFIX}/request/${lambdaId}/${channelId}`
}

export function pingPath(lambdaId: string): string {
  return `${CONTROL_PATH_PREFIX}/ping/${lambdaId}`
}

export function closePath(lambdaId: string): string {
  return `${CONTROL_PATH_PREFIX}/close/${lambdaId}`
}

/** Response bodies the original router writes on the control channel (§3.4); its extension only reads the status. */
export const CONTROL_BODY_NO_LAMBDA_ID = 'No X-Lambda-Id header'
export const CONTROL_BODY_NO_ROUTE = 'No matching Control Channel route found'

export function controlBodyNoPool(poolId: string): string {
  return `No Pool found for X-Pool-Id: ${poolId}, closing`
}

export function controlBodyNoInstance(poolId: string, lambdaId: string, channelId: string): string {
  // original-protocol.md §3.4: "X-PoolId" without the hyphen is what the original writes.
  return `No LambdaInstance found for X-PoolId: ${poolId}, X-Lambda-Id: ${lambdaId}, X-Channel-Id: ${channelId}, closing`
}

/**
 * Additive (issue 18): the features our extension supports, as comma-separated tokens on every channel POST. The
 * router sends a feature's traffic only into channels that listed it; the original router ignores the header, and the
 * original extension never sends it.
 */
export const HEADER_CAPABILITIES = 'x-lambda-dispatch-capabilities'
/** The capability token for WebSocket handshakes tunnelled as raw bytes after a `101` head. */
export const CAPABILITY_WEBSOCKET = 'websocket'

/**
 * The router's answer that opens a channel (§3.4), a fresh object per stream. It lists the router's capabilities
 * too (issue 18): our extension treats a handshake as a WebSocket only when its router listed `websocket`; the
 * original extension reads only the status.
 */
export function tunnelOpenHeaders(): { ':status': number; 'content-type': string; [HEADER_CAPABILITIES]: string } {
  return { ':status': 200, 'content-type': TUNNEL_CONTENT_TYPE, [HEADER_CAPABILITIES]: CAPABILITY_WEBSOCKET }
}
