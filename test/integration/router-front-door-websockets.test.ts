// Issue 18: the front door takes a WebSocket handshake over every client protocol (HTTP/1.1 Upgrade on HTTP and
// HTTPS, RFC 8441 extended CONNECT on h2c and HTTPS/h2) and hands it to the pool as one GET with the client's
// Sec-WebSocket-* headers. The pool here is scripted: it accepts with the right Sec-WebSocket-Accept and writes one
// unmasked text frame, so the real clients can tell the socket opened; an `Upgrade: h2c` request stays ordinary.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { connect as http2Connect, type IncomingHttpHeaders } from 'node:http2'
import { test } from 'node:test'
import { request as undiciRequest } from 'undici'
import WebSocket from 'ws'
import { getHeader } from '../../src/protocol/index.js'
import type { DispatchRequest } from '../../src/router/dispatch/exchange.js'
import type { WebSocketClient } from '../../src/router/dispatch/websocket-client.js'
import type { RequestDispatcher } from '../../src/router/front-door/server.js'
import { ScriptedDispatcher } from '../helpers/scripted-dispatcher.js'
import { startFrontDoor } from '../helpers/start-router.js'
import { type AfterHookTarget, teardown } from '../helpers/teardown.js'
import { wsUrl } from '../helpers/ws-client.js'

const RFC6455_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const HELLO_FRAME = Buffer.from([0x81, 0x05, ...Buffer.from('hello')])

/** A pool whose WebSocket side accepts every handshake and greets it with one frame; requests answer 200 `ok`. */
function webSocketPool(t: AfterHookTarget): RequestDispatcher & { handshakes: DispatchRequest[] } {
  const handshakes: DispatchRequest[] = []
  const requests = new ScriptedDispatcher(t, (call) => {
    call.handler.onResponseStart(200, ['Content-Type', 'text/plain'], {
      pause() {},
      resume() {},
      isResponseComplete: () => true,
    })
    call.handler.onResponseData(Buffer.from('ok'))
    call.handler.onResponseEnd()
  })
  return {
    handshakes,
    dispatch: (request, handler) => requests.dispatch(request, handler),
    webSockets: {
      dispatch(request: DispatchRequest, client: WebSocketClient) {
        handshakes.push(request)
        const key = getHeader(request.headers, 'sec-websocket-key') as string
        const accept = createHash('sha1').update(`${key}${RFC6455_GUID}`).digest('base64')
        const duplex = client.accept(['Sec-WebSocket-Accept', accept])
        duplex.on('error', () => {})
        duplex.resume()
        duplex.write(HELLO_FRAME)
      },
    },
  }
}

async function greeting(socket: WebSocket): Promise<string> {
  const [data] = (await once(socket, 'message')) as [Buffer]
  return data.toString('utf8')
}

test('an HTTP/1.1 Upgrade: websocket on HTTP and HTTPS reaches the pool as a GET and the socket opens', async (t) => {
  const defer = teardown(t)
  const pool = webSocketPool(t)
  const door = await startFrontDoor({ pools: { default: pool }, https: true })
  defer(() => door.close())
  const plain = new WebSocket(wsUrl(door.httpUrl, '/ws?plain'))
  defer(() => plain.terminate())
  assert.equal(await greeting(plain), 'hello')
  const secure = new WebSocket(wsUrl(door.httpsUrl as string, '/ws?secure'), { ca: door.tls?.certPem as string })
  defer(() => secure.terminate())
  assert.equal(await greeting(secure), 'hello')
  assert.deepEqual(
    pool.handshakes.map((request) => [request.method, request.target, getHeader(request.headers, 'x-forwarded-proto')]),
    [
      ['GET', '/ws?plain', 'http'],
      ['GET', '/ws?secure', 'https'],
    ],
  )
  assert.deepEqual(
    door.accessLog.map((entry) => [entry.status, entry.target]),
    [
      [101, '/ws?plain'],
      [101, '/ws?secure'],
    ],
  )
})

test('extended CONNECT on h2c and HTTPS/h2 reaches the pool with a made-up key and answers 200 without an Accept', async (t) => {
  const defer = teardown(t)
  const pool = webSocketPool(t)
  const door = await startFrontDoor({ pools: { default: pool }, https: true })
  defer(() => door.close())
  const origins = [
    { url: door.httpUrl, options: {} },
    { url: door.httpsUrl as string, options: { ca: door.tls?.certPem as string, servername: 'localhost' } },
  ]
  for (const [index, origin] of origins.entries()) {
    const session = http2Connect(origin.url, origin.options)
    defer(() => session.close())
    session.on('error', () => {})
    if (session.remoteSettings.enableConnectProtocol !== true) await once(session, 'remoteSettings')
    const stream = session.request({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':path': `/ws/${index}`,
      ':scheme': origin.url.startsWith('https') ? 'https' : 'http',
      'sec-websocket-version': '13',
    })
    const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders]
    assert.equal(headers[':status'], 200)
    assert.equal(headers['sec-websocket-accept'], undefined)
    let bytes = Buffer.alloc(0)
    while (bytes.length < HELLO_FRAME.length)
      bytes = Buffer.concat([bytes, ((await once(stream, 'data')) as [Buffer])[0]])
    assert.deepEqual(bytes, HELLO_FRAME)
    stream.close()
  }
  assert.deepEqual(
    pool.handshakes.map((request) => [
      request.method,
      request.target,
      getHeader(request.headers, 'sec-websocket-key')?.length,
      getHeader(request.headers, 'sec-websocket-version'),
    ]),
    [
      ['GET', '/ws/0', 24, '13'],
      ['GET', '/ws/1', 24, '13'],
    ],
  )
})

test('an Upgrade: h2c request is served as an ordinary request and its connection closes after it', async (t) => {
  const defer = teardown(t)
  const pool = webSocketPool(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  defer(() => door.close())
  // undici refuses to send Upgrade itself; a raw request over node:http does.
  const { request } = await import('node:http')
  const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = request(`${door.httpUrl}/plain`, {
      headers: { Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAAQAoAAAAAIAAAAA' },
    })
    req.on('response', resolve)
    req.on('error', reject)
    req.end()
  })
  let body = ''
  response.setEncoding('utf8')
  for await (const chunk of response) body += chunk
  assert.equal(response.statusCode, 200)
  assert.equal(body, 'ok')
  assert.equal(response.headers.connection, 'close')
  assert.deepEqual(pool.handshakes, [])
  const after = await undiciRequest(`${door.httpUrl}/again`)
  assert.equal(await after.body.text(), 'ok')
})
