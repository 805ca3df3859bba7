// Issue 5: GET and POST through the whole local stack (router → local Lambda → extension → demo app) over HTTP/1.1
// and h2c, with header hygiene visible at the app.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { describe, test } from 'node:test'
import { request } from 'undici'
import { getText, h1Client, h2cSession, h2Request, sha256, startE2eStack } from '../helpers/e2e-stack.js'

describe('the local stack serves requests end to end', () => {
  test('GET /ping over HTTP/1.1 returns pong from the app through a Lambda instance', async (t) => {
    // The extension stays for the second request however late it comes: with its default 250 ms idle grace a busy
    // machine can let it leave first, and the next invoke then finds its environment still finishing.
    const stack = await startE2eStack(t, { functionEnv: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '600000' } })
    const agent = h1Client(t)
    const first = await getText(agent, `${stack.addresses.frontDoorUrl}/ping`)
    assert.equal(first.status, 200)
    assert.equal(first.body, 'pong')
    const second = await getText(agent, `${stack.addresses.frontDoorUrl}/ping`)
    assert.equal(second.body, 'pong')
    const stats = stack.lambda.stats(stack.functionName)
    assert.equal(
      stats.coldStarts,
      1,
      `the second request reuses the instance the first one started: ${JSON.stringify(stats)}`,
    )
    assert.equal(stats.invokes.RequestResponse, 1)
  })

  test('POST /echo over HTTP/1.1 and h2c returns the body byte for byte, and GET works over h2c', async (t) => {
    const stack = await startE2eStack(t)
    const url = stack.addresses.frontDoorUrl
    const payload = randomBytes(300_000)

    const h1 = await request(`${url}/echo`, { method: 'POST', body: payload, dispatcher: h1Client(t) })
    assert.equal(h1.statusCode, 200)
    assert.equal(sha256(Buffer.from(await h1.body.arrayBuffer())), sha256(payload))

    const session = h2cSession(t, url)
    const h2Post = await h2Request(session, { ':method': 'POST', ':path': '/echo' }, payload)
    assert.equal(h2Post.status, 200)
    assert.equal(sha256(h2Post.body), sha256(payload))

    const h2Get = await h2Request(session, { ':method': 'GET', ':path': '/ping' })
    assert.equal(h2Get.status, 200)
    assert.equal(h2Get.body.toString(), 'pong')
  })

  test('the app sees X-Forwarded-* and the request id, never hop-by-hop or spoofed internal headers', async (t) => {
    const stack = await startE2eStack(t)
    // node:http, because undici refuses to send hop-by-hop headers at all.
    const response = await rawGet(`${stack.addresses.frontDoorUrl}/headers`, {
      'x-request-id': 'e2e-request-1',
      'x-lambda-id': 'spoofed',
      'x-channel-id': 'spoofed',
      connection: 'keep-alive, x-hop',
      'keep-alive': 'timeout=5',
      'x-hop': 'only for the next hop',
      'x-custom': 'kept',
    })
    assert.equal(response.status, 200)
    const seen = JSON.parse(response.body) as { headers: string[] }
    const names = new Map<string, string[]>()
    for (let index = 0; index < seen.headers.length; index += 2) {
      const name = (seen.headers[index] as string).toLowerCase()
      names.set(name, [...(names.get(name) ?? []), seen.headers[index + 1] as string])
    }
    assert.deepEqual(names.get('x-custom'), ['kept'])
    assert.deepEqual(names.get('x-request-id'), ['e2e-request-1'])
    assert.equal(names.get('x-forwarded-proto')?.[0], 'http')
    assert.ok(names.get('x-forwarded-for')?.[0]?.includes('127.0.0.1'))
    assert.equal(names.has('keep-alive'), false)
    assert.equal(names.has('x-hop'), false, 'a name listed in Connection is hop-by-hop too')
    assert.ok(!(names.get('x-lambda-id') ?? []).includes('spoofed'), 'the spoofed lambda id never reaches the app')
    assert.equal(response.headers['x-lambda-id'], undefined, 'internal ids never reach the client')
    assert.equal(response.headers['x-channel-id'], undefined)
  })

  test('a request for the reserved goaway path is refused with 400 and the router stays healthy', async (t) => {
    const stack = await startE2eStack(t)
    const agent = h1Client(t)
    const refused = await getText(agent, `${stack.addresses.frontDoorUrl}/_lambda_dispatch/goaway`)
    assert.equal(refused.status, 400)
    assert.equal(stack.lambda.stats(stack.functionName).invokes.RequestResponse, 0, 'no Lambda was invoked for it')
    assert.equal((await getText(agent, `${stack.addresses.frontDoorUrl}/ping`)).body, 'pong')
  })
})

function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.get(url, { headers, agent: false }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          headers: response.headers,
        }),
      )
    })
    outgoing.on('error', reject)
  })
}
