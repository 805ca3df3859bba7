// Node 20 keeps an HTTP/2 server stream that was reset while its data still sat in the socket's write queue in the
// session's stream table, which admits only maxConcurrentStreams: after a few hundred client aborts on one connection
// every new stream was refused with ENHANCE_YOUR_CALM and then the whole session failed, taking every other request
// multiplexed on it along (the soak's h2c clients hit it after about 12,000 requests each; issue 6 item 1). The front
// door now moves such a client to a new connection with a graceful GOAWAY well before that.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { type ClientHttp2Session, constants as http2, connect as http2Connect } from 'node:http2'
import { test } from 'node:test'
import { recordingController, ScriptedDispatcher } from '../helpers/scripted-dispatcher.js'
import { startFrontDoor } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'

const CHUNK = Buffer.alloc(64 * 1024, 1)

test('clients that abort hundreds of downloads on one connection are moved on, never refused', async (t) => {
  const defer = teardown(t)
  // Each response queues 256 KiB at once, so a reset finds data still waiting for the socket.
  const pool = new ScriptedDispatcher(t, (call) => {
    call.handler.onResponseStart(200, ['Content-Type', 'application/octet-stream'], recordingController())
    for (let index = 0; index < 4; index++) call.handler.onResponseData(CHUNK)
    call.handler.onResponseEnd()
  })
  const door = await startFrontDoor({ pools: { default: pool } })
  defer(() => door.close())

  let session: ClientHttp2Session | undefined
  let sessions = 0
  const current = (): ClientHttp2Session => {
    if (session === undefined || session.closed || session.destroyed) {
      session = http2Connect(door.httpUrl)
      session.on('error', () => {})
      sessions++
    }
    return session
  }
  defer(() => session?.destroy())
  const errors: string[] = []
  const abortOne = async (): Promise<void> => {
    const stream = current().request({ ':method': 'GET', ':path': '/big' })
    stream.on('error', (error: Error) => errors.push(error.message))
    await once(stream, 'data').catch(() => {})
    stream.close(http2.NGHTTP2_CANCEL)
    if (!stream.closed) await once(stream, 'close')
  }
  for (let round = 0; round < 800; round++) await abortOne()
  assert.deepEqual(errors, [])
  assert.ok(sessions > 1, 'the front door asked the client to reconnect')
  // And a plain request on the connection in use now is answered in full.
  const stream = current().request({ ':method': 'GET', ':path': '/big' })
  let bytes = 0
  stream.on('data', (chunk: Buffer) => {
    bytes += chunk.length
  })
  await once(stream, 'end')
  assert.equal(bytes, 4 * CHUNK.length)
})
