// The hop to the app: which headers the app gets, when a request may be retried, and the undici relay against a
// real node:http server (raw headers, hop-by-hop removal, stale-socket retry, refused connections, abort).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Readable } from 'node:stream'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import type { AppRequestError } from '../../../src/extension/errors.js'
import {
  AppClient,
  type AppRequest,
  appRequestHeaders,
  appResponseHeaders,
  canRetryOnStaleSocket,
  type RelayHandler,
  readTunnelledRequest,
} from '../../../src/extension/relay.js'
import { deferred } from '../../helpers/deferred.js'
import { teardown } from '../../helpers/teardown.js'

const IDS = { poolId: 'pool-a', lambdaId: 'lambda-a', channelId: 'channel-a' }

test('with ids the app gets them first, then the tunnelled headers without hop-by-hop, listed, Expect or spoofed ones', () => {
  assert.deepEqual(
    appRequestHeaders(
      [
        'Host',
        'example.com',
        'Connection',
        'keep-alive, X-Hop',
        'X-Hop',
        'drop',
        'Transfer-Encoding',
        'chunked',
        'Expect',
        '100-continue',
        'X-Channel-Id',
        'spoofed',
        'Cookie',
        'a=1',
        'Cookie',
        'b=2',
      ],
      IDS,
    ),
    [
      'x-pool-id',
      'pool-a',
      'x-lambda-id',
      'lambda-a',
      'x-channel-id',
      'channel-a',
      'Host',
      'example.com',
      'Cookie',
      'a=1',
      'Cookie',
      'b=2',
    ],
  )
})

test('without ids (the default) the app gets only the tunnelled headers, spoofed internal names dropped', () => {
  assert.deepEqual(appRequestHeaders(['Host', 'example.com', 'X-Lambda-Id', 'spoofed', 'X-Pool-Id', 'p'], undefined), [
    'Host',
    'example.com',
  ])
})

const tunnelled: Array<{
  name: string
  headers: string[]
  expected: { headers: string[]; contentLength?: string; transferEncoding?: string; acceptEncoding?: string }
}> = [
  {
    name: 'a GET without framing headers has neither length nor transfer coding',
    headers: ['Host', 'example.com', 'Accept', '*/*'],
    expected: { headers: ['Host', 'example.com', 'Accept', '*/*'] },
  },
  {
    name: 'the first Content-Length and Accept-Encoding count, in any case, and both reach the app',
    headers: ['content-LENGTH', '5', 'Accept-Encoding', 'gzip', 'Content-Length', '7', 'accept-encoding', 'br'],
    expected: {
      headers: ['content-LENGTH', '5', 'Accept-Encoding', 'gzip', 'Content-Length', '7', 'accept-encoding', 'br'],
      contentLength: '5',
      acceptEncoding: 'gzip',
    },
  },
  {
    name: 'Transfer-Encoding is reported for the framing but, hop-by-hop, never reaches the app',
    headers: ['Transfer-Encoding', 'chunked', 'Host', 'example.com', 'transfer-encoding', 'gzip'],
    expected: { headers: ['Host', 'example.com'], transferEncoding: 'chunked' },
  },
  {
    name: 'a Content-Length listed in Connection still frames the body but is not sent to the app',
    headers: ['Connection', 'Content-Length', 'Content-Length', '3', 'Host', 'example.com'],
    expected: { headers: ['Host', 'example.com'], contentLength: '3' },
  },
]
for (const row of tunnelled) {
  test(`tunnelled request: ${row.name}`, () => {
    const request = readTunnelledRequest(row.headers, undefined)
    assert.deepEqual(
      {
        headers: request.headers,
        contentLength: request.contentLength,
        transferEncoding: request.transferEncoding,
        acceptEncoding: request.acceptEncoding,
      },
      { contentLength: undefined, transferEncoding: undefined, acceptEncoding: undefined, ...row.expected },
    )
  })
}

const responses: Array<{ name: string; raw: string[]; expected: string[] }> = [
  {
    name: "a Node app's answer loses Connection: keep-alive and Keep-Alive, the rest kept in order",
    raw: ['Content-Type', 'text/plain', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Content-Length', '4'],
    expected: ['Content-Type', 'text/plain', 'Content-Length', '4'],
  },
  {
    name: 'names listed in Connection are dropped whatever their case, repeats of other names kept',
    raw: ['Set-Cookie', 'a=1', 'X-Hop', 'drop', 'Connection', 'Keep-Alive, x-HOP', 'Set-Cookie', 'b=2', 'x-hop', 'no'],
    expected: ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'],
  },
  {
    name: 'every Connection header counts, before or after the names it lists',
    raw: ['Connection', 'x-one', 'X-One', '1', 'X-Two', '2', 'connection', 'close, X-Two', 'X-Three', '3'],
    expected: ['X-Three', '3'],
  },
  {
    name: 'an answer without Connection keeps everything that is not hop-by-hop',
    raw: ['Transfer-Encoding', 'chunked', 'Content-Type', 'text/html', 'Trailer', 'x-t', 'x-t', 'kept'],
    expected: ['Content-Type', 'text/html', 'x-t', 'kept'],
  },
  {
    name: 'an empty Connection value lists nothing',
    raw: ['Connection', ' , ', 'Content-Length', '0'],
    expected: ['Content-Length', '0'],
  },
]
for (const row of responses) {
  test(`app response headers: ${row.name}`, () =>
    assert.deepEqual(appResponseHeaders(row.raw.map((text) => Buffer.from(text, 'latin1'))), row.expected))
}

const retries: Array<{ method: string; hasBody: boolean; code: string | undefined; expected: boolean }> = [
  { method: 'GET', hasBody: false, code: 'ECONNRESET', expected: true },
  { method: 'HEAD', hasBody: false, code: 'UND_ERR_SOCKET', expected: true },
  { method: 'DELETE', hasBody: false, code: 'EPIPE', expected: true },
  { method: 'PUT', hasBody: true, code: 'ECONNRESET', expected: false },
  { method: 'POST', hasBody: false, code: 'ECONNRESET', expected: false },
  { method: 'GET', hasBody: false, code: 'ECONNREFUSED', expected: false },
  { method: 'GET', hasBody: false, code: undefined, expected: false },
]
for (const row of retries) {
  test(`a ${row.method}${row.hasBody ? ' with a body' : ''} failing with ${row.code} is ${row.expected ? '' : 'not '}retried`, () =>
    assert.equal(canRetryOnStaleSocket(row.method, row.hasBody, row.code), row.expected))
}

interface Collected {
  status: number
  headers: string[]
  body: Buffer
  error: AppRequestError | undefined
}

function collect(): { handler: RelayHandler; done: Promise<Collected> } {
  const result: Collected = { status: 0, headers: [], body: Buffer.alloc(0), error: undefined }
  const chunks: Buffer[] = []
  const { promise: done, resolve: finish } = deferred<Collected>()
  return {
    done,
    handler: {
      onResponseStart: (status, headers) => {
        result.status = status
        result.headers = headers
      },
      onResponseData: (chunk) => chunks.push(chunk),
      onResponseEnd: () => finish({ ...result, body: Buffer.concat(chunks) }),
      onResponseError: (error) => finish({ ...result, error }),
    },
  }
}

async function startApp(
  t: TestContext,
  handle: (req: IncomingMessage, res: ServerResponse, requestOnSocket: number) => void,
): Promise<AppClient> {
  const counts = new WeakMap<Socket, number>()
  const server = createServer((req, res) => {
    const count = (counts.get(req.socket) ?? 0) + 1
    counts.set(req.socket, count)
    handle(req, res, count)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const app = new AppClient({
    port: (server.address() as AddressInfo).port,
    keepAliveTimeoutMs: 4_000,
    connectTimeoutMs: 1_000,
    // One socket, so the second request reuses the first one's connection.
    connections: 1,
  })
  teardown(t)(async () => {
    await app.close()
    server.closeAllConnections()
    server.close()
  })
  return app
}

function get(target: string): AppRequest {
  return { method: 'GET', target, headers: ['host', 'example.com'], body: null }
}

test('the relay hands over the raw header list, repeats and order kept, hop-by-hop removed', async (t) => {
  const app = await startApp(t, (_req, res) => {
    res.setHeader('Set-Cookie', ['a=1', 'b=2'])
    res.setHeader('X-Order', 'last')
    res.write('chunk ')
    res.end('done')
  })
  const { handler, done } = collect()
  app.relay(get('/'), handler)
  const result = await done
  assert.equal(result.status, 200)
  assert.equal(result.body.toString(), 'chunk done')
  const names = result.headers.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase())
  assert.deepEqual(names.slice(0, 3), ['set-cookie', 'set-cookie', 'x-order'])
  for (const hop of ['connection', 'keep-alive', 'transfer-encoding']) assert.equal(names.includes(hop), false)
})

test('a GET that meets a stale pooled socket is retried once on a new connection', async (t) => {
  const sockets: number[] = []
  const app = await startApp(t, (req, res, requestOnSocket) => {
    sockets.push(requestOnSocket)
    // The second request on a kept-alive socket finds it closed, as when the app's keep-alive timer fired.
    if (requestOnSocket === 2) req.socket.destroy()
    else res.end(`served ${req.url}`)
  })
  const first = collect()
  app.relay(get('/one'), first.handler)
  assert.equal((await first.done).body.toString(), 'served /one')
  const second = collect()
  app.relay(get('/two'), second.handler)
  const result = await second.done
  assert.equal(result.error, undefined)
  assert.equal(result.body.toString(), 'served /two')
  // Second request on the first socket (killed), then the retry on a fresh one.
  assert.deepEqual(sockets, [1, 2, 1])
})

test('a POST with a body that meets a stale socket is not retried: the handler gets the error', async (t) => {
  const sockets: number[] = []
  const app = await startApp(t, (req, res, requestOnSocket) => {
    sockets.push(requestOnSocket)
    if (requestOnSocket === 2) req.socket.destroy()
    else req.resume().once('end', () => res.end('ok'))
  })
  const first = collect()
  app.relay(get('/warm'), first.handler)
  await first.done
  const second = collect()
  app.relay(
    { method: 'POST', target: '/echo', headers: ['content-length', '4'], body: Readable.from([Buffer.from('data')]) },
    second.handler,
  )
  const result = await second.done
  assert.equal(result.error?.phase, 'before-response')
  assert.equal(result.error?.code, 'LD_APP_REQUEST_FAILED')
  assert.deepEqual(sockets, [1, 2])
})

test('a refused connection reaches the handler as ECONNREFUSED before any response', async (t) => {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  server.close()
  await once(server, 'close')
  const app = new AppClient({ port, keepAliveTimeoutMs: 4_000, connectTimeoutMs: 1_000 })
  t.after(() => app.close())
  const { handler, done } = collect()
  app.relay(get('/'), handler)
  const result = await done
  assert.equal(result.error?.errorCode, 'ECONNREFUSED')
  assert.equal(result.error?.phase, 'before-response')
})

test('abort() cancels the app request and the handler hears nothing more', async (t) => {
  const { promise: closed, resolve: appSawClose } = deferred()
  const { promise: appStarted, resolve: started } = deferred()
  const app = await startApp(t, (_req, res) => {
    res.once('close', appSawClose)
    started()
  })
  const calls: string[] = []
  const control = app.relay(get('/hang'), {
    onResponseStart: () => calls.push('start'),
    onResponseData: () => calls.push('data'),
    onResponseEnd: () => calls.push('end'),
    onResponseError: () => calls.push('error'),
  })
  await appStarted
  control.abort()
  await closed
  assert.deepEqual(calls, [])
})
