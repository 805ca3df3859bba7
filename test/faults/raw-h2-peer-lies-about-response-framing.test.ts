// Issue 12 item 5: a raw HTTP/2 peer posing as the extension answers with a body that does not match the framing of
// its own head. The exact attack seen: Content-Length: 6, six bytes, then a second, injected `HTTP/1.1 302 Found`
// response. Before, the router relayed every byte and a client's keep-alive connection handed the 302 to its next
// request. Now the body is counted against the head: a lie found with the head gets 502 (the router frames that
// answer itself, so the connection stays in step); a lie found later closes the HTTP/1.1 connection or resets the
// HTTP/2 stream. Chunked bodies are re-framed by the router, so chunk syntax inside them is only ever body bytes.
// HEAD, 204 and 304 carry no body. Every case ends with the same instance serving a request again.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { type ClientHttp2Session, connect as http2Connect, constants as http2Constants } from 'node:http2'
import { after, before, describe, test } from 'node:test'
import { request as undiciRequest } from 'undici'
import { channelPostFrame, dataFrame, FRAME_TYPE, frame, RawH2Peer } from '../helpers/fault-h2-raw-peer.js'
import { parsePrometheusText } from '../helpers/prometheus-text.js'
import { RawHttp1Connection } from '../helpers/raw-http1-connection.js'
import type { ManualInvocation } from '../helpers/router-scripted-invoker.js'
import { manualBehaviour } from '../helpers/router-scripted-invoker.js'
import { startRouter, type TestRouter } from '../helpers/start-router.js'

const INJECTED = 'HTTP/1.1 302 Found\r\nLocation: http://evil.example/\r\nContent-Length: 0\r\n\r\n'
const OK_RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok'

describe('a raw HTTP/2 peer posing as the extension lies about its response framing', () => {
  let router: TestRouter
  let invocation: ManualInvocation
  let peer: RawH2Peer
  let frontDoorPort: number
  let nextStreamId = 1

  before(async () => {
    const manual = manualBehaviour()
    router = await startRouter({
      // The raw peer presents no channel token, as the original extension does.
      env: {
        LAMBDA_DISPATCH_MaxInstances: '1',
        LAMBDA_DISPATCH_MinInstances: '1',
        LAMBDA_DISPATCH_AllowUnauthenticatedChannels: 'true',
      },
      behaviour: manual.behaviour,
    })
    frontDoorPort = Number(new URL(router.addresses.frontDoorUrl).port)
    invocation = await manual.next()
    peer = await RawH2Peer.connect(Number(new URL(invocation.payload.dispatcherUrl).port))
    peer.answerControlFrames()
    peer.start()
  })
  after(async () => {
    peer.destroy()
    invocation.complete()
    await router.close()
  })

  /** Parks one channel for the peer's instance; resolves with its stream id once the router answered 200. */
  async function parkChannel(): Promise<number> {
    const streamId = nextStreamId
    nextStreamId += 2
    peer.send(channelPostFrame(streamId, invocation.payload.id, `channel-${streamId}`, 'router'))
    await peer.nextFrame(FRAME_TYPE.HEADERS, streamId)
    return streamId
  }

  /** Parks a channel, and resolves with its stream id and the tunnelled request once the router wrote it whole. */
  async function nextRequest(): Promise<{ streamId: number; request: string }> {
    const streamId = await parkChannel()
    return { streamId, request: (await peer.streamBytes(streamId)).toString('latin1') }
  }

  async function outcomeCount(outcome: string): Promise<number> {
    const response = await undiciRequest(`${router.addresses.adminUrl}/metrics`)
    const metrics = parsePrometheusText(await response.body.text())
    return metrics.value('lambda_dispatch_router_requests_total', { pool: 'default', outcome })
  }

  /** The peer answers one more request properly on `connection`: the same instance serves on. */
  async function servesAgain(connection: RawHttp1Connection): Promise<void> {
    const next = nextRequest()
    connection.send('GET /again HTTP/1.1\r\nHost: x\r\n\r\n')
    const { streamId, request } = await next
    assert.match(request, /^GET \/again HTTP\/1\.1\r\n/)
    peer.send(dataFrame(streamId, OK_RESPONSE, true))
    const response = await connection.nextResponse()
    assert.equal(response.status, 200)
    assert.equal(response.body.toString(), 'ok')
  }

  async function servesAgainOnNewConnection(): Promise<void> {
    const connection = await RawHttp1Connection.connect(frontDoorPort)
    try {
      await servesAgain(connection)
    } finally {
      connection.destroy()
    }
  }

  test('the exact attack in one DATA frame gets 502 and the next request on the connection gets its own response, never the 302', async () => {
    const framingFailures = await outcomeCount('bad_upstream_framing')
    const connection = await RawHttp1Connection.connect(frontDoorPort)
    try {
      const next = nextRequest()
      connection.send('GET /first HTTP/1.1\r\nHost: x\r\n\r\n')
      const { streamId } = await next
      peer.send(
        dataFrame(
          streamId,
          `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nabcdef${INJECTED}`,
          true,
        ),
      )
      const first = await connection.nextResponse()
      assert.equal(first.status, 502)
      assert.match(first.body.toString(), /LD_BAD_UPSTREAM_FRAMING/)
      await servesAgain(connection)
      assert.doesNotMatch(connection.received.toString('latin1'), /302|evil\.example/)
      assert.equal(await outcomeCount('bad_upstream_framing'), framingFailures + 1)
    } finally {
      connection.destroy()
    }
  })

  test('the attack after the head went out: the client gets the whole 200, then the connection closes and its next request never sees the 302', async () => {
    const framingFailures = await outcomeCount('bad_upstream_framing')
    const connection = await RawHttp1Connection.connect(frontDoorPort)
    const next = nextRequest()
    connection.send('GET /first HTTP/1.1\r\nHost: x\r\n\r\n')
    const { streamId } = await next
    peer.send(dataFrame(streamId, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nabcdef'))
    const first = await connection.nextResponse()
    assert.equal(first.status, 200)
    assert.equal(first.body.toString(), 'abcdef')
    connection.send('GET /second HTTP/1.1\r\nHost: x\r\n\r\n')
    peer.send(dataFrame(streamId, INJECTED, true))
    await connection.closed
    assert.deepEqual(connection.received, first.raw, 'nothing after the first response')
    await assert.rejects(connection.nextResponse(), /connection closed before a whole response/)
    assert.equal(await outcomeCount('bad_upstream_framing'), framingFailures + 1)
    await servesAgainOnNewConnection()
  })

  test('a body that ends short of its Content-Length closes the connection without a whole response', async () => {
    const connection = await RawHttp1Connection.connect(frontDoorPort)
    const next = nextRequest()
    connection.send('GET /short HTTP/1.1\r\nHost: x\r\n\r\n')
    const { streamId } = await next
    peer.send(dataFrame(streamId, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nabc'))
    await connection.receivedAtLeast(1)
    peer.send(dataFrame(streamId, '', true))
    await connection.closed
    await assert.rejects(connection.nextResponse(), /connection closed before a whole response/)
    await servesAgainOnNewConnection()
  })

  for (const row of [
    { name: 'HEAD with a Content-Length', method: 'HEAD', head: 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n' },
    { name: '204', method: 'GET', head: 'HTTP/1.1 204 No Content\r\n\r\n' },
    {
      name: '304 with a Content-Length',
      method: 'GET',
      head: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n',
    },
  ]) {
    test(`${row.name} and no body is relayed whole and the connection is reused`, async () => {
      const connection = await RawHttp1Connection.connect(frontDoorPort)
      try {
        const next = nextRequest()
        connection.send(`${row.method} /bodiless HTTP/1.1\r\nHost: x\r\n\r\n`)
        const { streamId } = await next
        peer.send(dataFrame(streamId, row.head, true))
        const first = await connection.nextResponse({ bodiless: true })
        assert.equal(first.status, Number(row.head.split(' ')[1]))
        await servesAgain(connection)
      } finally {
        connection.destroy()
      }
    })

    test(`${row.name} followed by body bytes closes the connection after the head`, async () => {
      const connection = await RawHttp1Connection.connect(frontDoorPort)
      const next = nextRequest()
      connection.send(`${row.method} /bodiless HTTP/1.1\r\nHost: x\r\n\r\n`)
      const { streamId } = await next
      peer.send(dataFrame(streamId, row.head))
      const first = await connection.nextResponse({ bodiless: true })
      connection.send('GET /second HTTP/1.1\r\nHost: x\r\n\r\n')
      peer.send(dataFrame(streamId, INJECTED, true))
      await connection.closed
      assert.deepEqual(connection.received, first.raw, 'nothing after the bodiless response')
      await servesAgainOnNewConnection()
    })
  }

  test('HEAD answered with body bytes in the same frame as its head gets 502', async () => {
    const connection = await RawHttp1Connection.connect(frontDoorPort)
    try {
      const next = nextRequest()
      connection.send('HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n')
      const { streamId } = await next
      peer.send(dataFrame(streamId, `HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabcdef${INJECTED}`, true))
      const first = await connection.nextResponse({ bodiless: true })
      assert.equal(first.status, 502)
      await servesAgain(connection)
      assert.doesNotMatch(connection.received.toString('latin1'), /302|evil\.example/)
    } finally {
      connection.destroy()
    }
  })

  test('chunk syntax inside a chunked body, with bytes after its terminating chunk, reaches the client as body bytes only', async () => {
    const lyingBody = `6\r\nabcdef\r\n0\r\n\r\n${INJECTED}`
    const connection = await RawHttp1Connection.connect(frontDoorPort)
    try {
      const next = nextRequest()
      connection.send('GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n')
      const { streamId } = await next
      peer.send(dataFrame(streamId, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'))
      peer.send(dataFrame(streamId, lyingBody, true))
      const first = await connection.nextResponse()
      assert.equal(first.status, 200)
      assert.equal(first.body.toString('latin1'), lyingBody)
      await servesAgain(connection)
    } finally {
      connection.destroy()
    }
  })

  test('a chunked body reset mid-chunk closes the connection without a whole response', async () => {
    const connection = await RawHttp1Connection.connect(frontDoorPort)
    const next = nextRequest()
    connection.send('GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n')
    const { streamId } = await next
    peer.send(dataFrame(streamId, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabc'))
    await connection.receivedAtLeast(1)
    const rstStream = Buffer.alloc(4)
    rstStream.writeUInt32BE(http2Constants.NGHTTP2_INTERNAL_ERROR)
    peer.send(frame(FRAME_TYPE.RST_STREAM, 0, streamId, rstStream))
    await connection.closed
    await assert.rejects(connection.nextResponse(), /connection closed before a whole response/)
    await servesAgainOnNewConnection()
  })

  test('Transfer-Encoding with a Content-Length: the length is dropped and the whole body is relayed, chunked', async () => {
    const body = 'twenty bytes of body'
    const connection = await RawHttp1Connection.connect(frontDoorPort)
    try {
      const next = nextRequest()
      connection.send('GET /both HTTP/1.1\r\nHost: x\r\n\r\n')
      const { streamId } = await next
      peer.send(
        dataFrame(streamId, `HTTP/1.1 200 OK\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n${body}`, true),
      )
      const first = await connection.nextResponse()
      assert.equal(first.status, 200)
      assert.equal(first.body.toString(), body)
      assert.ok(!first.headers.some(([name]) => name === 'content-length'), 'no Content-Length reaches the client')
      await servesAgain(connection)
    } finally {
      connection.destroy()
    }
  })

  for (const length of ['6x', '6, 7']) {
    test(`Content-Length "${length}" gets 502 and the connection is reused`, async () => {
      const connection = await RawHttp1Connection.connect(frontDoorPort)
      try {
        const next = nextRequest()
        connection.send('GET /invalid HTTP/1.1\r\nHost: x\r\n\r\n')
        const { streamId } = await next
        peer.send(dataFrame(streamId, `HTTP/1.1 200 OK\r\nContent-Length: ${length}\r\n\r\nabcdef`, true))
        const first = await connection.nextResponse()
        assert.equal(first.status, 502)
        assert.match(first.body.toString(), /LD_BAD_UPSTREAM_FRAMING/)
        await servesAgain(connection)
      } finally {
        connection.destroy()
      }
    })
  }

  test('HTTP/2: the attack after the head resets that stream, and the same session serves the next request', async (t) => {
    const session: ClientHttp2Session = http2Connect(router.addresses.frontDoorUrl)
    t.after(() => session.destroy())
    session.on('error', () => {})
    const next = nextRequest()
    const stream = session.request({ ':path': '/first' })
    stream.on('error', () => {})
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    // events.once would reject on the stream's 'error', which the reset emits first.
    const closed = new Promise((resolve) => stream.once('close', resolve))
    const { streamId } = await next
    peer.send(dataFrame(streamId, 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabcdef'))
    const [headers] = (await once(stream, 'response')) as [Record<string, string | number>]
    assert.equal(headers[':status'], 200)
    peer.send(dataFrame(streamId, INJECTED, true))
    await closed
    assert.equal(stream.rstCode, http2Constants.NGHTTP2_INTERNAL_ERROR)
    assert.doesNotMatch(Buffer.concat(chunks).toString('latin1'), /302|evil\.example/)

    const again = nextRequest()
    const second = session.request({ ':path': '/again' })
    const { streamId: secondStreamId } = await again
    peer.send(dataFrame(secondStreamId, OK_RESPONSE, true))
    const [secondHeaders] = (await once(second, 'response')) as [Record<string, string | number>]
    second.setEncoding('utf8')
    let body = ''
    for await (const chunk of second) body += chunk
    assert.equal(secondHeaders[':status'], 200)
    assert.equal(body, 'ok')
  })
})
