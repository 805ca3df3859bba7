// Issue 4 §5 and §7: bodies stream both ways (≥ 20 MB, checked by hash), gzip applies to sized and chunked bodies
// with per-chunk flush (SSE arrives event by event), small or binary bodies pass untouched, and the switch turns it off.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { createGunzip, gunzipSync } from 'node:zlib'
import { patternBytes } from '../../src/demo-app/routes.js'
import { getHeader } from '../../src/protocol/index.js'
import { startHarness } from '../helpers/extension-harness.js'

const ENV = { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000' }
const GZIP = ['Accept-Encoding', 'gzip, deflate, br']
const TEXT_LINE = 'The quick brown fox jumps over the lazy dog; lambda dispatch streams this line again.\n'

function expectedText(length: number): string {
  return TEXT_LINE.repeat(Math.ceil(length / TEXT_LINE.length)).slice(0, length)
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

test('response compression and streaming through the tunnel', async (t) => {
  const harness = await startHarness(t, { env: ENV })
  const { router } = harness
  const invoke = harness.invoke({ id: 'lambda-streaming', numberOfChannels: 2 })

  await t.test('a sized text body over 1 KiB is gzipped, with Vary and without Content-Length', async () => {
    const result = await router.request({ method: 'GET', target: '/text?n=10000', headers: GZIP })
    const headers = result.head?.headers ?? []
    assert.equal(getHeader(headers, 'content-encoding'), 'gzip')
    assert.equal(getHeader(headers, 'vary'), 'Accept-Encoding')
    assert.equal(getHeader(headers, 'content-length'), undefined)
    assert.equal(gunzipSync(result.body).toString(), expectedText(10000))
    assert.ok(result.body.length < 10000)
  })

  await t.test('a chunked text body is gzipped too (the original skipped it)', async () => {
    const result = await router.request({ method: 'GET', target: '/text?n=200000&chunked=1', headers: GZIP })
    assert.equal(getHeader(result.head?.headers ?? [], 'content-encoding'), 'gzip')
    assert.equal(getHeader(result.head?.headers ?? [], 'transfer-encoding'), undefined)
    assert.equal(gunzipSync(result.body).toString(), expectedText(200000))
  })

  await t.test('small, binary or unaccepted bodies are sent as they are', async () => {
    const small = await router.request({ method: 'GET', target: '/text?n=1000', headers: GZIP })
    assert.equal(getHeader(small.head?.headers ?? [], 'content-encoding'), undefined)
    assert.equal(getHeader(small.head?.headers ?? [], 'content-length'), '1000')
    assert.equal(small.body.toString(), expectedText(1000))
    const binary = await router.request({ method: 'GET', target: '/bytes?n=5000', headers: GZIP })
    assert.equal(getHeader(binary.head?.headers ?? [], 'content-encoding'), undefined)
    assert.deepEqual(binary.body, patternBytes(5000))
    const refused = await router.request({
      method: 'GET',
      target: '/text?n=5000',
      headers: ['Accept-Encoding', 'gzip;q=0, identity'],
    })
    assert.equal(getHeader(refused.head?.headers ?? [], 'content-encoding'), undefined)
  })

  await t.test('gzipped server-sent events arrive one by one, before the stream ends', async () => {
    const exchange = (await router.nextChannel()).send({
      method: 'GET',
      target: '/sse?n=3&interval=300',
      headers: GZIP,
    })
    const head = await exchange.head
    assert.equal(getHeader(head.headers, 'content-encoding'), 'gzip')
    const gunzip = createGunzip()
    exchange.onBodyChunk((chunk) => gunzip.write(chunk))
    let finished = false
    void exchange.done.then(() => {
      finished = true
      gunzip.end()
    })
    const arrivals: Array<{ text: string; finished: boolean }> = []
    let text = ''
    for await (const decoded of gunzip) {
      text += (decoded as Buffer).toString()
      arrivals.push({ text, finished })
    }
    assert.equal(text, 'data: 0\n\ndata: 1\n\ndata: 2\n\n')
    // Each event was readable on its own while the response was still open.
    const firstEvent = arrivals.find((arrival) => arrival.text.includes('data: 0\n\n'))
    assert.equal(firstEvent?.text, 'data: 0\n\n')
    assert.equal(firstEvent?.finished, false)
  })

  await t.test('20 MiB streams to the app and back in one exchange, byte for byte', async () => {
    const totalBytes = 20 * 1024 * 1024
    const body = patternBytes(totalBytes)
    const result = await router.request(
      {
        method: 'POST',
        target: '/echo',
        headers: ['Content-Type', 'application/octet-stream', 'Content-Length', String(totalBytes), ...GZIP],
      },
      Readable.from(chunksOf(body, 256 * 1024)),
    )
    assert.equal(result.head?.status, 200)
    assert.equal(result.body.length, totalBytes)
    assert.equal(result.bodySha256, sha256(body))
  })

  await t.test('a 20 MiB download arrives byte for byte', async () => {
    const totalBytes = 20 * 1024 * 1024 + 7
    const result = await router.request({ method: 'GET', target: `/bytes?n=${totalBytes}` })
    assert.equal(getHeader(result.head?.headers ?? [], 'content-length'), String(totalBytes))
    assert.equal(result.bodySha256, sha256(patternBytes(totalBytes)))
  })

  await router.waitForParked(2)
  await router.goawayParked()
  assert.equal((await invoke).kind, 'response')
})

test('LAMBDA_DISPATCH_ENABLE_COMPRESSION=false sends every body as the app wrote it', async (t) => {
  const harness = await startHarness(t, { env: { ...ENV, LAMBDA_DISPATCH_ENABLE_COMPRESSION: 'false' } })
  const invoke = harness.invoke({ id: 'lambda-no-gzip', numberOfChannels: 1 })
  const result = await harness.router.request({ method: 'GET', target: '/text?n=10000', headers: GZIP })
  assert.equal(getHeader(result.head?.headers ?? [], 'content-encoding'), undefined)
  assert.equal(getHeader(result.head?.headers ?? [], 'content-length'), '10000')
  assert.equal(result.body.toString(), expectedText(10000))
  await harness.router.waitForParked(1)
  await harness.router.goawayParked()
  assert.equal((await invoke).kind, 'response')
})

function* chunksOf(buffer: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < buffer.length; offset += size) yield buffer.subarray(offset, offset + size)
}
