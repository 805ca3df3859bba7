// admitRequest decides, before any dispatch, between /health, a refusal and a pool (issue 3 items 2, 4, 9).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  admitRequest,
  http1FramingProblem,
  http2AuthorityProblem,
} from '../../../../src/router/front-door/admission.js'

const policy = {
  defaultFunctionName: 'my-function',
  allowedLambdaNames: new Set(['reports', 'arn:aws:lambda:us-east-1:123456789012:function:img']),
}

const cases: { name: string; target: string; lambdaName?: string; expect: string }[] = [
  { name: 'a plain path goes to the default pool', target: '/ping', expect: 'dispatch default /ping' },
  { name: '/health is answered by the router', target: '/health', expect: 'health' },
  { name: '/health with a query is still health', target: '/health?x=1', expect: 'health' },
  { name: '/health ignores X-Lambda-Name', target: '/health', lambdaName: 'nope', expect: 'health' },
  { name: '/healthz is an app path', target: '/healthz', expect: 'dispatch default /healthz' },
  { name: 'the goaway path is reserved', target: '/_lambda_dispatch/goaway', expect: 'refuse LD_RESERVED_PATH' },
  { name: 'any reserved sub-path is refused', target: '/_lambda_dispatch/x?y', expect: 'refuse LD_RESERVED_PATH' },
  { name: 'the reserved root is refused', target: '/_lambda_dispatch', expect: 'refuse LD_RESERVED_PATH' },
  {
    name: 'the reserved root with a query is refused',
    target: '/_lambda_dispatch?x',
    expect: 'refuse LD_RESERVED_PATH',
  },
  {
    name: 'reserved in another case is refused',
    target: '/_Lambda_Dispatch/goaway',
    expect: 'refuse LD_RESERVED_PATH',
  },
  {
    name: 'a look-alike path is the app’s',
    target: '/_lambda_dispatcher/x',
    expect: 'dispatch default /_lambda_dispatcher/x',
  },
  {
    name: 'a nested reserved name is the app’s',
    target: '/a/_lambda_dispatch/goaway',
    expect: 'dispatch default /a/_lambda_dispatch/goaway',
  },
  {
    name: 'absolute form becomes origin form',
    target: 'http://h.example/a/b?c=1',
    expect: 'dispatch default /a/b?c=1',
  },
  { name: 'absolute form without a path becomes /', target: 'https://h.example', expect: 'dispatch default /' },
  { name: 'absolute form with only a query', target: 'http://h.example?q', expect: 'dispatch default /?q' },
  {
    name: 'absolute form to a reserved path is refused',
    target: 'http://h/_lambda_dispatch/goaway',
    expect: 'refuse LD_RESERVED_PATH',
  },
  { name: 'asterisk form is refused', target: '*', expect: 'refuse LD_BAD_CLIENT_REQUEST' },
  { name: 'authority form is refused', target: 'example.com:443', expect: 'refuse LD_BAD_CLIENT_REQUEST' },
  { name: 'an allow-listed name selects its pool', target: '/r', lambdaName: 'reports', expect: 'dispatch reports /r' },
  {
    name: 'an allow-listed ARN selects its pool',
    target: '/i',
    lambdaName: 'arn:aws:lambda:us-east-1:123456789012:function:img',
    expect: 'dispatch arn:aws:lambda:us-east-1:123456789012:function:img /i',
  },
  {
    name: 'the default function name selects the default pool',
    target: '/d',
    lambdaName: 'my-function',
    expect: 'dispatch default /d',
  },
  {
    name: '"default" selects the default pool, as in the original',
    target: '/d',
    lambdaName: 'default',
    expect: 'dispatch default /d',
  },
  { name: 'an empty X-Lambda-Name is ignored', target: '/d', lambdaName: '', expect: 'dispatch default /d' },
  {
    name: 'an off-list name is refused',
    target: '/x',
    lambdaName: 'other',
    expect: 'refuse LD_LAMBDA_NAME_NOT_ALLOWED',
  },
  {
    name: 'allow-list matching is exact (case)',
    target: '/x',
    lambdaName: 'Reports',
    expect: 'refuse LD_LAMBDA_NAME_NOT_ALLOWED',
  },
  {
    name: 'a reserved path is refused before the name is checked',
    target: '/_lambda_dispatch/goaway',
    lambdaName: 'other',
    expect: 'refuse LD_RESERVED_PATH',
  },
]

for (const row of cases) {
  test(row.name, () => {
    const admission = admitRequest(row.target, row.lambdaName, policy)
    const summary =
      admission.kind === 'dispatch'
        ? `dispatch ${admission.poolKey} ${admission.target}`
        : admission.kind === 'refuse'
          ? `refuse ${admission.error.code}`
          : 'health'
    assert.equal(summary, row.expect)
  })
}

// RFC 9112 §3.2 and §6.1: framing Node's parser accepts but a proxy must refuse (issue 6 item 4, smuggling).
const framing: { name: string; version: string; headers: string[]; expect: string | undefined }[] = [
  { name: 'one Host is fine', version: '1.1', headers: ['Host', 'a'], expect: undefined },
  {
    name: 'two Host lines are refused',
    version: '1.1',
    headers: ['Host', 'a', 'host', 'b'],
    expect: 'more than one Host header',
  },
  {
    name: 'the same Host twice is refused too',
    version: '1.1',
    headers: ['Host', 'a', 'Host', 'a'],
    expect: 'more than one Host header',
  },
  {
    name: 'chunked HTTP/1.1 is fine',
    version: '1.1',
    headers: ['Host', 'a', 'Transfer-Encoding', 'chunked'],
    expect: undefined,
  },
  {
    name: 'Transfer-Encoding in HTTP/1.0 is refused',
    version: '1.0',
    headers: ['Host', 'a', 'transfer-encoding', 'chunked'],
    expect: 'Transfer-Encoding in an HTTP/1.0 request',
  },
  { name: 'HTTP/1.0 with Content-Length is fine', version: '1.0', headers: ['Content-Length', '3'], expect: undefined },
]

for (const row of framing) {
  test(`framing: ${row.name}`, () => {
    assert.equal(http1FramingProblem(row.version, row.headers), row.expect)
  })
}

// Issue 13: an HTTP/2 request whose Host names another authority than :authority is malformed (RFC 9113 §8.3.1).
const authority: ReadonlyArray<{ name: string; headers: string[]; expect: string | undefined }> = [
  { name: ':authority alone is fine', headers: [':authority', 'a.example'], expect: undefined },
  { name: 'Host alone is fine', headers: ['host', 'a.example'], expect: undefined },
  {
    name: 'the same authority in any case is fine',
    headers: [':authority', 'A.example', 'host', 'a.EXAMPLE'],
    expect: undefined,
  },
  {
    name: 'a Host that differs from :authority is refused',
    headers: [':authority', 'a.example', 'host', 'b.example'],
    expect: 'a Host header that differs from :authority',
  },
  {
    name: 'a port that differs counts as another authority',
    headers: [':authority', 'a.example:443', 'host', 'a.example:8443'],
    expect: 'a Host header that differs from :authority',
  },
  {
    name: 'two Host headers that disagree are refused',
    headers: ['host', 'a.example', 'host', 'b.example'],
    expect: 'Host headers that disagree',
  },
]

for (const row of authority) {
  test(`HTTP/2 authority: ${row.name}`, () => {
    assert.equal(http2AuthorityProblem(row.headers), row.expect)
  })
}
