// Issue 13 item 5, the front door's header hygiene on real sockets: with nothing trusted in front
// (TrustForwardedHeaders=false) a client's X-Forwarded-For and Forwarded are replaced by the peer the router saw, so
// an app that reads the leftmost address cannot be fooled; behind a trusted load balancer they are appended to and
// kept. An HTTP/2 request whose Host differs from :authority is malformed (RFC 9113 §8.3.1): 400 and a graceful
// GOAWAY (as for every bad client request), no pool sees it, and the router serves on.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as http2Connect } from 'node:http2'
import { test } from 'node:test'
import { request as undiciRequest } from 'undici'
import { getHeader } from '../../src/protocol/index.js'
import { respondWith, ScriptedDispatcher } from '../helpers/scripted-dispatcher.js'
import { startFrontDoor } from '../helpers/start-router.js'
import type { AfterHookTarget } from '../helpers/teardown.js'

function okPool(t: AfterHookTarget): ScriptedDispatcher {
  return new ScriptedDispatcher(t, (call) => respondWith(call.handler, 200, ['Content-Type', 'text/plain'], 'ok'))
}

const SPOOFED = { 'x-forwarded-for': '203.0.113.7', forwarded: 'for=203.0.113.7;proto=https' }

test('with nothing trusted in front, a client X-Forwarded-For and Forwarded are replaced by the peer the router saw', async (t) => {
  const pool = okPool(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  t.after(() => door.close())
  const response = await undiciRequest(`${door.httpUrl}/who`, { headers: SPOOFED })
  assert.equal(response.statusCode, 200)
  await response.body.text()
  const headers = pool.calls[0]?.request.headers ?? []
  assert.equal(getHeader(headers, 'x-forwarded-for'), '127.0.0.1')
  assert.equal(getHeader(headers, 'forwarded'), undefined)
  assert.equal(headers.filter((_, index) => index % 2 === 0 && headers[index] === 'X-Forwarded-For').length, 1)
})

test('with TrustForwardedHeaders a client X-Forwarded-For is appended to and Forwarded is kept', async (t) => {
  const pool = okPool(t)
  const door = await startFrontDoor({ pools: { default: pool }, trustForwardedHeaders: true })
  t.after(() => door.close())
  const response = await undiciRequest(`${door.httpUrl}/who`, { headers: SPOOFED })
  await response.body.text()
  const headers = pool.calls[0]?.request.headers ?? []
  assert.equal(getHeader(headers, 'x-forwarded-for'), '203.0.113.7, 127.0.0.1')
  assert.equal(getHeader(headers, 'forwarded'), 'for=203.0.113.7;proto=https')
})

test('an HTTP/2 request whose host differs from :authority gets 400, reaches no pool, and the router serves on', async (t) => {
  const pool = okPool(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  t.after(() => door.close())
  const ask = async (headers: Record<string, string>): Promise<{ status: number; body: string }> => {
    const session = http2Connect(door.httpUrl)
    t.after(() => session.destroy())
    const stream = session.request({ ':method': 'GET', ':path': '/where', ...headers })
    const [response] = (await once(stream, 'response')) as [Record<string, unknown>]
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    await once(stream, 'end')
    return { status: Number(response[':status']), body: Buffer.concat(chunks).toString() }
  }
  const refused = await ask({ ':authority': 'app.example', host: 'admin.internal' })
  assert.equal(refused.status, 400)
  assert.match(refused.body, /\(LD_BAD_CLIENT_REQUEST\)\n$/)
  assert.equal(pool.calls.length, 0)
  const same = await ask({ ':authority': 'app.example', host: 'APP.example' })
  assert.deepEqual(same, { status: 200, body: 'ok' })
  assert.equal(pool.calls.length, 1)
  assert.deepEqual(pool.violations, [])
})
