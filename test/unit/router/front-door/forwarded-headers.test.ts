// buildUpstreamHeaders: what the app sees of a client's headers (issue 3 item 4, header hygiene).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildUpstreamHeaders, isValidRequestId } from '../../../../src/router/front-door/forwarded-headers.js'

const plain: { clientAddress: string | undefined; proto: 'http' | 'https'; trustForwardedHeaders: boolean } = {
  clientAddress: '10.1.2.3',
  proto: 'http',
  trustForwardedHeaders: false,
}
const fixedId = (): string => 'generated-id'

const cases: {
  name: string
  raw: string[]
  facts?: Partial<typeof plain> & { clientAddress?: string | undefined }
  expect: string[]
  requestId?: string
}[] = [
  {
    name: 'adds X-Forwarded-For/Proto/Host and a request id to a plain request',
    raw: ['Host', 'app.example', 'Accept', '*/*'],
    expect: [
      'Host',
      'app.example',
      'Accept',
      '*/*',
      'X-Forwarded-For',
      '10.1.2.3',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'app.example',
      'X-Request-Id',
      'generated-id',
    ],
  },
  {
    name: 'behind a trusted load balancer appends the peer to every X-Forwarded-For line, merged into one',
    raw: ['Host', 'h', 'X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2, 3.3.3.3'],
    facts: { trustForwardedHeaders: true },
    expect: [
      'Host',
      'h',
      'X-Forwarded-For',
      '1.1.1.1, 2.2.2.2, 3.3.3.3, 10.1.2.3',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'h',
      'X-Request-Id',
      'generated-id',
    ],
  },
  {
    name: 'with nothing trusted in front, replaces a client X-Forwarded-For and drops its Forwarded (issue 13)',
    raw: [
      'Host',
      'h',
      'X-Forwarded-For',
      '1.1.1.1',
      'Forwarded',
      'for=1.1.1.1;proto=https',
      'FORWARDED',
      'for=2.2.2.2',
    ],
    expect: [
      'Host',
      'h',
      'X-Forwarded-For',
      '10.1.2.3',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'h',
      'X-Request-Id',
      'generated-id',
    ],
  },
  {
    name: 'behind a trusted load balancer keeps Forwarded as it came',
    raw: ['Host', 'h', 'Forwarded', 'for=1.1.1.1'],
    facts: { trustForwardedHeaders: true },
    expect: [
      'Host',
      'h',
      'Forwarded',
      'for=1.1.1.1',
      'X-Forwarded-For',
      '10.1.2.3',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'h',
      'X-Request-Id',
      'generated-id',
    ],
  },
  {
    name: 'replaces client-sent X-Forwarded-Proto/Host when they are not trusted',
    raw: ['Host', 'h', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'evil.example'],
    expect: [
      'Host',
      'h',
      'X-Forwarded-For',
      '10.1.2.3',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'h',
      'X-Request-Id',
      'generated-id',
    ],
  },
  {
    name: 'keeps X-Forwarded-Proto/Host from a trusted load balancer',
    raw: ['Host', 'h', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'public.example'],
    facts: { trustForwardedHeaders: true },
    expect: [
      'Host',
      'h',
      'X-Forwarded-Proto',
      'https',
      'X-Forwarded-Host',
      'public.example',
      'X-Forwarded-For',
      '10.1.2.3',
      'X-Request-Id',
      'generated-id',
    ],
  },
  {
    name: 'drops hop-by-hop, Connection-listed, internal and router-control headers',
    raw: [
      'Host',
      'h',
      'Connection',
      'keep-alive, X-Secret',
      'Keep-Alive',
      'timeout=5',
      'X-Secret',
      's',
      'TE',
      'trailers',
      'Transfer-Encoding',
      'chunked',
      'Upgrade',
      'h2c',
      'Proxy-Authorization',
      'p',
      'X-Lambda-Id',
      'l',
      'X-Channel-Id',
      'c',
      'X-Pool-Id',
      'p',
      'X-Lambda-Name',
      'f',
      'X-Lambda-Dispatch-Debug',
      'true',
      'Cookie',
      'a=b',
    ],
    expect: [
      'Host',
      'h',
      'Cookie',
      'a=b',
      'X-Forwarded-For',
      '10.1.2.3',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'h',
      'X-Request-Id',
      'generated-id',
    ],
  },
  {
    name: 'synthesizes Host from :authority and drops pseudo-headers for HTTP/2 clients',
    raw: [':method', 'GET', ':path', '/x', ':scheme', 'https', ':authority', 'h2.example:8443', 'accept', '*/*'],
    facts: { proto: 'https' },
    expect: [
      'accept',
      '*/*',
      'Host',
      'h2.example:8443',
      'X-Forwarded-For',
      '10.1.2.3',
      'X-Forwarded-Proto',
      'https',
      'X-Forwarded-Host',
      'h2.example:8443',
      'X-Request-Id',
      'generated-id',
    ],
  },
  {
    name: 'an HTTP/2 request that also sent host keeps it and adds none',
    raw: [':authority', 'a.example', 'host', 'a.example'],
    expect: [
      'host',
      'a.example',
      'X-Forwarded-For',
      '10.1.2.3',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'a.example',
      'X-Request-Id',
      'generated-id',
    ],
  },
  {
    name: 'keeps a valid client X-Request-Id (moved to the end, once)',
    raw: ['X-Request-Id', 'abc-123', 'Host', 'h', 'x-request-id', 'second'],
    expect: [
      'Host',
      'h',
      'X-Forwarded-For',
      '10.1.2.3',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'h',
      'X-Request-Id',
      'abc-123',
    ],
    requestId: 'abc-123',
  },
  {
    name: 'replaces an invalid client X-Request-Id',
    raw: ['Host', 'h', 'X-Request-Id', 'has spaces <script>'],
    expect: [
      'Host',
      'h',
      'X-Forwarded-For',
      '10.1.2.3',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'h',
      'X-Request-Id',
      'generated-id',
    ],
  },
  {
    name: 'writes IPv4-mapped IPv6 peers in dotted form',
    raw: ['Host', 'h'],
    facts: { clientAddress: '::ffff:192.0.2.7' },
    expect: [
      'Host',
      'h',
      'X-Forwarded-For',
      '192.0.2.7',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'h',
      'X-Request-Id',
      'generated-id',
    ],
  },
  {
    name: 'keeps IPv6 peers as they are',
    raw: [],
    facts: { clientAddress: '2001:db8::1' },
    expect: ['X-Forwarded-For', '2001:db8::1', 'X-Forwarded-Proto', 'http', 'X-Request-Id', 'generated-id'],
  },
  {
    name: 'writes "unknown" when the socket is already gone, and no X-Forwarded-Host without a host',
    raw: [],
    facts: { clientAddress: undefined },
    expect: ['X-Forwarded-For', 'unknown', 'X-Forwarded-Proto', 'http', 'X-Request-Id', 'generated-id'],
  },
]

for (const row of cases) {
  test(row.name, () => {
    const input = [...row.raw]
    const result = buildUpstreamHeaders(input, { ...plain, ...row.facts }, fixedId)
    assert.deepEqual(result.headers, row.expect)
    assert.equal(result.requestId, row.requestId ?? 'generated-id')
    assert.deepEqual(input, row.raw, 'the client list is not modified')
  })
}

test('request ids: ordinary ids pass, odd ones do not', () => {
  for (const good of [
    'abc',
    '3f2b8c1e-8d2a-4c1e-9f5e-1a2b3c4d5e6f',
    'Root=1-5759e988-bd862e3fe1be46a994272793',
    'a.b:c/d+e@f~g_h',
  ]) {
    assert.equal(isValidRequestId(good), true, good)
  }
  for (const bad of ['', 'a b', 'a,b', 'quote"', 'x'.repeat(201), 'tab\t'])
    assert.equal(isValidRequestId(bad), false, bad)
})
