// What a channel does when its stream closed before the router's response HEADERS (POST again on the same session,
// stop, or move to a new session), and the one event union a channel reports to its invoke (issue 15 item 5): which
// events, in which order, for each thing a real HTTP/2 router on loopback does to the channel.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type ServerResponse } from 'node:http'
import { constants, createServer as createHttp2Server, type ServerHttp2Stream } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import { type ChannelEvent, type ChannelHost, ChannelLoop } from '../../../src/extension/channel-loop.js'
import { RouterUnreachableError } from '../../../src/extension/errors.js'
import { AppClient } from '../../../src/extension/relay.js'
import { RouterConnection } from '../../../src/extension/router-connection.js'
import {
  decideUnansweredClose,
  MAX_RESETS_BEFORE_HEADERS_IN_A_ROW,
  type UnansweredCloseAction,
} from '../../../src/extension/unanswered-close.js'
import { deferred } from '../../helpers/deferred.js'
import { routerConnectionOptions } from '../../helpers/router-connection-options.js'
import { type ScriptedRouterOptions, startScriptedRouter, type TunnelExchange } from '../../helpers/scripted-router.js'
import { teardown } from '../../helpers/teardown.js'

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM, NGHTTP2_PROTOCOL_ERROR } =
  constants

const CASES: ReadonlyArray<{
  name: string
  rstCode: number
  sessionUsable: boolean
  resetsInARow: number
  action: UnansweredCloseAction
}> = [
  {
    name: 'a CANCEL on a healthy session',
    rstCode: NGHTTP2_CANCEL,
    sessionUsable: true,
    resetsInARow: 1,
    action: 'reopen',
  },
  {
    name: 'an INTERNAL_ERROR on a healthy session',
    rstCode: NGHTTP2_INTERNAL_ERROR,
    sessionUsable: true,
    resetsInARow: 1,
    action: 'reopen',
  },
  {
    name: 'the last reset still allowed in a row',
    rstCode: NGHTTP2_CANCEL,
    sessionUsable: true,
    resetsInARow: MAX_RESETS_BEFORE_HEADERS_IN_A_ROW - 1,
    action: 'reopen',
  },
  {
    name: 'one reset too many in a row',
    rstCode: NGHTTP2_CANCEL,
    sessionUsable: true,
    resetsInARow: MAX_RESETS_BEFORE_HEADERS_IN_A_ROW,
    action: 'replace-session',
  },
  {
    name: 'REFUSED_STREAM on a healthy session',
    rstCode: NGHTTP2_REFUSED_STREAM,
    sessionUsable: true,
    resetsInARow: 1,
    action: 'stop',
  },
  {
    name: 'no reset code on a healthy session',
    rstCode: NGHTTP2_NO_ERROR,
    sessionUsable: true,
    resetsInARow: 1,
    action: 'replace-session',
  },
  {
    name: 'a CANCEL on a session that is gone',
    rstCode: NGHTTP2_CANCEL,
    sessionUsable: false,
    resetsInARow: 1,
    action: 'replace-session',
  },
  {
    name: 'REFUSED_STREAM after a GOAWAY',
    rstCode: NGHTTP2_REFUSED_STREAM,
    sessionUsable: false,
    resetsInARow: 1,
    action: 'replace-session',
  },
  {
    name: 'a stream ended by the PING check after a protocol error',
    rstCode: NGHTTP2_PROTOCOL_ERROR,
    sessionUsable: false,
    resetsInARow: 1,
    action: 'replace-session',
  },
]

for (const row of CASES) {
  test(`${row.name}: ${row.action}`, () => {
    const { rstCode, sessionUsable, resetsInARow } = row
    assert.equal(decideUnansweredClose({ rstCode, sessionUsable, resetsInARow }), row.action)
  })
}

const LAMBDA_ID = 'lambda-events'

interface ChannelUnderTest {
  readonly channel: ChannelLoop
  readonly events: ChannelEvent[]
  readonly router: Awaited<ReturnType<typeof startScriptedRouter>>
  readonly connection: RouterConnection
  /** The next request the app receives, held until the test answers it. */
  nextAppRequest(): Promise<ServerResponse>
}

/**
 * One ChannelLoop on a real RouterConnection to a scripted router, relaying to a real node:http app; the host records
 * every event and, like the invoke, stops the channel on a goaway.
 */
async function startChannel(
  t: TestContext,
  routerOptions: ScriptedRouterOptions = {},
  onEvent: () => void = () => {},
): Promise<ChannelUnderTest> {
  const defer = teardown(t)
  const router = await startScriptedRouter(routerOptions)
  defer(() => router.close())
  const appRequests: ServerResponse[] = []
  const appWaiters: Array<(response: ServerResponse) => void> = []
  const server = createServer((_req, res) => {
    const waiter = appWaiters.shift()
    if (waiter === undefined) appRequests.push(res)
    else waiter(res)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  defer(() => {
    server.closeAllConnections()
    server.close()
  })
  const app = new AppClient({
    port: (server.address() as AddressInfo).port,
    keepAliveTimeoutMs: 4_000,
    connectTimeoutMs: 1_000,
  })
  defer(() => app.close())
  const connection = new RouterConnection(
    routerConnectionOptions(router.url, {
      lambdaId: LAMBDA_ID,
      onGiveUp: () => assert.fail('no session loss expected'),
    }),
  )
  defer(() => connection.close())
  const events: ChannelEvent[] = []
  return {
    channel: channelOn(connection, app, 5_000, events, onEvent),
    events,
    router,
    connection,
    nextAppRequest: () =>
      new Promise((resolve) => {
        const waiting = appRequests.shift()
        if (waiting === undefined) appWaiters.push(resolve)
        else resolve(waiting)
      }),
  }
}

/**
 * A ChannelLoop on `connection` whose host records every event in `events` (then calls `onEvent`) and, like the
 * invoke, stops the channel on a goaway.
 */
function channelOn(
  connection: RouterConnection,
  app: AppClient,
  headersTimeoutMs: number,
  events: ChannelEvent[],
  onEvent: () => void = () => {},
): ChannelLoop {
  const host: ChannelHost = {
    isStopping: false,
    liveSession: () => connection.liveSession(),
    acquireSession: () => connection.acquire(),
    channelHeaders: (channelId) => connection.channelHeaders(channelId),
    onChannelEvent: (_channel, event) => {
      events.push(event)
      if (event.kind === 'goaway') (host as { isStopping: boolean }).isStopping = true
      onEvent()
    },
  }
  const options = {
    poolId: 'default',
    lambdaId: LAMBDA_ID,
    compression: false,
    forwardInternalHeaders: false,
    headLimits: { maxHeadBytes: 16 * 1024, maxHeaderCount: 100 },
    headersTimeoutMs,
    app,
  }
  return new ChannelLoop('channel-1', options, host)
}

// The app answers 200 "ok", the tunnel carries it to the router, and the channel's next POST gets a goaway.
async function answerOkThenGoaway(
  appResponse: ServerResponse,
  exchange: TunnelExchange,
  router: ChannelUnderTest['router'],
  running: Promise<void>,
): Promise<void> {
  appResponse.writeHead(200, { 'content-length': '2' }).end('ok')
  assert.equal((await exchange.done).body.toString(), 'ok')
  await (await router.nextChannel()).goaway()
  await running
}

function kinds(events: readonly ChannelEvent[]): string[] {
  return events.map((event) => (event.kind === 'request-end' ? `request-end:${event.end.kind}` : event.kind))
}

test('a 409 answer to the channel POST is one goaway event (via status-409), and the channel stops', async (t) => {
  const { channel, events } = await startChannel(t, { channelStatus: () => 409 })
  await channel.run()
  assert.deepEqual(events, [{ kind: 'goaway', via: 'status-409' }])
  assert.equal(channel.state, 'stopped')
})

test('another status answering the POST is one router-status event with that status, and the channel stops', async (t) => {
  const { channel, events } = await startChannel(t, { channelStatus: () => 503 })
  await channel.run()
  assert.deepEqual(events, [{ kind: 'router-status', status: 503 }])
})

test('REFUSED_STREAM before HEADERS on a healthy session is one refused event, and the channel stops', async (t) => {
  const { channel, events, router } = await startChannel(t, { channelReset: () => constants.NGHTTP2_REFUSED_STREAM })
  await channel.run()
  assert.deepEqual(events, [{ kind: 'refused' }])
  assert.equal(router.posts.length, 1)
})

test('a CANCEL before HEADERS is a reset-before-headers event, and the channel POSTs again on the same session', async (t) => {
  let posts = 0
  const { channel, events, router } = await startChannel(t, {
    channelReset: () => (++posts === 1 ? constants.NGHTTP2_CANCEL : undefined),
    channelStatus: () => (posts === 1 ? 200 : 409),
  })
  await channel.run()
  assert.deepEqual(kinds(events), ['reset-before-headers', 'goaway'])
  const reset = events[0] as Extract<ChannelEvent, { kind: 'reset-before-headers' }>
  assert.equal(reset.rstCode, constants.NGHTTP2_CANCEL)
  assert.equal(reset.sessionId, 1)
  assert.deepEqual(
    router.posts.map((post) => post.sessionNumber),
    [1, 1],
  )
})

test('no session to be had is one unreachable event carrying the RouterUnreachableError, and the channel stops', async (t) => {
  const { channel, events, connection } = await startChannel(t)
  // A drained connection opens no session, as when the invoke stops taking requests before the first one.
  connection.drain()
  await channel.run()
  assert.deepEqual(kinds(events), ['unreachable'])
  assert.ok((events[0] as Extract<ChannelEvent, { kind: 'unreachable' }>).error instanceof RouterUnreachableError)
})

test('a relayed request is opened, request-start, request-end (complete, with its status and head), in that order', async (t) => {
  const { channel, events, router, nextAppRequest } = await startChannel(t)
  const running = channel.run()
  const parked = await router.nextChannel()
  const exchange = parked.send({ method: 'GET', target: '/hello', headers: ['Content-Length', '0'] })
  const appResponse = await nextAppRequest()
  assert.deepEqual(kinds(events), ['opened', 'request-start'])
  assert.equal(channel.hasRequestInFlight, true)
  appResponse.writeHead(201, { 'content-length': '2' }).end('ok')
  const result = await exchange.done
  assert.equal(result.head?.status, 201)
  assert.equal(result.body.toString(), 'ok')
  await (await router.nextChannel()).goaway()
  await running
  assert.deepEqual(kinds(events), ['opened', 'request-start', 'request-end:complete', 'opened', 'goaway'])
  const end = events[2] as Extract<ChannelEvent, { kind: 'request-end' }>
  assert.deepEqual(end.end, { kind: 'complete', status: 201 })
  assert.equal(end.head.target, '/hello')
  assert.deepEqual(events[4], { kind: 'goaway', via: 'goaway-request' })
  assert.equal(channel.hasRequestInFlight, false)
})

test('a GET head without framing headers, ended with the head, reaches the app without a body and the channel parks again', async (t) => {
  const { channel, events, router, nextAppRequest } = await startChannel(t)
  const running = channel.run()
  const exchange = (await router.nextChannel()).send({ method: 'GET', target: '/plain', headers: ['Host', 'app'] })
  const appResponse = await nextAppRequest()
  const appRequest = appResponse.req
  assert.equal(appRequest.method, 'GET')
  assert.equal(appRequest.headers['content-length'], undefined)
  assert.equal(appRequest.headers['transfer-encoding'], undefined)
  let received = 0
  appRequest.on('data', (chunk: Buffer) => {
    received += chunk.length
  })
  await once(appRequest, 'end')
  assert.equal(received, 0)
  await answerOkThenGoaway(appResponse, exchange, router, running)
  assert.deepEqual(kinds(events), ['opened', 'request-start', 'request-end:complete', 'opened', 'goaway'])
})

test('a body that follows a head without framing headers in a later frame (the original router relaying an HTTP/2 upload) reaches the app whole', async (t) => {
  const { promise: started, resolve: onStarted } = deferred<void>()
  const { channel, events, router, nextAppRequest } = await startChannel(t, {}, () => {
    if (events.at(-1)?.kind === 'request-start') onStarted()
  })
  const running = channel.run()
  const parked = await router.nextChannel()
  const exchange = parked.send({ method: 'POST', target: '/upload', headers: ['Host', 'app'] }, undefined, {
    endStream: false,
  })
  // The head is parsed and waits for the next event before the body is written.
  await started
  parked.stream.write(Buffer.from('first,'))
  parked.stream.end(Buffer.from('second'))
  const appResponse = await nextAppRequest()
  const chunks: Buffer[] = []
  appResponse.req.on('data', (chunk: Buffer) => chunks.push(chunk))
  await once(appResponse.req, 'end')
  assert.equal(Buffer.concat(chunks).toString(), 'first,second')
  await answerOkThenGoaway(appResponse, exchange, router, running)
  assert.deepEqual(kinds(events), ['opened', 'request-start', 'request-end:complete', 'opened', 'goaway'])
})

test('a reset while a head without framing headers awaits its next frame ends the request as reset, and the channel POSTs again', async (t) => {
  const { promise: started, resolve: onStarted } = deferred<void>()
  const { channel, events, router } = await startChannel(t, {}, () => {
    if (events.at(-1)?.kind === 'request-start') onStarted()
  })
  const running = channel.run()
  const parked = await router.nextChannel()
  parked.send({ method: 'POST', target: '/upload', headers: ['Host', 'app'] }, undefined, { endStream: false })
  await started
  parked.reset(constants.NGHTTP2_CANCEL)
  await (await router.nextChannel()).goaway()
  await running
  assert.deepEqual(kinds(events), ['opened', 'request-start', 'request-end:reset', 'opened', 'goaway'])
  assert.equal(channel.hasRequestInFlight, false)
})

test('a stream reset mid-request ends the request with one request-end of kind reset, and the channel POSTs again', async (t) => {
  const { channel, events, router, nextAppRequest } = await startChannel(t)
  const running = channel.run()
  const parked = await router.nextChannel()
  parked.send({ method: 'GET', target: '/slow', headers: ['Content-Length', '0'] })
  const appResponse = await nextAppRequest()
  const appAborted = once(appResponse, 'close')
  parked.reset(constants.NGHTTP2_CANCEL)
  await appAborted
  await (await router.nextChannel()).goaway()
  await running
  assert.deepEqual(kinds(events), ['opened', 'request-start', 'request-end:reset', 'opened', 'goaway'])
})

test('a request head the extension refuses is one bad-head event between opened and the next POST', async (t) => {
  const { channel, events, router } = await startChannel(t)
  const running = channel.run()
  const refused = await (await router.nextChannel()).sendRaw(Buffer.from('NOT-A-REQUEST-LINE\r\n\r\n')).done
  assert.equal(refused.head?.status, 400)
  await (await router.nextChannel()).goaway()
  await running
  assert.deepEqual(kinds(events), ['opened', 'bad-head', 'opened', 'goaway'])
})

test('a WebSocket handshake hands its stream over in one event and the channel POSTs again while it stays open', async (t) => {
  const { channel, events, router } = await startChannel(t, { tunnelsWebSockets: true })
  const running = channel.run()
  const first = await router.nextChannel()
  first.send({
    method: 'GET',
    target: '/ws',
    headers: ['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Version', '13'],
  })
  const second = await router.nextChannel()
  const handed = events.find((event) => event.kind === 'upgrade')
  assert.ok(handed !== undefined && handed.kind === 'upgrade')
  assert.equal(handed.head.target, '/ws')
  assert.equal(handed.stream.destroyed, false, 'the handed-over stream is still open beside the new POST')
  handed.stream.destroy()
  await second.goaway()
  await running
  assert.deepEqual(kinds(events), ['opened', 'upgrade', 'opened', 'goaway'])
})

test('a handshake from a router that did not list the capability (the original) stays an ordinary request', async (t) => {
  const { channel, events, router, nextAppRequest } = await startChannel(t)
  const running = channel.run()
  const parked = await router.nextChannel()
  parked.send({
    method: 'GET',
    target: '/ws',
    headers: ['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Version', '13', 'Content-Length', '0'],
  })
  const appResponse = await nextAppRequest()
  assert.equal(appResponse.req.headers.upgrade, undefined, 'Upgrade is hop-by-hop and removed, as before')
  appResponse.writeHead(426, { 'Content-Length': '0' }).end()
  await (await router.nextChannel()).goaway()
  await running
  assert.deepEqual(kinds(events), ['opened', 'request-start', 'request-end:complete', 'opened', 'goaway'])
})

test('a POST the router leaves unanswered is reported silent again after each PING the session answers; the answer ends it', async (t) => {
  const defer = teardown(t)
  const posts: ServerHttp2Stream[] = []
  const router = createHttp2Server()
  router.on('stream', (stream) => {
    stream.on('error', () => {})
    posts.push(stream)
  })
  router.listen(0, '127.0.0.1')
  await once(router, 'listening')
  defer(() => new Promise<void>((resolve) => router.close(() => resolve())))
  const url = `http://127.0.0.1:${(router.address() as AddressInfo).port}`
  const base = routerConnectionOptions(url, { lambdaId: LAMBDA_ID })
  const connection = new RouterConnection({ ...base, settings: { ...base.settings, headersTimeoutMs: 20 } })
  defer(() => connection.close())
  const app = new AppClient({ port: 9, keepAliveTimeoutMs: 4_000, connectTimeoutMs: 1_000 })
  defer(() => app.close())
  const events: ChannelEvent[] = []
  const { promise: reportedTwice, resolve: silentTwice } = deferred()
  // Short, so the test is quick; nothing here depends on how long a wait really took.
  const channel = channelOn(connection, app, 20, events, () => {
    if (events.filter((seen) => seen.kind === 'silent').length === 2) silentTwice()
  })
  const running = channel.run()
  await reportedTwice
  assert.equal(posts.length, 1, 'the same POST is still waiting: silence opens no other')
  assert.equal(channel.state, 'opening')
  posts[0]?.respond({ ':status': 409 }, { endStream: true })
  await running
  const reported = kinds(events)
  assert.equal(reported.at(-1), 'goaway')
  assert.ok(reported.slice(0, -1).every((kind) => kind === 'silent'))
  assert.ok(reported.length >= 3)
  const silent = events.find((event) => event.kind === 'silent')
  assert.ok(silent?.kind === 'silent' && silent.waitedMs === 20)
  assert.equal(channel.state, 'stopped')
})
