// Pure. Decides what the front door does with a request before anything is dispatched: answer /health itself,
// refuse reserved paths, unusable targets and smuggling-shaped framing, and pick the pool from X-Lambda-Name against
// the allow-list.
// No I/O.
import { DEFAULT_POOL_ID, isHeaderName, RESERVED_PATH_PREFIX } from '../../protocol/index.js'
import { BadClientRequestError, LambdaNameNotAllowedError, ReservedPathError, type RouterError } from '../errors.js'

/** Which pools a client may address. Built once from configuration. */
export interface AdmissionPolicy {
  /** Function name of the default pool (`FunctionName`); naming it in X-Lambda-Name selects the default pool. */
  readonly defaultFunctionName: string
  /** Values of X-Lambda-Name that select a pool of their own (`AllowedLambdaNames`). */
  readonly allowedLambdaNames: ReadonlySet<string>
}

export type Admission =
  /** The router answers itself: liveness, never a Lambda (original-router.md §5.3). */
  | { readonly kind: 'health' }
  /** Dispatch to `poolKey` (DEFAULT_POOL_ID or an allow-listed name) with `target` in origin form. */
  | { readonly kind: 'dispatch'; readonly poolKey: string; readonly target: string }
  | { readonly kind: 'refuse'; readonly error: RouterError }

/** The front door's own liveness path. Any method, any query, as the original answered it. */
export const HEALTH_PATH = '/health'

const RESERVED_ROOT = RESERVED_PATH_PREFIX.slice(0, -1)
const SLASH = 0x2f
const UNDERSCORE = 0x5f

/**
 * Admits one request. `target` is the request target as received (origin form, or absolute form from a proxy-style
 * client); `lambdaName` is the first X-Lambda-Name value, if any.
 */
export function admitRequest(target: string, lambdaName: string | undefined, policy: AdmissionPolicy): Admission {
  let originTarget = target
  if (target.charCodeAt(0) !== SLASH) {
    const converted = toOriginForm(target)
    if (converted === undefined) {
      return { kind: 'refuse', error: new BadClientRequestError('the request target must be a path (origin form)') }
    }
    originTarget = converted
  }
  const pathEnd = originTarget.indexOf('?')
  const path = pathEnd === -1 ? originTarget : originTarget.slice(0, pathEnd)
  if (path === HEALTH_PATH) return HEALTH
  if (originTarget.charCodeAt(1) === UNDERSCORE && isReservedPath(path)) {
    return { kind: 'refuse', error: new ReservedPathError(originTarget) }
  }
  if (
    lambdaName === undefined ||
    lambdaName === '' ||
    lambdaName === DEFAULT_POOL_ID ||
    lambdaName === policy.defaultFunctionName
  ) {
    return { kind: 'dispatch', poolKey: DEFAULT_POOL_ID, target: originTarget }
  }
  if (policy.allowedLambdaNames.has(lambdaName)) return { kind: 'dispatch', poolKey: lambdaName, target: originTarget }
  return { kind: 'refuse', error: new LambdaNameNotAllowedError(lambdaName) }
}

const HEALTH: Admission = Object.freeze({ kind: 'health' })

/**
 * Two HTTP/1.x framing rules Node's parser lets through, both request-smuggling vectors when another hop reads the
 * message differently: more than one Host field line (RFC 9112 §3.2: 400) and Transfer-Encoding in an HTTP/1.0
 * request (RFC 9112 §6.1: the framing is faulty; close the connection). Returns what is wrong, or undefined.
 */
export function http1FramingProblem(httpVersion: string, rawHeaders: readonly string[]): string | undefined {
  let hosts = 0
  let transferEncoding = false
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string
    if (isHeaderName(name, 'host')) hosts++
    else if (isHeaderName(name, 'transfer-encoding')) transferEncoding = true
  }
  if (hosts > 1) return 'more than one Host header'
  if (transferEncoding && httpVersion === '1.0') return 'Transfer-Encoding in an HTTP/1.0 request'
  return undefined
}

/**
 * RFC 9113 §8.3.1: an HTTP/2 request with both `:authority` and `Host` must name the same authority, else it is
 * malformed (400). A proxy that routes on one and an app that reads the other would disagree about the target host.
 * Returns what is wrong, or undefined.
 */
export function http2AuthorityProblem(rawHeaders: readonly string[]): string | undefined {
  let authority: string | undefined
  let host: string | undefined
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string
    if (name === ':authority') authority = rawHeaders[index + 1] as string
    else if (isHeaderName(name, 'host')) {
      const value = rawHeaders[index + 1] as string
      if (host !== undefined && host.toLowerCase() !== value.toLowerCase()) return 'Host headers that disagree'
      host = value
    }
  }
  if (authority === undefined || host === undefined) return undefined
  return authority.toLowerCase() === host.toLowerCase() ? undefined : 'a Host header that differs from :authority'
}

// The extension compares the goaway target exactly; refusing the whole prefix in any letter case keeps every
// router-only path out of client reach, now and for paths added later.
function isReservedPath(path: string): boolean {
  const lower = path.toLowerCase()
  return lower === RESERVED_ROOT || lower.startsWith(RESERVED_PATH_PREFIX)
}

// RFC 9112 §3.2.2: a server must accept absolute form; the tunnel carries origin form, as the original's
// GetEncodedPathAndQuery did. Asterisk and authority forms have no path to tunnel.
function toOriginForm(target: string): string | undefined {
  const scheme = /^https?:\/\//i.exec(target)
  if (!scheme) return undefined
  const rest = target.slice(scheme[0].length)
  const pathStart = rest.search(/[/?]/)
  if (pathStart === -1) return '/'
  const tail = rest.slice(pathStart)
  return tail.charCodeAt(0) === SLASH ? tail : `/${tail}`
}
