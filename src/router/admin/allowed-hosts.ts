// Pure. Which Host values the admin listener answers: a defence against DNS rebinding, where a page on an attacker's
// domain re-resolves that domain to the router's loopback or VPC address and reads /api/snapshot from the browser.
// Such a request names the attacker's domain in Host; an IP literal or a name on the allow-list cannot be one.
import { isIP } from 'node:net'

/** Loopback names every admin listener answers. */
export const LOOPBACK_HOST_NAMES: readonly string[] = Object.freeze(['localhost', 'localhost.localdomain'])

/**
 * The names the admin listener answers besides IP literals: loopback names, `adminHost` when it is a name, and the
 * configured extras (AdminAllowedHosts), lower-cased.
 */
export function adminHostAllowList(adminHost: string, extraHosts: readonly string[]): ReadonlySet<string> {
  const names = new Set(LOOPBACK_HOST_NAMES)
  if (isIP(adminHost) === 0 && adminHost !== '') names.add(adminHost.toLowerCase())
  for (const host of extraHosts) names.add(host.toLowerCase())
  return names
}

/**
 * Whether a request's Host header may be answered. IP literals (v4, bracketed v6) are always allowed: a browser that
 * sends one is talking to that address by its own choice, which is no rebinding, and probes and scrapers use them.
 * A name must be on `allowed`. No Host at all (HTTP/1.0, no browser) is allowed; Node refuses it for HTTP/1.1.
 */
export function isAllowedAdminHost(hostHeader: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (hostHeader === undefined) return true
  const host = hostOf(hostHeader.trim().toLowerCase())
  if (host === undefined) return false
  if (isIP(host) !== 0) return true
  return allowed.has(host.endsWith('.') ? host.slice(0, -1) : host)
}

// `name`, `name:port`, `1.2.3.4:port`, `[v6]` or `[v6]:port` → the host part; undefined when malformed.
function hostOf(value: string): string | undefined {
  if (value.startsWith('[')) {
    const end = value.indexOf(']')
    if (end === -1) return undefined
    const rest = value.slice(end + 1)
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined
    return value.slice(1, end)
  }
  const colon = value.indexOf(':')
  if (colon === -1) return value === '' ? undefined : value
  if (!/^\d{1,5}$/.test(value.slice(colon + 1))) return undefined
  return colon === 0 ? undefined : value.slice(0, colon)
}
