// Issue 6 item 4, bad-input matrix, front door: what raw sockets send that real clients refuse to (over-size heads,
// malformed request lines, invalid header bytes, request-smuggling framing, the reserved goaway path, an off-list
// X-Lambda-Name, h2c connections with invalid SETTINGS or a bad preface), against the whole local stack. Each gets its
// status and, for HTTP/1.1, a closed connection; none reaches the app (the fault app reports every request it sees);
// the router crashes on none and serves on the same instance afterwards. test/integration/router-front-door-refusals
// checks the wording against a scripted pool; this checks that the real system never lets them through.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as http2Connect } from 'node:http2'
import { connect as netConnect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { CONNECTION_PREFACE, FRAME_TYPE, RawH2Peer, settingsFrame } from '../helpers/fault-h2-raw-peer.js'
import {
  assertPoolAtRest,
  closeAndAssertNoOrphans,
  type FaultStack,
  ONE_INSTANCE,
  onlyInstance,
  startFaultStack,
} from '../helpers/fault-stack.js'

const MAX_HEAD_BYTES = 8192
// Every bad request's target starts with this, so the app's reports show whether any got through.
const BAD = '/bad-input'

/** Writes raw bytes and returns everything the router sent until it closed the connection. */
async function rawExchange(port: number, bytes: string): Promise<string> {
  const socket = netConnect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.on('error', () => {})
  await once(socket, 'connect')
  socket.write(bytes)
  await once(socket, 'close')
  return Buffer.concat(chunks).toString('latin1')
}

const FRAMING = 'conflicting or invalid message framing'
const rows: { name: string; bytes: string; status: string; says: string }[] = [
  {
    name: 'a head over MaxRequestHeadBytes',
    bytes: `GET ${BAD}/big HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2 * MAX_HEAD_BYTES)}\r\n\r\n`,
    status: '431 Request Header Fields Too Large',
    says: `request head is larger than ${MAX_HEAD_BYTES} bytes (LD_CLIENT_HEAD_TOO_LARGE)`,
  },
  { name: 'a garbage request line', bytes: 'GARBAGE\r\n\r\n', status: '400 Bad Request', says: 'HPE_INVALID_METHOD' },
  {
    name: 'an unknown HTTP version',
    bytes: `GET ${BAD}/version HTTP/9.9\r\nHost: x\r\n\r\n`,
    status: '400 Bad Request',
    says: 'HPE_INVALID_VERSION',
  },
  {
    name: 'a space inside the target',
    bytes: `GET ${BAD}/a b HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: '400 Bad Request',
    says: 'LD_BAD_CLIENT_REQUEST',
  },
  {
    name: 'a NUL byte in a header value',
    bytes: `GET ${BAD}/nul HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n`,
    status: '400 Bad Request',
    says: 'HPE_INVALID_HEADER_TOKEN',
  },
  {
    name: 'a DEL byte in a header value',
    bytes: `GET ${BAD}/del HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n`,
    status: '400 Bad Request',
    says: 'HPE_INVALID_HEADER_TOKEN',
  },
  {
    name: 'a header name with a space',
    bytes: `GET ${BAD}/name HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n`,
    status: '400 Bad Request',
    says: 'HPE_INVALID_HEADER_TOKEN',
  },
  {
    name: 'a bare CR inside the head',
    bytes: `GET ${BAD}/cr HTTP/1.1\rHost: x\r\n\r\n`,
    status: '400 Bad Request',
    says: 'LD_BAD_CLIENT_REQUEST',
  },
  {
    name: 'Content-Length together with Transfer-Encoding',
    bytes: `POST ${BAD}/cl-te HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: '400 Bad Request',
    says: FRAMING,
  },
  {
    name: 'two different Content-Length values',
    bytes: `POST ${BAD}/two-cl HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde`,
    status: '400 Bad Request',
    says: FRAMING,
  },
  {
    name: 'the same Content-Length twice',
    bytes: `POST ${BAD}/same-cl HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd`,
    status: '400 Bad Request',
    says: FRAMING,
  },
  {
    name: 'a Content-Length list',
    bytes: `POST ${BAD}/cl-list HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 5\r\n\r\nabcde`,
    status: '400 Bad Request',
    says: FRAMING,
  },
  {
    name: 'a negative Content-Length',
    bytes: `POST ${BAD}/cl-negative HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
    status: '400 Bad Request',
    says: FRAMING,
  },
  {
    name: 'a chunk size that is not hex',
    bytes: `POST ${BAD}/chunk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
    status: '400 Bad Request',
    says: 'HPE_INVALID_CHUNK_SIZE',
  },
  {
    name: 'a chunk size that overflows',
    bytes: `POST ${BAD}/chunk-huge HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabc\r\n0\r\n\r\n`,
    status: '400 Bad Request',
    says: 'HPE_INVALID_CHUNK_SIZE',
  },
  {
    name: 'a chunk-size line ended by a bare LF',
    bytes: `POST ${BAD}/chunk-lf HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n`,
    status: '400 Bad Request',
    says: 'LD_BAD_CLIENT_REQUEST',
  },
  {
    name: 'a Transfer-Encoding that does not end in chunked',
    bytes: `POST ${BAD}/te-identity HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`,
    status: '400 Bad Request',
    says: FRAMING,
  },
  {
    name: 'an unknown transfer coding',
    bytes: `POST ${BAD}/te-x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`,
    status: '400 Bad Request',
    says: FRAMING,
  },
  {
    name: 'whitespace between Transfer-Encoding and the colon',
    bytes: `POST ${BAD}/te-space HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n`,
    status: '400 Bad Request',
    says: 'HPE_INVALID_HEADER_TOKEN',
  },
  {
    name: 'an obsolete line folding',
    bytes: `GET ${BAD}/fold HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n`,
    status: '400 Bad Request',
    says: 'LD_BAD_CLIENT_REQUEST',
  },
  {
    name: 'Transfer-Encoding folded onto a second line',
    bytes: `POST ${BAD}/fold-te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n`,
    status: '400 Bad Request',
    says: 'LD_BAD_CLIENT_REQUEST',
  },
  {
    name: 'two Host lines',
    bytes: `GET ${BAD}/two-hosts HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`,
    status: '400 Bad Request',
    says: 'more than one Host header (LD_BAD_CLIENT_REQUEST)',
  },
  {
    name: 'Transfer-Encoding in an HTTP/1.0 request',
    bytes: `POST ${BAD}/http10-te HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: '400 Bad Request',
    says: 'Transfer-Encoding in an HTTP/1.0 request (LD_BAD_CLIENT_REQUEST)',
  },
  {
    name: 'the goaway path',
    bytes: 'GET /_lambda_dispatch/goaway HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    status: '400 Bad Request',
    says: 'paths under /_lambda_dispatch/ are reserved (LD_RESERVED_PATH)',
  },
  {
    name: 'the goaway path in capitals and absolute form',
    bytes: 'GET http://x/_LAMBDA_DISPATCH/goaway HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    status: '400 Bad Request',
    says: 'LD_RESERVED_PATH',
  },
  {
    name: 'an X-Lambda-Name off the allow-list',
    bytes: `GET ${BAD}/name HTTP/1.1\r\nHost: x\r\nX-Lambda-Name: someone-elses-function\r\nConnection: close\r\n\r\n`,
    status: '403 Forbidden',
    says: 'X-Lambda-Name "someone-elses-function" is not on this router\'s allow-list (LD_LAMBDA_NAME_NOT_ALLOWED)',
  },
]

describe('bad input at the front door', () => {
  let fault: FaultStack
  let lambdaId: string
  let invokes: number

  before(async () => {
    fault = await startFaultStack({
      faultApp: true,
      routerSettings: {
        ...ONE_INSTANCE,
        LAMBDA_DISPATCH_MaxRequestHeadBytes: String(MAX_HEAD_BYTES),
        LAMBDA_DISPATCH_AllowedLambdaNames: 'another-function',
      },
    })
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    lambdaId = onlyInstance(fault)
    invokes = fault.stack.lambda.stats(fault.stack.functionName).invokes.RequestResponse
  })
  after(() => fault.close())

  for (const row of rows) {
    test(`${row.name} gets ${row.status}, the connection closes, and the router serves on`, async () => {
      const reply = await rawExchange(fault.frontDoorPort, row.bytes)
      assert.ok(reply.startsWith(`HTTP/1.1 ${row.status}\r\n`), reply.split('\r\n')[0])
      assert.match(reply, /\r\nConnection: close\r\n/i)
      assert.ok(reply.includes(row.says), `the answer names the problem: ${reply.slice(reply.indexOf('\r\n\r\n') + 4)}`)
      assert.equal((await fault.fetchText('/ping')).body, 'pong')
    })
  }

  test('a percent-encoded reserved path is an ordinary path: the app answers it and no instance is told to go away', async () => {
    const answer = await fault.fetchText('/%5Flambda_dispatch/goaway')
    assert.equal(answer.status, 404)
    assert.ok(fault.app.records.some((report) => report.target === '/%5Flambda_dispatch/goaway'))
    assert.equal(onlyInstance(fault), lambdaId)
  })

  for (const row of [
    {
      name: 'SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1',
      frames: () => [CONNECTION_PREFACE, settingsFrame([[0x4, 2 ** 31]])],
    },
    { name: 'SETTINGS_MAX_FRAME_SIZE below 16384', frames: () => [CONNECTION_PREFACE, settingsFrame([[0x5, 100]])] },
    { name: 'SETTINGS_ENABLE_PUSH of 7', frames: () => [CONNECTION_PREFACE, settingsFrame([[0x2, 7]])] },
  ]) {
    test(`an h2c client sending ${row.name} gets GOAWAY and a closed connection, and h2c and HTTP/1.1 serve on`, async (t) => {
      const peer = await RawH2Peer.connect(fault.frontDoorPort)
      t.after(() => peer.destroy())
      peer.send(...row.frames())
      await peer.closed
      assert.ok(peer.frames.records.some((received) => received.type === FRAME_TYPE.GOAWAY))
      await assertH2cServes()
    })
  }

  test('an h2c preface with the wrong magic is closed without an answer, and h2c serves on', async (t) => {
    const peer = await RawH2Peer.connect(fault.frontDoorPort)
    t.after(() => peer.destroy())
    peer.send(Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n', 'latin1'))
    await peer.closed
    assert.deepEqual(peer.frames.records, [])
    await assertH2cServes()
  })

  async function assertH2cServes(): Promise<void> {
    const session = http2Connect(fault.url)
    session.on('error', () => {})
    try {
      const stream = session.request({ ':path': '/ping', ':method': 'GET' })
      const [headers] = (await once(stream, 'response')) as [Record<string, unknown>]
      let body = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        body += chunk
      })
      await once(stream, 'end')
      assert.equal(headers[':status'], 200)
      assert.equal(body, 'pong')
    } finally {
      session.close()
    }
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
  }

  test('none of it reached the app, the same instance served throughout, and nothing leaked', async () => {
    assert.deepEqual(
      fault.app.records.filter((report) => report.target.startsWith(BAD) || report.target.includes('_lambda_dispatch')),
      [],
    )
    assert.equal(onlyInstance(fault), lambdaId)
    assert.equal(fault.stack.lambda.stats(fault.stack.functionName).invokes.RequestResponse, invokes)
    await assertPoolAtRest(fault)
    await closeAndAssertNoOrphans(fault)
  })
})
