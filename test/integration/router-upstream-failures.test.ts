// Issue 3 item 3 (errors, streaming): what the extension can get wrong and what the handler is told — a malformed
// or oversized response head (BadUpstreamHeadError → 502), a stream that ends or resets before the head
// (UpstreamClosedError → 502) or mid-body (afterResponseStart: the client is aborted) — each with the channel stream
// reset and no busy channel left. Also full-duplex streaming: the response starts before the request body ends.
import assert from 'node:assert/strict'
import { constants as http2 } from 'node:http2'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { HeadTooLargeError, IncompleteHeadError, MalformedHeadError } from '../../src/protocol/index.js'
import type { ExchangeHandler } from '../../src/router/dispatch/exchange.js'
import { BadUpstreamHeadError, UpstreamClosedError } from '../../src/router/errors.js'
import { checkHandler } from '../helpers/checked-handler.js'
import { deferred } from '../helpers/deferred.js'
import { startRouterHarness, testRequest } from '../helpers/router-harness.js'
import { connectBack } from '../helpers/router-scripted-invoker.js'
import type { ScriptedApp, ScriptedChannel } from '../helpers/scripted-extension.js'

async function runOne(
  t: Parameters<typeof startRouterHarness>[0],
  app: (channel: ScriptedChannel) => Promise<void> | void,
  inner?: ExchangeHandler,
): Promise<{ handler: ReturnType<typeof checkHandler>; channel: ScriptedChannel; busy: number }> {
  let seen: ScriptedChannel | undefined
  const scripted: ScriptedApp = async (_head, channel) => {
    seen = channel
    await channel.requestBody
    await app(channel)
    await channel.closed
  }
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', channelCount: 1, upstreamHeadLimits: { maxHeadBytes: 1024, maxHeaderCount: 8 } }],
    behaviour: connectBack(scripted),
  })
  const handler = checkHandler(t, inner)
  router.pool.dispatcher.dispatch(testRequest().request, handler)
  await handler.settled
  assert.deepEqual(handler.violations, [])
  const channel = seen
  assert.ok(channel)
  await channel.closed
  const busy = router.pool.snapshot().instances.reduce((sum, instance) => sum + instance.busyChannels, 0)
  return { handler, channel, busy }
}

function errorOf(handler: ReturnType<typeof checkHandler>): unknown {
  const last = handler.events.at(-1)
  return last?.kind === 'error' ? last.error : undefined
}

test('a malformed response head fails with BadUpstreamHeadError caused by MalformedHeadError, and a reset', async (t) => {
  const { handler, channel, busy } = await runOne(t, (channel) => {
    channel.write('HTTP/1.1 OK\r\n\r\n')
  })
  const error = errorOf(handler)
  assert.ok(error instanceof BadUpstreamHeadError)
  assert.ok(error.cause instanceof MalformedHeadError)
  assert.equal(handler.events.length, 1)
  assert.deepEqual(await channel.closed, { rstCode: http2.NGHTTP2_CANCEL })
  assert.equal(busy, 0)
})

test('a response head over the limit fails with BadUpstreamHeadError caused by HeadTooLargeError', async (t) => {
  const { handler, busy } = await runOne(t, (channel) => {
    channel.write(`HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(2000)}\r\n\r\n`)
  })
  const error = errorOf(handler)
  assert.ok(error instanceof BadUpstreamHeadError)
  assert.ok(error.cause instanceof HeadTooLargeError)
  assert.equal(busy, 0)
})

test('a stream ended with half a head fails with UpstreamClosedError before the response started', async (t) => {
  const { handler, busy } = await runOne(t, (channel) => {
    channel.end('HTTP/1.1 200 OK\r\nContent-')
  })
  const error = errorOf(handler)
  assert.ok(error instanceof UpstreamClosedError)
  assert.equal(error.afterResponseStart, false)
  assert.ok(error.cause instanceof IncompleteHeadError)
  assert.equal(busy, 0)
})

test('a stream ended with no bytes at all fails with UpstreamClosedError before the response started', async (t) => {
  const { handler, busy } = await runOne(t, (channel) => {
    channel.end()
  })
  const error = errorOf(handler)
  assert.ok(error instanceof UpstreamClosedError)
  assert.equal(error.afterResponseStart, false)
  assert.equal(busy, 0)
})

test('a stream reset before the head fails with UpstreamClosedError', async (t) => {
  const { handler, busy } = await runOne(t, (channel) => {
    channel.reset()
  })
  const error = errorOf(handler)
  assert.ok(error instanceof UpstreamClosedError)
  assert.equal(error.afterResponseStart, false)
  assert.equal(busy, 0)
})

test('a stream reset mid-body fails with UpstreamClosedError after the response started', async (t) => {
  const { promise: gotData, resolve: dataSeen } = deferred()
  const { handler, busy } = await runOne(
    t,
    async (channel) => {
      channel.writeHead(200, ['Content-Type', 'text/plain'])
      channel.write('some')
      // Reset only once the router relayed the bytes, so the response surely started first.
      await gotData
      channel.reset()
    },
    { onResponseStart: () => {}, onResponseData: () => dataSeen(), onResponseEnd: () => {}, onResponseError: () => {} },
  )
  assert.deepEqual(
    handler.events.map((event) => event.kind),
    ['start', 'data', 'error'],
  )
  const error = errorOf(handler)
  assert.ok(error instanceof UpstreamClosedError)
  assert.equal(error.afterResponseStart, true)
  assert.equal(handler.body.toString(), 'some')
  assert.equal(busy, 0)
})

test('the response streams back before the request body ends (full duplex), chunk by chunk', async (t) => {
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', channelCount: 1 }],
    behaviour: connectBack(async (_head, channel) => {
      channel.writeHead(200, ['Content-Type', 'application/octet-stream'])
      channel.onBodyChunk((chunk) => channel.write(Buffer.from(`<${chunk.toString()}>`)))
      await channel.requestBody
      channel.end('done')
      await channel.closed
    }),
  })
  const body = new PassThrough()
  const chunks: string[] = []
  let onChunk: () => void = () => {}
  const handler = checkHandler(t, {
    onResponseStart: () => {},
    onResponseData: (chunk) => {
      chunks.push(chunk.toString())
      onChunk()
    },
    onResponseEnd: () => {},
    onResponseError: () => {},
  })
  const nextChunk = (): Promise<void> =>
    new Promise((resolve) => {
      onChunk = resolve
    })
  router.pool.dispatcher.dispatch(testRequest({ method: 'POST', body }).request, handler)
  let arrived = nextChunk()
  body.write('one')
  await arrived
  assert.deepEqual(chunks, ['<one>'])
  arrived = nextChunk()
  body.write('two')
  await arrived
  assert.deepEqual(chunks, ['<one>', '<two>'])
  body.end()
  assert.equal(await handler.settled, 'end')
  assert.equal(chunks.join(''), '<one><two>done')
  assert.deepEqual(handler.violations, [])
})

test('a response that ends before the request body does completes, and the rest of the upload is not sent', async (t) => {
  let received = ''
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', channelCount: 1 }],
    behaviour: connectBack(async (_head, channel) => {
      channel.onBodyChunk((chunk) => {
        received += chunk.toString()
        channel.respond(413, ['Content-Type', 'text/plain'], 'too big')
      })
      await channel.closed
    }),
  })
  const body = new PassThrough()
  const handler = checkHandler(t)
  router.pool.dispatcher.dispatch(testRequest({ method: 'POST', body }).request, handler)
  body.write('first')
  assert.equal(await handler.settled, 'end')
  const start = handler.events[0]
  assert.ok(start?.kind === 'start' && start.status === 413)
  assert.equal(handler.body.toString(), 'too big')
  body.write('second')
  body.end()
  assert.equal(received, 'first')
  assert.equal(router.pool.snapshot().instances[0]?.busyChannels, 0)
})
