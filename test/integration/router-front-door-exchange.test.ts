// Issue 3 items 2–4: how ClientExchange writes a dispatcher's outcome. Errors before the response started become
// statusFor() answers; errors after it abort the connection or stream; client aborts reach request.signal; a slow
// client pauses the upstream. Scripted dispatchers stand in for pools.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as http2Connect, constants as http2Constants } from 'node:http2'
import { connect as netConnect } from 'node:net'
import { test } from 'node:test'
import { request as undiciRequest } from 'undici'
import type { RequestSignal } from '../../src/router/dispatch/request-abort.js'
import {
  BadUpstreamHeadError,
  ClientAbortedError,
  HeadTimeoutError,
  NoCapacityError,
  QueueFullError,
  QueueTimeoutError,
  RouterClosingError,
  type RouterError,
  UpstreamClosedError,
} from '../../src/router/errors.js'
import { recordingController, ScriptedDispatcher } from '../helpers/scripted-dispatcher.js'
import { startFrontDoor } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'

// Resolves when the request's signal aborts, at once if it already has.
function whenAborted(signal: RequestSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve()))
}

const beforeStart: { error: () => RouterError; status: number; retryAfter?: string; close?: true }[] = [
  { error: () => new QueueFullError('default', 100), status: 503, retryAfter: '1' },
  { error: () => new NoCapacityError('default', 'circuit open', 2500), status: 503, retryAfter: '3' },
  { error: () => new RouterClosingError(), status: 503, close: true },
  { error: () => new QueueTimeoutError('default', 30_000), status: 504 },
  { error: () => new HeadTimeoutError('l1', 'c1', 5000), status: 504 },
  { error: () => new BadUpstreamHeadError('l1', 'c1'), status: 502 },
  { error: () => new UpstreamClosedError('l1', 'c1', false), status: 502 },
]

for (const row of beforeStart) {
  const sample = row.error()
  test(`${sample.code} before the response started answers ${row.status} over HTTP/1.1 and HTTP/2`, async (t) => {
    const defer = teardown(t)
    const pool = new ScriptedDispatcher(t, (call) => call.handler.onResponseError(row.error()))
    const door = await startFrontDoor({ pools: { default: pool } })
    defer(() => door.close())

    const overH1 = await undiciRequest(`${door.httpUrl}/x`, { headers: { 'x-request-id': 'req-123' } })
    assert.equal(overH1.statusCode, row.status)
    assert.equal(overH1.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(overH1.headers['retry-after'], row.retryAfter)
    assert.equal(overH1.headers['x-request-id'], 'req-123')
    assert.equal(overH1.headers.connection, row.close ? 'close' : 'keep-alive')
    assert.match(await overH1.body.text(), new RegExp(`\\(${sample.code}\\)\\n$`))

    const session = http2Connect(door.httpUrl)
    defer(() => session.destroy())
    const stream = session.request({ ':path': '/x', ':method': 'GET' })
    const [headers] = (await once(stream, 'response')) as [Record<string, unknown>]
    assert.equal(headers[':status'], row.status)
    assert.equal(headers['retry-after'], row.retryAfter)
    assert.equal(headers.connection, undefined, 'no connection header on HTTP/2')
    stream.resume()
    await once(stream, 'end')
    if (row.close) await once(session, 'goaway')
    assert.deepEqual(pool.violations, [])
  })
}

test('an upstream failure after the response started aborts the HTTP/1.1 connection instead of appending text', async (t) => {
  const pool = new ScriptedDispatcher(t, (call) => {
    call.handler.onResponseStart(200, ['Content-Length', '100'], recordingController())
    call.handler.onResponseData(Buffer.from('partial'))
    setImmediate(() => call.handler.onResponseError(new UpstreamClosedError('l1', 'c1', true)))
  })
  const door = await startFrontDoor({ pools: { default: pool } })
  t.after(() => door.close())
  const response = await undiciRequest(`${door.httpUrl}/x`)
  assert.equal(response.statusCode, 200)
  await assert.rejects(response.body.text())
  assert.equal(door.accessLog[0]?.result, 'aborted')
  assert.equal(door.accessLog[0]?.errorCode, 'LD_UPSTREAM_CLOSED')
})

test('an upstream failure after the response started resets only that HTTP/2 stream with INTERNAL_ERROR', async (t) => {
  const defer = teardown(t)
  const pool = new ScriptedDispatcher(t, (call) => {
    call.handler.onResponseStart(200, [], recordingController())
    call.handler.onResponseData(Buffer.from('partial'))
    setImmediate(() => call.handler.onResponseError(new UpstreamClosedError('l1', 'c1', true)))
  })
  const door = await startFrontDoor({ pools: { default: pool } })
  defer(() => door.close())
  const session = http2Connect(door.httpUrl)
  defer(() => session.destroy())
  const stream = session.request({ ':path': '/x', ':method': 'GET' })
  stream.on('error', () => {})
  stream.resume()
  await new Promise((resolve) => stream.on('close', resolve))
  assert.equal(stream.rstCode, http2Constants.NGHTTP2_INTERNAL_ERROR)
  assert.equal(session.closed, false, 'the session survives')
})

test('a client that goes away while its request waits aborts request.signal with ClientAbortedError', async (t) => {
  const pool = new ScriptedDispatcher(t)
  const door = await startFrontDoor({ pools: { default: pool } })
  t.after(() => door.close())
  const controller = new AbortController()
  const pending = undiciRequest(`${door.httpUrl}/slow`, { signal: controller.signal }).catch((error: Error) => error)
  const call = await pool.nextCall()
  controller.abort()
  await whenAborted(call.request.signal)
  assert.ok(call.request.signal.reason instanceof ClientAbortedError)
  assert.ok((await pending) instanceof Error)
  // The dispatcher reports the abort back, as the contract says; the exchange is already over and ignores it.
  call.handler.onResponseError(call.request.signal.reason as ClientAbortedError)
  assert.deepEqual(call.handler.violations, [])
  assert.equal(door.accessLog[0]?.status, 499)
  assert.equal(door.frontDoor.inFlightCount, 0)
})

test('an HTTP/2 client that cancels its stream mid-response aborts request.signal', async (t) => {
  const defer = teardown(t)
  const pool = new ScriptedDispatcher(t, (call) => {
    call.handler.onResponseStart(200, [], recordingController())
    call.handler.onResponseData(Buffer.from('first'))
  })
  const door = await startFrontDoor({ pools: { default: pool } })
  defer(() => door.close())
  const session = http2Connect(door.httpUrl)
  defer(() => session.destroy())
  const stream = session.request({ ':path': '/stream', ':method': 'GET' })
  await once(stream, 'data')
  stream.close(http2Constants.NGHTTP2_CANCEL)
  const call = pool.calls[0]
  assert.ok(call)
  await whenAborted(call.request.signal)
  assert.ok(call.request.signal.reason instanceof ClientAbortedError)
})

test('a client that reads slowly pauses the upstream and resumes it on drain, and every byte arrives', async (t) => {
  const defer = teardown(t)
  const controller = recordingController()
  const chunk = Buffer.alloc(256 * 1024, 0x61)
  const chunkCount = 32
  let sent = 0
  const pool = new ScriptedDispatcher(t, (call) => {
    const pump = (): void => {
      while (sent < chunkCount && controller.pauses === controller.resumes) {
        sent++
        call.handler.onResponseData(chunk)
      }
      // A paused upstream delivers nothing, its end included, until it is resumed.
      if (sent === chunkCount && controller.pauses === controller.resumes) call.handler.onResponseEnd()
    }
    const wrapped = {
      pause: () => controller.pause(),
      resume: () => {
        controller.resume()
        pump()
      },
      isResponseComplete: () => controller.isResponseComplete(),
    }
    call.handler.onResponseStart(200, ['Content-Length', String(chunk.length * chunkCount)], wrapped)
    pump()
  })
  const door = await startFrontDoor({ pools: { default: pool } })
  defer(() => door.close())
  const socket = netConnect(door.port, '127.0.0.1')
  defer(() => socket.destroy())
  await once(socket, 'connect')
  socket.pause()
  socket.write('GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  // Nothing is read until the upstream has been paused: that is the back-pressure under test.
  while (controller.pauses === 0) await once(socket, 'readable').catch(() => undefined)
  let received = 0
  socket.on('data', (data: Buffer) => {
    received += data.length
  })
  socket.resume()
  await once(socket, 'close')
  assert.ok(controller.pauses >= 1)
  assert.equal(controller.resumes, controller.pauses)
  assert.ok(received > chunk.length * chunkCount, 'head plus the whole body arrived')
  assert.deepEqual(pool.violations, [])
})

test('a response head Node refuses to write becomes 502 and aborts the upstream', async (t) => {
  const pool = new ScriptedDispatcher(t, (call) => {
    call.handler.onResponseStart(200, ['X-Bad', 'a\nb'], recordingController())
    call.handler.onResponseData(Buffer.from('ignored'))
    call.handler.onResponseEnd()
  })
  const door = await startFrontDoor({ pools: { default: pool } })
  t.after(() => door.close())
  const response = await undiciRequest(`${door.httpUrl}/x`)
  assert.equal(response.statusCode, 502)
  await response.body.dump()
  assert.equal(pool.calls[0]?.request.signal.aborted, true)
  assert.deepEqual(pool.violations, [])
})

test('connection-specific response headers never reach an HTTP/2 client and a repeated single-value header keeps its first value', async (t) => {
  const defer = teardown(t)
  const pool = new ScriptedDispatcher(t, (call) => {
    call.handler.onResponseStart(
      200,
      [
        'Connection',
        'keep-alive',
        'Keep-Alive',
        'timeout=5',
        'Transfer-Encoding',
        'chunked',
        'Upgrade',
        'h2c',
        'Content-Type',
        'text/plain',
        'Content-Type',
        'text/html',
        'Set-Cookie',
        'a=1',
        'Set-Cookie',
        'b=2',
      ],
      recordingController(),
    )
    call.handler.onResponseData(Buffer.from('body'))
    call.handler.onResponseEnd()
  })
  const door = await startFrontDoor({ pools: { default: pool } })
  defer(() => door.close())
  const session = http2Connect(door.httpUrl)
  defer(() => session.destroy())
  const stream = session.request({ ':path': '/x', ':method': 'GET' })
  const [headers] = (await once(stream, 'response')) as [Record<string, unknown>]
  stream.setEncoding('utf8')
  let body = ''
  stream.on('data', (text: string) => {
    body += text
  })
  await once(stream, 'end')
  assert.equal(body, 'body')
  assert.equal(headers[':status'], 200)
  for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade'])
    assert.equal(headers[name], undefined)
  assert.equal(headers['content-type'], 'text/plain')
  assert.deepEqual(headers['set-cookie'], ['a=1', 'b=2'])
})
