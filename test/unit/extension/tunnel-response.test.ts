// The framed response head, checked against the golden transcript of the original (§4.4), and the writer's
// back-pressure and failure framing against a stand-in channel stream.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { ClientHttp2Stream } from 'node:http2'
import { resolve } from 'node:path'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { compressedHeaders } from '../../../src/extension/compression.js'
import { AppRequestError } from '../../../src/extension/errors.js'
import type { RelayController } from '../../../src/extension/relay.js'
import {
  type ResponseOutcome,
  TUNNEL_WRITE_BUFFER_BYTES,
  TunnelResponseWriter,
  tunnelResponseHead,
} from '../../../src/extension/tunnel-response.js'

const GOLDEN = readFileSync(resolve(import.meta.dirname, '../../fixtures/transcripts/response-gzip.bin'))
const LAMBDA_ID = '0f8e8b8a-3c1e-4a77-9d0e-5c3f0d6e9b21'
const CHANNEL_ID = '7a0ebe6c-535a-408f-b069-f82b4e065c77'

test('a gzipped response head matches the original byte for byte, plus the Vary line the original lacked', () => {
  const appHeaders = [
    'x-powered-by',
    'Express',
    'content-type',
    'text/html; charset=utf-8',
    'content-length',
    '1453',
    'etag',
    'W/"5ad-abc"',
    'date',
    'Tue, 08 Apr 2025 17:15:42 GMT',
  ]
  const head = tunnelResponseHead(200, compressedHeaders(appHeaders), LAMBDA_ID, CHANNEL_ID)
  const goldenHead = GOLDEN.subarray(0, GOLDEN.indexOf('\r\n\r\n') + 4).toString('latin1')
  assert.equal(head.toString('latin1'), goldenHead.replace(/\r\n\r\n$/, '\r\nvary: Accept-Encoding\r\n\r\n'))
})

test('a status without a canonical reason is written as the original writes it', () => {
  assert.equal(
    tunnelResponseHead(599, [], 'l', 'c').toString('latin1'),
    'HTTP/1.1 599\r\nX-Lambda-Id: l\r\nX-Channel-Id: c\r\n\r\n',
  )
})

/** A stand-in for the channel stream: a Writable that holds every write until release() (a full HTTP/2 window). */
function heldStream(): { stream: ClientHttp2Stream; written: Buffer[]; release: () => void; writable: Writable } {
  const pending: Array<() => void> = []
  const written: Buffer[] = []
  let open = false
  const writable = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk)
      if (open) callback()
      else pending.push(callback)
    },
  })
  writable.on('error', () => {})
  const release = (): void => {
    open = true
    for (const callback of pending.splice(0)) callback()
  }
  return { stream: writable as unknown as ClientHttp2Stream, written, release, writable }
}

function recordingController(): RelayController & { calls: string[] } {
  const calls: string[] = []
  return { calls, pause: () => calls.push('pause'), resume: () => calls.push('resume') }
}

function writer(stream: ClientHttp2Stream, acceptEncoding?: string, outcomes: ResponseOutcome[] = []) {
  return new TunnelResponseWriter(stream, {
    lambdaId: 'l',
    channelId: 'c',
    method: 'GET',
    acceptEncoding,
    compression: true,
    onDone: (outcome) => outcomes.push(outcome),
  })
}

test('a full channel stream pauses the app response, and its drain resumes it', async () => {
  const held = heldStream()
  const controller = recordingController()
  const tunnel = writer(held.stream)
  tunnel.onResponseStart(200, ['content-type', 'application/octet-stream'], controller)
  // Node's own 16 KiB mark does not pause the app; TUNNEL_WRITE_BUFFER_BYTES queued does.
  const chunk = Buffer.alloc(64 * 1024)
  for (let queued = chunk.length; queued < TUNNEL_WRITE_BUFFER_BYTES; queued += chunk.length) {
    tunnel.onResponseData(chunk)
  }
  assert.deepEqual(controller.calls, [])
  tunnel.onResponseData(chunk)
  assert.deepEqual(controller.calls, ['pause'])
  const drained = once(held.writable, 'drain')
  held.release()
  await drained
  assert.deepEqual(controller.calls, ['pause', 'resume'])
})

test('through gzip too: a full stream backs up into the compressor, which pauses the app', async () => {
  const held = heldStream()
  const controller = recordingController()
  const tunnel = writer(held.stream, 'gzip')
  tunnel.onResponseStart(200, ['content-type', 'text/plain'], controller)
  const text = Buffer.from('compressible text, again and again. '.repeat(4096))
  for (let index = 0; index < 64 && !controller.calls.includes('pause'); index++) tunnel.onResponseData(text)
  assert.deepEqual(controller.calls, ['pause'])
  // Let everything through: the compressor drains and the app is resumed.
  const resumed = new Promise<void>((resolve) => {
    controller.resume = () => {
      controller.calls.push('resume')
      resolve()
    }
  })
  held.release()
  await resumed
  assert.deepEqual(controller.calls, ['pause', 'resume'])
})

test('an app failure before the head becomes a framed 502; after the head, a reset', () => {
  const outcomes: ResponseOutcome[] = []
  const before = heldStream()
  writer(before.stream, undefined, outcomes).onResponseError(
    new AppRequestError('GET', '/', 'before-response', 'ECONNREFUSED'),
  )
  before.release()
  assert.match(Buffer.concat(before.written).toString('latin1'), /^HTTP\/1\.1 502 Bad Gateway\r\nX-Lambda-Id: l\r\n/)
  const after = heldStream()
  const tunnel = writer(after.stream, undefined, outcomes)
  tunnel.onResponseStart(200, [], recordingController())
  tunnel.onResponseError(new AppRequestError('GET', '/', 'mid-response', 'UND_ERR_SOCKET'))
  assert.equal(after.writable.destroyed, true)
  assert.deepEqual(
    outcomes.map((outcome) => (outcome.kind === 'app-error' ? outcome.headSent : outcome.kind)),
    [false, true],
  )
})
