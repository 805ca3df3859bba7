// The admin listener's routing table (issue 8 item 1): every route by path, GET and HEAD only, 404 and 405 otherwise.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type AdminRouting, routeAdminRequest } from '../../../../src/router/admin/routes.js'

const cases: { name: string; method: string; target: string; expected: AdminRouting }[] = [
  { name: 'the dashboard is the root', method: 'GET', target: '/', expected: { kind: 'route', route: 'dashboard' } },
  { name: 'liveness', method: 'GET', target: '/health', expected: { kind: 'route', route: 'health' } },
  { name: 'readiness', method: 'GET', target: '/ready', expected: { kind: 'route', route: 'ready' } },
  { name: 'Prometheus metrics', method: 'GET', target: '/metrics', expected: { kind: 'route', route: 'metrics' } },
  { name: 'the snapshot API', method: 'GET', target: '/api/snapshot', expected: { kind: 'route', route: 'snapshot' } },
  { name: 'the event stream', method: 'GET', target: '/api/events', expected: { kind: 'route', route: 'events' } },
  { name: 'HEAD is allowed', method: 'HEAD', target: '/metrics', expected: { kind: 'route', route: 'metrics' } },
  {
    name: 'a query string is ignored',
    method: 'GET',
    target: '/health?probe=alb',
    expected: { kind: 'route', route: 'health' },
  },
  { name: 'an unknown path is 404', method: 'GET', target: '/admin', expected: { kind: 'not-found' } },
  { name: 'a trailing slash is another path', method: 'GET', target: '/metrics/', expected: { kind: 'not-found' } },
  { name: 'paths are case-sensitive', method: 'GET', target: '/Health', expected: { kind: 'not-found' } },
  { name: 'an unknown path is 404 for any method', method: 'POST', target: '/nope', expected: { kind: 'not-found' } },
  {
    name: 'POST to a known path is 405 naming GET and HEAD',
    method: 'POST',
    target: '/metrics',
    expected: { kind: 'method-not-allowed', allow: 'GET, HEAD' },
  },
  {
    name: 'DELETE of the dashboard is 405',
    method: 'DELETE',
    target: '/',
    expected: { kind: 'method-not-allowed', allow: 'GET, HEAD' },
  },
]

for (const row of cases) {
  test(`routeAdminRequest: ${row.name}`, () => {
    assert.deepEqual(routeAdminRequest(row.method, row.target), row.expected)
  })
}
