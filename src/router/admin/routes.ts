// Pure. Which admin route a request addresses: the path (query ignored) picks the route, the method must be GET or
// HEAD. Anything else is 404, or 405 with the methods that are allowed.

export type AdminRoute = 'health' | 'ready' | 'metrics' | 'dashboard' | 'snapshot' | 'events'

export type AdminRouting =
  | { readonly kind: 'route'; readonly route: AdminRoute }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'method-not-allowed'; readonly allow: string }

const ROUTES: ReadonlyMap<string, AdminRoute> = new Map([
  ['/', 'dashboard'],
  ['/health', 'health'],
  ['/ready', 'ready'],
  ['/metrics', 'metrics'],
  ['/api/snapshot', 'snapshot'],
  ['/api/events', 'events'],
])

const ALLOWED_METHODS = 'GET, HEAD'

/** Routes one admin request by its method and target (`/path?query`, as Node gives `req.url`). */
export function routeAdminRequest(method: string, target: string): AdminRouting {
  const queryAt = target.indexOf('?')
  const path = queryAt === -1 ? target : target.slice(0, queryAt)
  const route = ROUTES.get(path)
  if (route === undefined) return { kind: 'not-found' }
  if (method !== 'GET' && method !== 'HEAD') return { kind: 'method-not-allowed', allow: ALLOWED_METHODS }
  return { kind: 'route', route }
}
