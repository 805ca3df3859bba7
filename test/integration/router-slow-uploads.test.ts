// Issue 12 item 4: slow uploads cannot hold channels. A request body must keep MinRequestBodyDataRate over every
// MinRequestBodyDataRateGrace window and arrive whole within RequestBodyTimeout, counted from when a channel reads
// it; past either the channel stream is reset (the channel goes back to the pool) and the client gets 408, or, once
// the app's response has started, the response is aborted. Two uploads trickling a byte at a time (which keeps
// BodyIdleTimeout from ever firing) hold both channels of the only instance, and /ping, queued behind them, is
// still served. The whole router, with a scripted extension as the Lambda.
import assert from 'node:assert/strict'
import { connect as http2Connect, type IncomingHttpHeaders } from 'node:http2'
import { test } from 'node:test'
import { request as undiciRequest } from 'undici'
import type { RequestHead } from '../../src/protocol/index.js'
import { EventLog } from '../helpers/fault-stack.js'
import { RawHttp1Connection } from '../helpers/raw-http1-connection.js'
import type { ScriptedChannel } from '../helpers/scripted-extension.js'
import { startRouter, type TestRouter } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'

const TRICKLE_EVERY_MS = 20

interface AppSeen {
  readonly head: RequestHead
  readonly channel: ScriptedChannel
}

/** The whole router, serving 2 channels of one instance; the app records every request it sees. */
async function startSlowUploadRouter(
  t: Parameters<typeof teardown>[0],
  env: Record<string, string>,
): Promise<{ router: TestRouter; seen: EventLog<AppSeen>; port: number }> {
  const seen = new EventLog<AppSeen>()
  const router = await startRouter({
    env: {
      LAMBDA_DISPATCH_MaxInstances: '1',
      LAMBDA_DISPATCH_MaxConcurrentCount: '2',
      LAMBDA_DISPATCH_ChannelCount: '2',
      LAMBDA_DISPATCH_BodyIdleTimeout: '1m',
      ...env,
    },
    app: async (head, channel) => {
      seen.push({ head, channel })
      if (head.target === '/ping') {
        await channel.requestBody
        channel.respond(200, ['Content-Type', 'text/plain'], 'pong')
        return
      }
      // /started answers at once and keeps streaming; /upload waits for a body that never comes.
      if (head.target === '/started') channel.writeHead(200, ['Content-Type', 'text/plain'])
      if (head.target === '/started') channel.write('started')
      await channel.closed
    },
  })
  const defer = teardown(t)
  defer(() => router.close())
  return { router, seen, port: Number(new URL(router.addresses.frontDoorUrl).port) }
}

/** Sends a POST head announcing a big body, then one byte every TRICKLE_EVERY_MS until the connection closes. */
async function trickleUpload(port: number, target: string): Promise<RawHttp1Connection> {
  const connection = await RawHttp1Connection.connect(port)
  connection.send(`POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n`)
  // The client under test is the slow one: this interval is its behaviour, not a wait.
  const trickle = setInterval(() => connection.send('x'), TRICKLE_EVERY_MS)
  void connection.closed.then(() => clearInterval(trickle))
  return connection
}

async function ping(router: TestRouter): Promise<{ status: number; body: string }> {
  const response = await undiciRequest(`${router.addresses.frontDoorUrl}/ping`)
  return { status: response.statusCode, body: await response.body.text() }
}

async function outcomeCount(router: TestRouter, outcome: string): Promise<number> {
  const response = await undiciRequest(`${router.addresses.adminUrl}/metrics`)
  const text = await response.body.text()
  const line = text
    .split('\n')
    .find((row) => row.startsWith(`lambda_dispatch_router_requests_total{pool="default",outcome="${outcome}"}`))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}

test('two uploads trickling a byte at a time get 408 LD_REQUEST_BODY_TOO_SLOW, their channels are freed and /ping queued behind them gets 200', async (t) => {
  const { router, seen, port } = await startSlowUploadRouter(t, {
    LAMBDA_DISPATCH_MinRequestBodyDataRate: '240',
    LAMBDA_DISPATCH_MinRequestBodyDataRateGrace: '300ms',
  })
  const first = await trickleUpload(port, '/upload')
  const second = await trickleUpload(port, '/upload')
  t.after(() => {
    first.destroy()
    second.destroy()
  })
  const uploads = [
    await seen.next((record) => record.head.target === '/upload'),
    await seen.next((record) => record.head.target === '/upload', 1),
  ]
  const order: string[] = []
  const answers = [first, second].map(async (connection) => {
    const response = await connection.nextResponse()
    order.push(`upload ${response.status}`)
    return response
  })
  const pinged = ping(router).then((answer) => {
    order.push(`ping ${answer.status}`)
    return answer
  })
  for (const response of await Promise.all(answers)) {
    assert.equal(response.status, 408)
    assert.match(response.body.toString(), /LD_REQUEST_BODY_TOO_SLOW/)
    assert.ok(response.headers.some(([name, value]) => name === 'connection' && value === 'close'))
  }
  assert.deepEqual(await pinged, { status: 200, body: 'pong' })
  assert.equal(order[0], 'upload 408', '/ping waited for a channel an upload held')
  // The router reset both channel streams, so the app saw its requests aborted.
  for (const upload of uploads) assert.notEqual((await upload.channel.closed).rstCode, 0)
  await Promise.all([first.closed, second.closed])
  assert.equal(await outcomeCount(router, 'request_body_timeout'), 2)
})

test('an upload that keeps any rate but does not finish within RequestBodyTimeout gets 408 LD_REQUEST_BODY_TIMEOUT', async (t) => {
  const { router, seen, port } = await startSlowUploadRouter(t, {
    LAMBDA_DISPATCH_MinRequestBodyDataRate: '0',
    LAMBDA_DISPATCH_RequestBodyTimeout: '300ms',
  })
  const upload = await trickleUpload(port, '/upload')
  t.after(() => upload.destroy())
  const { channel } = await seen.next((record) => record.head.target === '/upload')
  const response = await upload.nextResponse()
  assert.equal(response.status, 408)
  assert.match(response.body.toString(), /LD_REQUEST_BODY_TIMEOUT/)
  assert.notEqual((await channel.closed).rstCode, 0)
  await upload.closed
  assert.deepEqual(await ping(router), { status: 200, body: 'pong' })
})

test('a slow upload whose response already started is aborted, never answered 408 inside that response', async (t) => {
  const { router, port } = await startSlowUploadRouter(t, {
    LAMBDA_DISPATCH_MinRequestBodyDataRate: '240',
    LAMBDA_DISPATCH_MinRequestBodyDataRateGrace: '1s',
  })
  const upload = await RawHttp1Connection.connect(port)
  t.after(() => upload.destroy())
  upload.send('POST /started HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000000\r\n\r\n')
  // Well above the rate until the response has started (1 KiB every TRICKLE_EVERY_MS), then nothing more.
  const fast = setInterval(() => upload.send('x'.repeat(1024)), TRICKLE_EVERY_MS)
  t.after(() => clearInterval(fast))
  let closed = false
  void upload.closed.then(() => {
    closed = true
  })
  while (!closed && !upload.received.toString('latin1').includes('started')) {
    await upload.receivedAtLeast(upload.received.length + 1)
  }
  clearInterval(fast)
  await upload.closed
  const received = upload.received.toString('latin1')
  assert.match(received, /^HTTP\/1\.1 200 OK\r\n/)
  assert.doesNotMatch(received, /408|LD_REQUEST_BODY/)
  await assert.rejects(upload.nextResponse(), /connection closed before a whole response/)
  assert.deepEqual(await ping(router), { status: 200, body: 'pong' })
})

test('an HTTP/2 upload trickling a byte at a time gets 408 and its channel is freed', async (t) => {
  const { router, seen } = await startSlowUploadRouter(t, {
    LAMBDA_DISPATCH_MinRequestBodyDataRate: '240',
    LAMBDA_DISPATCH_MinRequestBodyDataRateGrace: '300ms',
  })
  const session = http2Connect(router.addresses.frontDoorUrl)
  session.on('error', () => {})
  t.after(() => session.destroy())
  const stream = session.request({ ':method': 'POST', ':path': '/upload', 'content-type': 'text/plain' })
  stream.on('error', () => {})
  // The slow client: a byte every TRICKLE_EVERY_MS until it has its answer.
  const trickle = setInterval(() => stream.write('x'), TRICKLE_EVERY_MS)
  t.after(() => clearInterval(trickle))
  const response = new Promise<IncomingHttpHeaders>((resolve) => stream.once('response', resolve))
  stream.setEncoding('utf8')
  let body = ''
  stream.on('data', (chunk: string) => {
    body += chunk
  })
  const ended = new Promise<void>((resolve) => stream.once('end', resolve))
  const { channel } = await seen.next((record) => record.head.target === '/upload')
  assert.equal((await response)[':status'], 408)
  clearInterval(trickle)
  await ended
  assert.match(body, /LD_REQUEST_BODY_TOO_SLOW/)
  assert.notEqual((await channel.closed).rstCode, 0)
  assert.deepEqual(await ping(router), { status: 200, body: 'pong' })
})
