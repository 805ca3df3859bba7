// Issue 8 item 5: the dashboard in a real browser (Debian's chromium through playwright-core) against the whole local
// stack: before any request there is no instance; under load an instance row appears, the live numbers move
// (requests/s above 0, the request count up to the load), and both charts draw their paths; WebSockets through the
// demo app's echo show up as open, handshakes, closes and bytes (issue 18). Every wait is on the DOM changing (the
// page redraws when a Server-Sent Event arrives), never a sleep.
// DASHBOARD_SCREENSHOT=1 also drives a longer mixed load and saves docs/images/dashboard.png for the README.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { chromium, type Page } from 'playwright-core'
import { Agent, request } from 'undici'
import type WebSocket from 'ws'
import { type LocalStack, startLocalStack } from '../../src/cli/local-stack.js'
import { deferred } from '../helpers/deferred.js'
import { killProcessGroup } from '../helpers/local-lambda.js'
import { teardown } from '../helpers/teardown.js'
import { echoOnce, openSocket, wsUrl } from '../helpers/ws-client.js'

const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT === '1'
const SCREENSHOT_PATH = resolve(import.meta.dirname, '../../docs/images/dashboard.png')
// Never download a browser: Debian's, headless, no network side traffic, a fresh profile.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const LOAD_REQUESTS = 300
const LOAD_CONCURRENCY = 10

/** Sends `total` requests over `concurrency` keep-alive connections; resolves with the statuses seen. */
async function driveLoad(agent: Agent, origin: string, total: number, pathFor: (index: number) => string) {
  const statuses = new Map<number, number>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < total) {
      const index = next++
      const response = await request(`${origin}${pathFor(index)}`, { dispatcher: agent })
      await response.body.dump()
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, worker))
  return statuses
}

// The page's document as the predicates below use it (the test's TypeScript has no DOM library). Each predicate is
// self-contained: Playwright sends its source to the page (the page's CSP forbids evaluating strings).
interface PageDocument {
  querySelector(selector: string): { readonly textContent: string | null } | null
}

/**
 * Chromium's browser process, from the profile's SingletonLock link (`<hostname>-<pid>`). It leads its own process
 * group: playwright spawns it detached, and Debian's launcher script execs it.
 */
function chromiumPid(userDataDir: string): number {
  const lock = readlinkSync(join(userDataDir, 'SingletonLock'))
  const pid = Number(/-(\d+)$/.exec(lock)?.[1])
  assert.ok(Number.isInteger(pid) && pid > 0, `SingletonLock names the browser process: ${lock}`)
  return pid
}

/** Resolves when the number shown in `selector` (commas allowed) satisfies `op` against `value`. */
function waitForNumber(page: Page, selector: string, op: '===' | '>=' | '>', value: number): Promise<unknown> {
  return page.waitForFunction(
    (arg) => {
      const doc = (globalThis as unknown as { document: PageDocument }).document
      const text = doc.querySelector(arg.selector)?.textContent ?? ''
      if (text === '' || text === '-') return false
      const shown = Number(text.replace(/,/g, ''))
      return arg.op === '===' ? shown === arg.value : arg.op === '>=' ? shown >= arg.value : shown > arg.value
    },
    { selector, op, value },
  )
}

/** Resolves when the text shown in `selector` matches `pattern` (a RegExp source). */
function waitForMatch(page: Page, selector: string, pattern: string): Promise<unknown> {
  return page.waitForFunction(
    (arg) =>
      new RegExp(arg.pattern).test(
        (globalThis as unknown as { document: PageDocument }).document.querySelector(arg.selector)?.textContent ?? '',
      ),
    { selector, pattern },
  )
}

function waitForText(page: Page, selector: string, text: string): Promise<unknown> {
  return page.waitForFunction(
    (arg) =>
      (globalThis as unknown as { document: PageDocument }).document.querySelector(arg.selector)?.textContent ===
      arg.text,
    { selector, text },
  )
}

/**
 * Opens a WebSocket to the demo app's echo. The load's instances may be scaling in, leaving none open for a moment:
 * that handshake gets 503 (and counts as demand, so an instance starts), and the next one goes out once an instance
 * opened, as a client retries after Retry-After.
 */
async function openSocketOnceServing(stack: LocalStack, url: string): Promise<WebSocket> {
  for (let attempt = 1; ; attempt++) {
    let unsubscribe = (): void => {}
    const instanceOpened = new Promise<void>((resolve) => {
      unsubscribe = stack.router.events.instanceStateChanged.subscribe((change) => {
        if (change.to === 'open') resolve()
      })
    })
    try {
      return await openSocket(wsUrl(url, '/ws'))
    } catch (error) {
      if (attempt === 3 || !/handshake answered 503/.test(String(error))) throw error
      await instanceOpened
    } finally {
      unsubscribe()
    }
  }
}

/** Resolves with the state shown in the first instance row, once there is one. */
async function waitForFirstRowState(page: Page): Promise<string> {
  const handle = await page.waitForFunction(() => {
    const doc = (globalThis as unknown as { document: PageDocument }).document
    return doc.querySelector('#instances tbody tr td:nth-child(3)')?.textContent || false
  })
  return String(await handle.jsonValue())
}

test('the dashboard shows an instance appear, live request numbers, drawn charts and WebSockets while load runs', {
  skip: existsSync(CHROMIUM) ? false : `skipped: ${CHROMIUM} is missing (CI installs Debian's chromium in .ci/run)`,
}, async (t) => {
  const defer = teardown(t)
  // Removed last, once no Chromium process is left to write there.
  const userDataDir = mkdtempSync(join(tmpdir(), 'ld-dashboard-'))
  defer(() => rmSync(userDataDir, { recursive: true, force: true }))
  const stack = await startLocalStack({
    frontDoorPort: 0,
    controlPort: 0,
    adminPort: 0,
    childOutput: 'ignore',
    freezeWhenIdle: false,
  })
  defer(() => stack.close())
  const agent = new Agent({ connections: LOAD_CONCURRENCY })
  defer(() => agent.close())
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 1000 },
  })
  let browserPid: number | undefined
  defer(async () => {
    // close() returns once the browser process has exited; its zygotes, renderers and storage service may still be
    // exiting and writing into the profile. Whatever is left of the group is killed and awaited, also when close()
    // throws.
    try {
      await context.close()
    } finally {
      if (browserPid !== undefined) await killProcessGroup(browserPid)
    }
  })
  browserPid = chromiumPid(userDataDir)
  const page = context.pages()[0] ?? (await context.newPage())
  const pageErrors: string[] = []
  page.on('pageerror', (error) => pageErrors.push(error.message))

  await page.goto(`${stack.addresses.adminUrl}/`)
  // The first snapshot arrived: the stream is live, no request and no instance yet (MinInstances is 0).
  await waitForText(page, '#connection', 'live')
  await waitForNumber(page, '[data-testid=requests-total]', '===', 0)
  assert.equal(await page.locator('#instances tbody tr').count(), 0)
  assert.equal(await page.locator('#instances-empty').isVisible(), true)

  const load = driveLoad(agent, stack.addresses.frontDoorUrl, LOAD_REQUESTS, (index) =>
    index % 10 === 9 ? '/delay?ms=20' : '/ping',
  )
  // The first request starts an instance; its row appears while the load runs, with its state.
  const rowState = await waitForFirstRowState(page)
  assert.ok(['initial', 'starting', 'open', 'draining'].includes(rowState), `instance state shown: ${rowState}`)
  const statuses = await load
  assert.deepEqual([...statuses], [[200, LOAD_REQUESTS]])

  await waitForNumber(page, '[data-testid=requests-total]', '===', LOAD_REQUESTS)
  await waitForNumber(page, '[data-testid=rps]', '>', 0)
  await waitForNumber(page, '[data-testid=invokes-per-minute]', '>=', 1)
  // Issue 14: how many invokes the requests cost, as a plain number (here a few invokes for all the requests).
  assert.match((await page.textContent('[data-testid=invokes-per-request]')) ?? '', /^\d+(\.\d+)?$/)
  assert.match((await page.textContent('[data-testid=p50]')) ?? '', /^\d+(\.\d+)? (ms|s)$/)

  // Both charts drew: the request line and the p50/p99 lines have points (SVG path data with line segments).
  for (const selector of [
    '#chart-rps path[data-series=requests]',
    '#chart-latency path[data-series=p50]',
    '#chart-latency path[data-series=p99]',
  ]) {
    const d = await page.getAttribute(selector, 'd')
    assert.match(d ?? '', /^M[\d.]+ [\d.]+/, `${selector} has path data`)
  }
  const outcome = await page.locator('#outcomes').textContent()
  assert.match(outcome ?? '', /2xx/)

  // Two WebSockets echo once each; one closes. The pool's row shows one open, two accepted, one close and its bytes.
  assert.equal(await page.locator('#websockets-empty').isVisible(), true)
  const url = stack.addresses.frontDoorUrl
  const sockets = [await openSocketOnceServing(stack, url), await openSocketOnceServing(stack, url)] as const
  defer(() => {
    for (const socket of sockets) socket.terminate()
  })
  assert.deepEqual(await Promise.all(sockets.map((socket) => echoOnce(socket, 'seen on the dashboard'))), [
    'seen on the dashboard',
    'seen on the dashboard',
  ])
  await waitForNumber(page, '[data-testid=websockets-open]', '===', 2)
  const [closing] = sockets
  const closed = new Promise((resolve) => closing.once('close', resolve))
  closing.close(1000)
  await closed
  await waitForNumber(page, '[data-testid=websockets-open]', '===', 1)
  await waitForNumber(page, '[data-testid=websocket-handshakes]', '>=', 2)
  const row = '#websockets tbody tr'
  await waitForMatch(page, `${row} td[data-field=closes]`, '^(app|client) 1$')
  assert.match((await page.textContent(`${row} td[data-field=handshakes]`)) ?? '', /^accepted 2( · no-capacity \d+)?$/)
  assert.equal(await page.textContent(`${row} td[data-field=open]`), '1')
  // The closed socket's frames: the message and the close each way (the masked client frames are the longer).
  assert.match((await page.textContent(`${row} td[data-field=client-to-app]`)) ?? '', /^\d+ B$/)
  assert.match((await page.textContent(`${row} td[data-field=app-to-client]`)) ?? '', /^\d+ B$/)
  assert.notEqual(await page.textContent(`${row} td[data-field=client-to-app]`), '0 B')
  assert.equal(await page.textContent(`${row} td[data-field=cut-off]`), '0')
  assert.equal(await page.locator('#websockets-empty').isVisible(), false)
  assert.deepEqual(pageErrors, [])

  if (SCREENSHOT) {
    await screenshotUnderMixedLoad(page, agent, stack.addresses.frontDoorUrl)
  }
})

// A longer, varied load for the README picture: fast and slow routes, some 404s and 500s, over half a minute. The
// picture is taken while the load still runs (after 25 s, at the next redraw), so instances are open and busy. Only
// with DASHBOARD_SCREENSHOT=1; the test itself does not depend on it.
async function screenshotUnderMixedLoad(page: Page, agent: Agent, origin: string): Promise<void> {
  const pathFor = (index: number): string => {
    if (index % 97 === 0) return '/status/500'
    if (index % 41 === 0) return '/status/404'
    if (index % 5 === 0) return `/delay?ms=${20 + (index % 7) * 15}`
    if (index % 7 === 0) return '/bytes?n=65536'
    return '/ping'
  }
  const startedMs = Date.now()
  const { promise: late, resolve: onLate } = deferred()
  let sent = 0
  const worker = async (): Promise<void> => {
    while (Date.now() - startedMs < 30_000) {
      if (Date.now() - startedMs >= 25_000) onLate()
      const response = await request(`${origin}${pathFor(sent++)}`, { dispatcher: agent })
      await response.body.dump()
    }
  }
  const load = Promise.all(Array.from({ length: LOAD_CONCURRENCY }, worker))
  await late
  const before = await page.textContent('#updated')
  await page.waitForFunction(
    (previous) =>
      (globalThis as unknown as { document: PageDocument }).document.querySelector('#updated')?.textContent !==
      previous,
    before,
  )
  await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true })
  await load
}
