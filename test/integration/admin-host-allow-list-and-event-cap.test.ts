// Issue 13 item 5: the admin listener of a real router answers only Host values on its allow-list (IP literals,
// loopback names, AdminHost, AdminAllowedHosts): a page whose domain was rebound to the router's address gets 421
// and no snapshot. And it holds at most 32 /api/events streams: one more gets 503 with Retry-After.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http'
import { test } from 'node:test'
import { DEFAULT_MAX_EVENT_CLIENTS } from '../../src/router/admin/server.js'
import { startRouter } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'

/** A GET with an explicit Host header, on its own connection; resolves once the response head arrived. */
async function get(
  adminUrl: string,
  path: string,
  host: string,
): Promise<{ request: ClientRequest; response: IncomingMessage }> {
  const url = new URL(path, adminUrl)
  const request = httpRequest(url, { headers: { host }, agent: false })
  request.end()
  const [response] = (await once(request, 'response')) as [IncomingMessage]
  return { request, response }
}

async function text(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of response) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString()
}

test('the admin listener answers IP literals, loopback names and allow-listed hosts, and 421 for any other Host', async (t) => {
  const router = await startRouter({ env: { LAMBDA_DISPATCH_AdminAllowedHosts: 'ops.example' } })
  t.after(() => router.close())
  const admin = router.addresses.adminUrl
  const port = new URL(admin).port
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'ops.example']) {
    const { response } = await get(admin, '/api/snapshot', host)
    assert.equal(response.statusCode, 200, host)
    assert.equal(typeof JSON.parse(await text(response)), 'object')
  }
  for (const host of [`rebind.attacker.example:${port}`, 'localhost.attacker.example']) {
    for (const path of ['/api/snapshot', '/api/events', '/metrics', '/']) {
      const { response } = await get(admin, path, host)
      assert.equal(response.statusCode, 421, `${host} ${path}`)
      assert.equal(await text(response), 'misdirected request\n')
    }
  }
})

test('the admin listener holds at most 32 event streams; one more gets 503 with Retry-After and the rest of it answers on', async (t) => {
  const defer = teardown(t)
  const router = await startRouter()
  defer(() => router.close())
  const admin = router.addresses.adminUrl
  const host = new URL(admin).host
  assert.equal(DEFAULT_MAX_EVENT_CLIENTS, 32)
  const streams: ClientRequest[] = []
  defer(() => {
    for (const stream of streams) stream.destroy()
  })
  for (let index = 0; index < DEFAULT_MAX_EVENT_CLIENTS; index++) {
    const { request, response } = await get(admin, '/api/events', host)
    assert.equal(response.statusCode, 200)
    response.resume()
    streams.push(request)
  }
  const refused = await get(admin, '/api/events', host)
  assert.equal(refused.response.statusCode, 503)
  assert.equal(refused.response.headers['retry-after'], '2')
  assert.equal(await text(refused.response), 'too many event streams\n')
  // The snapshot and health still answer while the streams are full.
  assert.equal((await get(admin, '/health', host)).response.statusCode, 200)
})
