// Issue 18: WebSockets through the tunnel, end to end (router → channel → extension → demo app's `ws` echo), with the
// real `ws` client over HTTP/1.1 and a node:http2 client doing RFC 8441 extended CONNECT over h2c.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import http2 from 'node:http2'
import { describe, test } from 'node:test'
import { request } from 'undici'
import WebSocket from 'ws'
import { getText, h1Client, h2cSession, sha256, startE2eStack } from '../helpers/e2e-stack.js'
import { parsePrometheusText } from '../helpers/prometheus-text.js'
import { teardown } from '../helpers/teardown.js'
import { openSocket, wsUrl } from '../helpers/ws-client.js'

// The extension stays in its invoke for the whole test: its idle grace would otherwise end an invoke between steps.
const STAY = { functionEnv: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '600000' } }

/** Sends every message in order and resolves with what came back, in arrival order. */
async function echoAll(socket: WebSocket, messages: readonly (string | Buffer)[]): Promise<(string | Buffer)[]> {
  const received: (string | Buffer)[] = []
  const done = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const bytes = data as Buffer
      received.push(isBinary ? bytes : bytes.toString('utf8'))
      if (received.length === messages.length) resolve()
    })
    socket.once('close', (code) => reject(new Error(`closed with ${code} after ${received.length} messages`)))
  })
  for (const message of messages) socket.send(message, { binary: typeof message !== 'string' })
  await done
  return received
}

describe('WebSockets through the local stack', () => {
  test('1,000 text and binary messages, one of them 1 MiB, come back in order over HTTP/1.1', async (t) => {
    const stack = await startE2eStack(t, STAY)
    const url = stack.addresses.frontDoorUrl
    assert.equal((await getText(h1Client(t), `${url}/ping`)).status, 200)
    const socket = await openSocket(wsUrl(url, '/ws'))
    teardown(t)(() => socket.terminate())
    const messages: (string | Buffer)[] = []
    for (let index = 0; index < 1000; index++) {
      if (index === 500) messages.push(randomBytes(1024 * 1024))
      else messages.push(index % 2 === 0 ? `text message ${index}` : randomBytes(1 + (index % 300)))
    }
    const received = await echoAll(socket, messages)
    assert.equal(received.length, messages.length)
    for (let index = 0; index < messages.length; index++) {
      const sent = messages[index] as string | Buffer
      const got = received[index] as string | Buffer
      if (typeof sent === 'string') assert.equal(got, sent, `message ${index}`)
      else assert.equal(sha256(got as Buffer), sha256(sent), `message ${index} (${sent.length} bytes)`)
    }
    const closed = once(socket, 'close')
    socket.close(1000, 'done')
    const [code] = await closed
    assert.equal(code, 1000)
    // The WebSocket held no request slot, and after it the instance still serves.
    assert.equal((await getText(h1Client(t), `${url}/ping`)).body, 'pong')
  })

  test('a handshake the app refuses reaches the client as an ordinary 404, and the channel serves again', async (t) => {
    const stack = await startE2eStack(t, STAY)
    const url = stack.addresses.frontDoorUrl
    const agent = h1Client(t)
    assert.equal((await getText(agent, `${url}/ping`)).status, 200)
    const refused = new WebSocket(wsUrl(url, '/no-such-socket'))
    refused.on('error', () => {})
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage]
    let body = ''
    response.setEncoding('utf8')
    for await (const chunk of response) body += chunk
    assert.equal(response.statusCode, 404)
    assert.equal(body, 'no WebSocket endpoint at /no-such-socket\n')
    refused.terminate()
    assert.equal((await getText(agent, `${url}/ping`)).body, 'pong')
    const socket = await openSocket(wsUrl(url, '/ws'))
    teardown(t)(() => socket.terminate())
    assert.deepEqual(await echoAll(socket, ['again']), ['again'])
    // The metrics count both handshakes by outcome, the close and the bytes each way (issue 18, visibility).
    const closed = new Promise<void>((resolve) => {
      const unsubscribe = stack.router.events.webSocketClosed.subscribe(() => {
        unsubscribe()
        resolve()
      })
    })
    socket.close(1000)
    await closed
    const metrics = parsePrometheusText(await (await request(`${stack.addresses.adminUrl}/metrics`)).body.text())
    const handshakes = (outcome: string): number =>
      metrics.value('lambda_dispatch_router_websocket_handshakes_total', { pool: 'default', outcome })
    assert.deepEqual([handshakes('accepted'), handshakes('refused')], [1, 1])
    assert.equal(metrics.value('lambda_dispatch_router_websockets_open', { pool: 'default' }), 0)
    const closes = metrics.all('lambda_dispatch_router_websocket_closes_total')
    assert.equal(
      closes.reduce((sum, sample) => sum + sample.value, 0),
      1,
    )
    const bytes = (direction: string): number =>
      metrics.value('lambda_dispatch_router_websocket_bytes_total', { pool: 'default', direction })
    // "again" is 11 bytes from the client (masked) and 7 back, before the close frames.
    assert.ok(bytes('client_to_app') >= 11 && bytes('app_to_client') >= 7, JSON.stringify(closes))
  })

  test('an HTTP/2 client opens a WebSocket with extended CONNECT over h2c and gets its frames echoed', async (t) => {
    const stack = await startE2eStack(t, STAY)
    const url = stack.addresses.frontDoorUrl
    assert.equal((await getText(h1Client(t), `${url}/ping`)).status, 200)
    const session = h2cSession(t, url)
    // RFC 8441 §3: extended CONNECT only once the server's SETTINGS allowed it.
    if (session.remoteSettings.enableConnectProtocol !== true) await once(session, 'remoteSettings')
    assert.equal(session.remoteSettings.enableConnectProtocol, true)
    const stream = session.request({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':path': '/ws',
      ':scheme': 'http',
      'sec-websocket-version': '13',
    })
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders]
    assert.equal(headers[':status'], 200)
    assert.equal(headers['sec-websocket-accept'], undefined)
    // One masked text frame "hello" (RFC 6455 §5.2), then the unmasked echo comes back.
    const mask = randomBytes(4)
    const payload = Buffer.from('hello')
    const masked = Buffer.from(payload.map((byte, index) => byte ^ (mask[index % 4] as number)))
    stream.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]))
    let frame = Buffer.alloc(0)
    while (frame.length < 2 + payload.length)
      frame = Buffer.concat([frame, ((await once(stream, 'data')) as [Buffer])[0]])
    assert.deepEqual([...frame.subarray(0, 2)], [0x81, payload.length])
    assert.equal(frame.subarray(2).toString('utf8'), 'hello')
    stream.close(http2.constants.NGHTTP2_CANCEL)
    assert.equal((await getText(h1Client(t), `${url}/ping`)).body, 'pong')
  })
})
