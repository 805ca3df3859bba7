// Issue 3 item 11: graceful shutdown in process. close() under load lets every accepted request finish, answers new
// requests on open connections with 503 + Connection: close, stops listening, sends goaway to every instance, and
// bounds the wait with ShutdownTimeout (what is still unanswered then gets 503).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as netConnect, type Socket } from 'node:net'
import { test } from 'node:test'
import { request as undiciRequest } from 'undici'
import type { WaiterRequest } from '../../src/protocol/index.js'
import { deferred } from '../helpers/deferred.js'
import { connectBack } from '../helpers/router-scripted-invoker.js'
import type { ScriptedApp, ServeResult } from '../helpers/scripted-extension.js'
import { startRouter } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'

/** An app that holds every response until the test opens the gate. */
function gatedApp(): { app: ScriptedApp; open(): void; arrived: number; whenArrived(count: number): Promise<void> } {
  const { promise: gate, resolve: openGate } = deferred()
  const waiters: { count: number; resolve: () => void }[] = []
  const state = {
    arrived: 0,
    open: () => openGate(),
    whenArrived(count: number): Promise<void> {
      if (state.arrived >= count) return Promise.resolve()
      return new Promise((resolve) => waiters.push({ count, resolve }))
    },
    app: (async (head, channel) => {
      state.arrived++
      for (const waiter of waiters.filter((candidate) => state.arrived >= candidate.count)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
      await channel.requestBody
      const body = `done ${head.target}`
      // /started/… responses send their head at once and hold only the body.
      if (head.target.startsWith('/started/')) channel.writeHead(200, ['Content-Length', String(body.length)])
      await gate
      if (head.target.startsWith('/started/')) channel.end(body)
      else channel.respond(200, ['Content-Type', 'text/plain'], body)
    }) as ScriptedApp,
  }
  return state
}

/** Reads from `socket` until the text read by this call satisfies `done`. */
async function readUntil(socket: Socket, done: (text: string) => boolean): Promise<string> {
  let text = ''
  while (!done(text)) {
    const [chunk] = (await once(socket, 'data')) as [Buffer]
    text += chunk.toString('latin1')
  }
  return text
}

const hasHead = (text: string): boolean => text.includes('\r\n\r\n')

function send(socket: Socket, target: string): void {
  socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)
}

test('close() under load finishes every accepted request, stops accepting connections, and sends goaway to every instance', async (t) => {
  const defer = teardown(t)
  const gated = gatedApp()
  const served: ServeResult[] = []
  const { addresses, router, invoker, close } = await startRouter({
    behaviour: connectBack(gated.app, { onServed: (_payload: WaiterRequest, result) => served.push(result) }),
    env: { LAMBDA_DISPATCH_MaxConcurrentCount: '16', LAMBDA_DISPATCH_ShutdownTimeout: '30s' },
  })
  // Last in, first out: the gate opens before close() runs, so a failing assertion never leaves close() waiting.
  defer(close)
  defer(() => gated.open())

  // A keep-alive connection whose response started before closing: that response completes, then the connection
  // closes.
  const reused = netConnect(Number(new URL(addresses.frontDoorUrl).port), '127.0.0.1')
  defer(() => reused.destroy())
  await once(reused, 'connect')
  send(reused, '/started/1')
  const startedHead = await readUntil(reused, hasHead)
  assert.match(startedHead, /^HTTP\/1\.1 200 /)
  assert.doesNotMatch(startedHead, /connection: close/i)

  const inFlight = Array.from({ length: 12 }, (_, index) =>
    undiciRequest(`${addresses.frontDoorUrl}/work/${index}`).then(async (response) => ({
      status: response.statusCode,
      body: await response.body.text(),
    })),
  )
  await gated.whenArrived(13)
  assert.equal(router.inFlightCount, 13, 'every request reached the app before closing')

  const closing = router.close()
  assert.equal(router.state, 'closing')

  await assert.rejects(undiciRequest(`${addresses.frontDoorUrl}/new-connection`), 'the listener no longer accepts')

  gated.open()
  assert.match(await readUntil(reused, (text) => text.endsWith('done /started/1')), /done \/started\/1$/)
  // Once its in-flight response is complete, the closed server does not keep the connection: no request can start
  // on it any more.
  if (!reused.destroyed && !reused.readableEnded) await once(reused, 'end')
  const results = await Promise.all(inFlight)
  assert.deepEqual(
    results.map((result) => result.status),
    Array(12).fill(200),
  )
  assert.deepEqual(
    results.map((result) => result.body).sort(),
    Array.from({ length: 12 }, (_, index) => `done /work/${index}`).sort(),
  )
  await closing
  assert.equal(router.state, 'closed')
  assert.ok(invoker.payloads.length >= 1)
  assert.equal(served.length, invoker.payloads.length, 'every invoke returned before close() resolved')
  assert.ok(
    served.every((result) => result.goaways + result.refusals > 0),
    'every instance was told to go away',
  )
  await router.close()
})

test('requests still unanswered when ShutdownTimeout runs out get 503 and close() resolves', async (t) => {
  const defer = teardown(t)
  const gated = gatedApp()
  const { addresses, router, close } = await startRouter({
    app: gated.app,
    env: { LAMBDA_DISPATCH_ShutdownTimeout: '200ms' },
  })
  defer(close)
  defer(() => gated.open())
  const stuck = undiciRequest(`${addresses.frontDoorUrl}/stuck`).then(async (response) => ({
    status: response.statusCode,
    body: await response.body.text(),
  }))
  await gated.whenArrived(1)
  const closing = router.close()
  const result = await stuck
  assert.equal(result.status, 503)
  assert.match(result.body, /LD_ROUTER_CLOSING/)
  gated.open()
  await closing
  assert.equal(router.state, 'closed')
})

test('close() before start() and twice in a row is harmless', async () => {
  const { router } = await startRouter()
  await Promise.all([router.close(), router.close()])
  assert.equal(router.state, 'closed')
})
