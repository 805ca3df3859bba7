// Issue 13 items 4 and 5, the extension's side of header hygiene: the app sees no X-Pool-Id, X-Lambda-Id or
// X-Channel-Id unless LAMBDA_DISPATCH_FORWARD_INTERNAL_HEADERS asks (an app that echoes request headers would
// publish them), and the response loses the headers the app names in its Connection header (RFC 9110 §7.6.1), which
// the router cannot drop since it never sees that Connection header.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { getHeader } from '../../src/protocol/index.js'
import { startHarness } from '../helpers/extension-harness.js'

const ENV = { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000' }
const INTERNAL = ['x-pool-id', 'x-lambda-id', 'x-channel-id']

/** An app that echoes the request header names and answers with a header it lists in Connection. */
async function startApp(t: TestContext): Promise<number> {
  const server = createServer((req, res) => {
    res.writeHead(200, [
      ['Content-Type', 'application/json'],
      ['Connection', 'keep-alive, X-Secret'],
      ['X-Secret', 'only for the next hop'],
      ['X-Kept', 'yes'],
    ])
    res.end(JSON.stringify(req.rawHeaders))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  return (server.address() as AddressInfo).port
}

async function exchange(t: TestContext, env: Record<string, string>) {
  const harness = await startHarness(t, { env: { ...ENV, ...env }, appPort: await startApp(t) })
  void harness.invoke({ id: 'lambda-headers', numberOfChannels: 1 })
  const result = await harness.router.request({
    method: 'GET',
    target: '/',
    headers: ['Host', 'example.com', 'X-Lambda-Id', 'spoofed'],
  })
  await harness.router.goawayParked()
  const seen = JSON.parse(result.body.toString()) as string[]
  return { result, seenNames: seen.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase()), seen }
}

test('by default the app sees no internal ids, and headers the app lists in Connection never leave the extension', async (t) => {
  const { result, seenNames } = await exchange(t, {})
  for (const name of INTERNAL) assert.equal(seenNames.includes(name), false, name)
  const headers = result.head?.headers ?? []
  assert.equal(getHeader(headers, 'x-secret'), undefined)
  assert.equal(getHeader(headers, 'connection'), undefined)
  assert.equal(getHeader(headers, 'x-kept'), 'yes')
})

test('with LAMBDA_DISPATCH_FORWARD_INTERNAL_HEADERS=true the app sees the ids first, never the spoofed one', async (t) => {
  const { seen, seenNames } = await exchange(t, { LAMBDA_DISPATCH_FORWARD_INTERNAL_HEADERS: 'true' })
  const ours = seenNames.filter((name) => name !== 'host' && name !== 'connection')
  assert.deepEqual(ours.slice(0, 3), INTERNAL)
  assert.equal(getHeader(seen, 'x-lambda-id'), 'lambda-headers')
  assert.equal(seenNames.filter((name) => name === 'x-lambda-id').length, 1)
})
