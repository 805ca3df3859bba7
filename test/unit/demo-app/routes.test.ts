// Table tests for the demo app's pure parts: route matching, count parsing and the byte pattern.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { matchRoute, patternByteAt, patternBytes, readCount } from '../../../src/demo-app/routes.js'

const matchCases: { name: string; method: string; path: string; expected: string; params?: string[] }[] = [
  { name: 'GET /ping is a route', method: 'GET', path: '/ping', expected: 'route', params: [] },
  { name: 'HEAD is served wherever GET is', method: 'HEAD', path: '/bytes', expected: 'route', params: [] },
  { name: 'PUT /echo is a route', method: 'PUT', path: '/echo', expected: 'route', params: [] },
  { name: 'GET /echo is not allowed', method: 'GET', path: '/echo', expected: 'method-not-allowed' },
  { name: '/status/{code} captures the code', method: 'GET', path: '/status/418', expected: 'route', params: ['418'] },
  { name: '/status/ without a code is unknown', method: 'GET', path: '/status/', expected: 'not-found' },
  { name: '/status/a/b is unknown', method: 'GET', path: '/status/a/b', expected: 'not-found' },
  { name: 'a trailing slash is a different path', method: 'GET', path: '/ping/', expected: 'not-found' },
  { name: 'an unknown path is not found', method: 'GET', path: '/nope', expected: 'not-found' },
]

for (const row of matchCases) {
  test(`matchRoute: ${row.name}`, () => {
    const match = matchRoute(row.method, row.path)
    assert.equal(match.kind, row.expected)
    if (match.kind === 'route') assert.deepEqual(match.params, row.params)
  })
}

test('matchRoute lists HEAD in Allow for GET routes and not for POST-only routes', () => {
  assert.deepEqual(matchRoute('DELETE', '/ping'), { kind: 'method-not-allowed', allow: ['GET', 'HEAD'] })
  assert.deepEqual(matchRoute('GET', '/echo'), { kind: 'method-not-allowed', allow: ['POST', 'PUT'] })
})

const countCases: { name: string; query: string; expected: number | null | undefined }[] = [
  { name: 'absent is undefined', query: '', expected: undefined },
  { name: 'empty is undefined', query: 'n=', expected: undefined },
  { name: 'zero', query: 'n=0', expected: 0 },
  { name: 'a plain integer', query: 'n=1048576', expected: 1048576 },
  { name: 'negative is invalid', query: 'n=-1', expected: null },
  { name: 'a fraction is invalid', query: 'n=1.5', expected: null },
  { name: 'a unit suffix is invalid', query: 'n=4k', expected: null },
  { name: 'beyond a safe integer is invalid', query: 'n=99999999999999999999', expected: null },
]

for (const row of countCases) {
  test(`readCount: ${row.name}`, () => {
    assert.equal(readCount(new URLSearchParams(row.query), 'n'), row.expected)
  })
}

test('the byte pattern has a prime period, so 64 KiB shifts do not line up', () => {
  const bytes = patternBytes(600)
  assert.equal(bytes[0], 0)
  assert.equal(bytes[250], 250)
  assert.equal(bytes[251], 0)
  assert.equal(patternByteAt(65536), 65536 % 251)
  assert.notEqual(patternByteAt(65536), patternByteAt(0))
})
