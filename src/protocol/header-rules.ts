// Which headers cross the proxy: hop-by-hop removal (RFC 9110 §7.6.1) and the internal names that never leak.
// Pure: functions over RawHeaders.
import {
  HEADER_CHANNEL_ID,
  HEADER_DISPATCH_DEBUG,
  HEADER_LAMBDA_ID,
  HEADER_LAMBDA_NAME,
  HEADER_POOL_ID,
} from './constants.js'
import { isHeaderName, type RawHeaders } from './head.js'

/**
 * Hop-by-hop names: RFC 9110 §7.6.1 (Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade)
 * plus Trailer and the Proxy-Authenticate/Authorization pair that RFC 7230 §6.1 also listed.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
])

/** Names the extension adds for the app and writes into response heads; a client must neither send nor see them. */
export const INTERNAL_HEADERS: ReadonlySet<string> = new Set([HEADER_LAMBDA_ID, HEADER_CHANNEL_ID, HEADER_POOL_ID])

/** Names that steer the router itself; they select and debug, and are not the app's business. */
export const ROUTER_CONTROL_HEADERS: ReadonlySet<string> = new Set([HEADER_LAMBDA_NAME, HEADER_DISPATCH_DEBUG])

// The lengths of the names filterHeaders can drop (besides names listed in Connection): a name of another length is
// kept without being lowered, as each toLowerCase() makes a new string.
const DROPPABLE_LENGTHS: ReadonlySet<number> = new Set(
  [...HOP_BY_HOP_HEADERS, ...INTERNAL_HEADERS, ...ROUTER_CONTROL_HEADERS].map((name) => name.length),
)

/** Lower-cased names listed in every `Connection` header value (RFC 9110 §7.6.1: they are hop-by-hop too). */
export function connectionListedNames(headers: RawHeaders): Set<string> | undefined {
  let listed: Set<string> | undefined
  for (let index = 0; index + 1 < headers.length; index += 2) {
    if (!isHeaderName(headers[index] as string, 'connection')) continue
    for (const token of (headers[index + 1] as string).split(',')) {
      const name = token.trim().toLowerCase()
      if (name.length === 0) continue
      listed ??= new Set()
      listed.add(name)
    }
  }
  return listed
}

/** Options for filterHeaders: which extra groups of names to drop besides hop-by-hop ones. */
export interface HeaderFilter {
  /** Drop X-Lambda-Id, X-Channel-Id and X-Pool-Id. */
  internal: boolean
  /** Drop X-Lambda-Name and X-Lambda-Dispatch-Debug. */
  routerControl: boolean
}

/**
 * A copy of `headers` without hop-by-hop names, names listed in `Connection`, and the groups `filter` selects.
 * Order and repeated values are kept.
 */
export function filterHeaders(headers: RawHeaders, filter: HeaderFilter): RawHeaders {
  const listed = connectionListedNames(headers)
  const out: RawHeaders = []
  for (let index = 0; index + 1 < headers.length; index += 2) {
    const name = headers[index] as string
    if (listed !== undefined || DROPPABLE_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase()
      if (HOP_BY_HOP_HEADERS.has(lower)) continue
      if (listed?.has(lower)) continue
      if (filter.internal && INTERNAL_HEADERS.has(lower)) continue
      if (filter.routerControl && ROUTER_CONTROL_HEADERS.has(lower)) continue
    }
    out.push(name, headers[index + 1] as string)
  }
  return out
}

/** Client request → tunnel: drop hop-by-hop and internal names, and the router's own control headers. */
export function filterClientRequestHeaders(headers: RawHeaders): RawHeaders {
  return filterHeaders(headers, { internal: true, routerControl: true })
}

/** Tunnelled response → client: drop hop-by-hop names and, unless debugging, the internal ones. */
export function filterClientResponseHeaders(
  headers: RawHeaders,
  options: { exposeInternal?: boolean } = {},
): RawHeaders {
  return filterHeaders(headers, { internal: !options.exposeInternal, routerControl: false })
}

/** Tunnelled request → app, or app response → tunnel: drop hop-by-hop names only. */
export function filterHopByHopHeaders(headers: RawHeaders): RawHeaders {
  return filterHeaders(headers, { internal: false, routerControl: false })
}
