// Pure. The control channel's route table (original-protocol.md §3.4): path → route, the pool id rule for the
// X-Pool-Id header, and the exact bodies of the refusals. No I/O.
import { CONTROL_PATH_PREFIX, DEFAULT_POOL_ID, isHeaderName } from '../../protocol/index.js'

/** A recognised control path. `poolId` is set only by the `poolId/{p}/…` variants; the header supplies it otherwise. */
export type ControlRoute =
  | { readonly kind: 'request'; readonly poolId?: string; readonly lambdaId: string; readonly channelId: string }
  | { readonly kind: 'ping' | 'close'; readonly poolId?: string; readonly lambdaId: string }

/** The HTTP method each route answers; any other method falls through to 404, as in the original. */
export const CONTROL_ROUTE_METHODS: Readonly<Record<ControlRoute['kind'], string>> = Object.freeze({
  request: 'POST',
  ping: 'GET',
  close: 'GET',
})

const PREFIX = `${CONTROL_PATH_PREFIX.toLowerCase()}/`
const REQUEST_PREFIX = `${PREFIX}request/`

/**
 * Parses `/api/chunked/{request|ping|close}/…`. Literal segments match case-insensitively (ASP.NET routing does);
 * ids are percent-decoded and must be non-empty. The query string is ignored. Undefined means 404.
 *
 * - `request/{lambdaId}/{channelId}`, `request/poolId/{p}/lambdaId/{l}/channelId/{c}`
 * - `ping/{lambdaId}`, `ping/poolId/{p}/lambdaId/{l}`; the same for `close`
 */
export function parseControlPath(path: string): ControlRoute | undefined {
  const plain = parsePlainChannelPath(path)
  if (plain !== undefined) return plain
  const queryAt = path.indexOf('?')
  const pathOnly = queryAt === -1 ? path : path.slice(0, queryAt)
  if (pathOnly.length <= PREFIX.length || !hasPrefix(pathOnly)) return undefined
  let rest = pathOnly.slice(PREFIX.length)
  if (rest.endsWith('/')) rest = rest.slice(0, -1)
  const segments = rest.split('/')
  for (let index = 0; index < segments.length; index++) {
    const decoded = decodeSegment(segments[index] as string)
    if (decoded === undefined) return undefined
    segments[index] = decoded
  }
  const kind = (segments[0] as string).toLowerCase()
  if (kind === 'request') {
    if (segments.length === 3) return { kind, lambdaId: segments[1] as string, channelId: segments[2] as string }
    if (segments.length === 7 && literals(segments, ['poolid', 'lambdaid', 'channelid'], [1, 3, 5])) {
      return {
        kind,
        poolId: segments[2] as string,
        lambdaId: segments[4] as string,
        channelId: segments[6] as string,
      }
    }
    return undefined
  }
  if (kind === 'ping' || kind === 'close') {
    if (segments.length === 2) return { kind, lambdaId: segments[1] as string }
    if (segments.length === 5 && literals(segments, ['poolid', 'lambdaid'], [1, 3])) {
      return { kind, poolId: segments[2] as string, lambdaId: segments[4] as string }
    }
  }
  return undefined
}

/**
 * The pool a control request addresses, from its raw header list: the path variant wins; else `X-Pool-Id` when it
 * appears exactly once with a non-blank value (original ChunkedController.GetPoolId); else `default`.
 */
export function resolveControlPoolId(route: ControlRoute, rawHeaders: readonly string[], headerName: string): string {
  if (route.poolId !== undefined) return route.poolId
  const values = headerValues(rawHeaders, headerName)
  if (values.length === 1 && (values[0] as string).trim().length > 0) return (values[0] as string).trim()
  return DEFAULT_POOL_ID
}

/** Values of header `lowerName` in a flat raw header list (`[name, value, …]`; HTTP/2 names arrive lower-case). */
export function headerValues(rawHeaders: readonly string[], lowerName: string): string[] {
  // Three reads per channel POST, each of one value: a list is made only for a second one, and a single value goes
  // into an array of its size (an empty list's first push reserves seventeen slots).
  let first: string | undefined
  let values: string[] | undefined
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if (!isHeaderName(rawHeaders[index] as string, lowerName)) continue
    const value = rawHeaders[index + 1] as string
    if (first === undefined) first = value
    else if (values === undefined) values = [first, value]
    else values.push(value)
  }
  return values ?? (first === undefined ? [] : [first])
}

/** Body of a 409 to a ping or close for an instance the pool does not know (ours; the original always said 200). */
export function controlBodyNoInstanceForLambda(poolId: string, lambdaId: string): string {
  return `No LambdaInstance found for X-PoolId: ${poolId}, X-Lambda-Id: ${lambdaId}, closing`
}

// Every channel POST, one per proxied request, comes as an extension writes it: `request/{lambdaId}/{channelId}`,
// lower case, ids without `%`, no query. Read by offsets, without the split and the copies; any other path (or a
// miss) takes the general way, which answers these paths the same.
function parsePlainChannelPath(path: string): ControlRoute | undefined {
  if (!path.startsWith(REQUEST_PREFIX) || path.includes('?') || path.includes('%')) return undefined
  const lambdaEnd = path.indexOf('/', REQUEST_PREFIX.length)
  if (lambdaEnd <= REQUEST_PREFIX.length || lambdaEnd + 1 >= path.length) return undefined
  if (path.indexOf('/', lambdaEnd + 1) !== -1) return undefined
  return {
    kind: 'request',
    lambdaId: path.slice(REQUEST_PREFIX.length, lambdaEnd),
    channelId: path.slice(lambdaEnd + 1),
  }
}

function literals(segments: readonly string[], expected: readonly string[], at: readonly number[]): boolean {
  for (let index = 0; index < expected.length; index++) {
    if ((segments[at[index] as number] as string).toLowerCase() !== expected[index]) return false
  }
  return true
}

// Every channel POST and ping passes here, and the extension writes the prefix in lower case: that path is not copied
// and lowered to be compared.
function hasPrefix(path: string): boolean {
  return path.startsWith(PREFIX) || path.slice(0, PREFIX.length).toLowerCase() === PREFIX
}

function decodeSegment(segment: string): string | undefined {
  if (segment.length === 0) return undefined
  if (!segment.includes('%')) return segment
  try {
    const decoded = decodeURIComponent(segment)
    return decoded.length === 0 || decoded.includes('/') ? undefined : decoded
  } catch {
    return undefined
  }
}
