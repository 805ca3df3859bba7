// The protocol module's public surface: the wire format shared by router and extension.
export * from './constants.js'
export {
  type HeadKind,
  HeadTooLargeError,
  IncompleteHeadError,
  InvalidWaiterError,
  MalformedHeadError,
  type MalformedHeadReason,
  TooManyHeadersError,
} from './errors.js'
export { EXIT_REASONS, type ExitReason, exitReasonSeverity, isExitReason, worseExitReason } from './exit-reason.js'
export {
  DEFAULT_HEAD_LIMITS,
  getHeader,
  type HeadLimits,
  isHeaderName,
  type RawHeaders,
  type RequestHead,
  type ResponseHead,
} from './head.js'
export { createRequestHeadParser, createResponseHeadParser, HeadParser, type ParsedHead } from './head-parser.js'
export {
  connectionListedNames,
  filterClientRequestHeaders,
  filterClientResponseHeaders,
  filterHeaders,
  filterHopByHopHeaders,
  type HeaderFilter,
  HOP_BY_HOP_HEADERS,
  INTERNAL_HEADERS,
  ROUTER_CONTROL_HEADERS,
} from './header-rules.js'
export { isGoaway, serializeGoaway, serializeRequestHead } from './request-head.js'
export { canonicalReason, serializeResponseHead } from './response-head.js'
export {
  decodeWaiterRequest,
  decodeWaiterResponse,
  encodeWaiterRequest,
  encodeWaiterResponse,
  isRouterPayload,
  type WaiterRequest,
  type WaiterResponse,
} from './waiter.js'
export {
  advertisesWebSocket,
  CLOSE_GOING_AWAY,
  isWebSocketHandshake,
  listsWebSocket,
  serializeCloseFrame,
  WEBSOCKET_UPGRADE_HEADERS,
  WebSocketFrameCursor,
} from './websocket.js'
