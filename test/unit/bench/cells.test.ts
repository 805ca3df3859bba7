// The benchmark matrix: every combination in workload order, the cells that cannot run anywhere, and --cells patterns.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildCells, notApplicable, selectCells } from '../../../bench/lib/cells.js'
import { renderNginxConfig } from '../../../bench/lib/nginx-config.js'

test('the full matrix has every route, protocol, concurrency and path, the four paths of a workload together', () => {
  const cells = buildCells({})
  assert.equal(cells.length, 2 * 2 * 4 * 4)
  assert.deepEqual(
    cells.slice(0, 5).map((cell) => cell.id),
    ['ping/h1/c1/direct', 'ping/h1/c1/nginx', 'ping/h1/c1/bare', 'ping/h1/c1/dispatch', 'ping/h1/c10/direct'],
  )
  assert.equal(new Set(cells.map((cell) => cell.id)).size, cells.length)
})

test('only direct and the bare tunnel over h2c are not applicable: the app and that front door speak HTTP/1.1', () => {
  const cases = [
    { path: 'direct', protocol: 'h2c', applicable: false },
    { path: 'direct', protocol: 'h1', applicable: true },
    { path: 'bare', protocol: 'h2c', applicable: false },
    { path: 'bare', protocol: 'h1', applicable: true },
    { path: 'nginx', protocol: 'h2c', applicable: true },
    { path: 'dispatch', protocol: 'h2c', applicable: true },
  ] as const
  for (const row of cases) assert.equal(notApplicable(row) === undefined, row.applicable, `${row.path} ${row.protocol}`)
})

test('--cells patterns match whole segments, * within a segment, and a short pattern matches the rest', () => {
  const cells = buildCells({})
  const ids = (patterns: string[]): string[] => selectCells(cells, patterns).map((cell) => cell.id)
  const cases = [
    { patterns: ['ping/h1/c10/dispatch'], expected: ['ping/h1/c10/dispatch'] },
    {
      patterns: ['ping/h1/c10'],
      expected: ['ping/h1/c10/direct', 'ping/h1/c10/nginx', 'ping/h1/c10/bare', 'ping/h1/c10/dispatch'],
    },
    { patterns: ['*/h2c/c200/nginx'], expected: ['ping/h2c/c200/nginx', '64k/h2c/c200/nginx'] },
    { patterns: ['ping/**/dispatch'], expected: ids(['ping']).filter((id) => id.endsWith('/dispatch')) },
    {
      patterns: ['ping/h1/c1'],
      expected: ['ping/h1/c1/direct', 'ping/h1/c1/nginx', 'ping/h1/c1/bare', 'ping/h1/c1/dispatch'],
    },
    { patterns: ['64k/h1/c5*/direct', 'nothing'], expected: ['64k/h1/c50/direct'] },
  ]
  for (const row of cases) assert.deepEqual(ids(row.patterns), row.expected, row.patterns.join(','))
  assert.equal(ids([]).length, cells.length)
  assert.equal(ids(['ping']).length, 32)
})

test('the nginx configuration runs one worker with a keep-alive upstream and both listeners', () => {
  const config = renderNginxConfig({ dir: '/tmp/x', appPort: 3001, h1Port: 8080, h2cPort: 8081 })
  for (const line of [
    'worker_processes 1;',
    'daemon off;',
    'pid /tmp/x/nginx.pid;',
    'server 127.0.0.1:3001;',
    'keepalive 256;',
    'listen 127.0.0.1:8080;',
    'listen 127.0.0.1:8081 http2;',
    'proxy_http_version 1.1;',
    'proxy_set_header Connection "";',
    'access_log off;',
    'client_max_body_size 0;',
  ]) {
    assert.ok(config.includes(line), line)
  }
  assert.equal(config.match(/keepalive_requests 10000000;/g)?.length, 2)
})
