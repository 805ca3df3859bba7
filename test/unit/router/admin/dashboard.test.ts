// The dashboard page (issue 8 item 4) is one self-contained document: its script compiles, nothing is loaded from
// elsewhere, it reads /api/events, and the elements the browser test and operators rely on are there.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DASHBOARD_HTML } from '../../../../src/router/admin/dashboard.js'
import { DASHBOARD_CSS } from '../../../../src/router/admin/dashboard-style.js'

test('the page has exactly one inline script, and it compiles', () => {
  const scripts = [...DASHBOARD_HTML.matchAll(/<script>([\s\S]*?)<\/script>/g)]
  assert.equal(scripts.length, 1)
  assert.doesNotThrow(() => new Function(scripts[0]?.[1] as string))
})

test('nothing is loaded from another origin: no src, no stylesheet link, no URL but the SVG namespace', () => {
  assert.doesNotMatch(DASHBOARD_HTML, /<script[^>]+src=/)
  assert.doesNotMatch(DASHBOARD_HTML, /<link\b/)
  assert.doesNotMatch(DASHBOARD_HTML, /@import|url\(/)
  const urls = [...DASHBOARD_HTML.matchAll(/https?:\/\/[^\s'"]+/g)].map((match) => match[0])
  assert.deepEqual([...new Set(urls)], ['http://www.w3.org/2000/svg'])
})

test('the page listens to /api/events for snapshots and recent errors', () => {
  assert.match(DASHBOARD_HTML, /new EventSource\('\/api\/events'\)/)
  assert.match(DASHBOARD_HTML, /addEventListener\('snapshot'/)
  assert.match(DASHBOARD_HTML, /addEventListener\('recent-error'/)
})

test('every live number, table and chart has its element', () => {
  const testIds = ['rps', 'requests-total', 'p50', 'p99', 'errors-per-second', 'queue', 'instances-open']
  for (const testId of [...testIds, 'websockets-open', 'websocket-handshakes']) {
    assert.match(DASHBOARD_HTML, new RegExp(`data-testid="${testId}"`), testId)
  }
  for (const id of ['pools', 'instances', 'websockets', 'outcomes', 'invoke-results', 'exit-reasons', 'errors']) {
    assert.match(DASHBOARD_HTML, new RegExp(`id="${id}"`), id)
  }
  assert.match(DASHBOARD_HTML, /<svg id="chart-rps"/)
  assert.match(DASHBOARD_HTML, /<svg id="chart-latency"/)
})

test('the style sheet is inlined into the page', () => {
  assert.ok(DASHBOARD_HTML.includes(`<style>\n${DASHBOARD_CSS}</style>`))
  assert.match(DASHBOARD_CSS, /:root \{/)
})

test('data reaches the page through textContent only', () => {
  assert.doesNotMatch(DASHBOARD_HTML, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/)
})
