// Issue 4 §3 (bounded connects, original issue #159): the DispatcherUrl leads to something that accepts the TCP
// connection but never speaks HTTP/2 (no SETTINGS, not one byte). Each connect attempt ends with the named
// LD_ROUTER_CONNECT_TIMEOUT after LAMBDA_DISPATCH_ROUTER_CONNECT_TIMEOUT_MS, the attempts stop at
// LAMBDA_DISPATCH_ROUTER_CONNECT_ATTEMPTS, and the invoke returns RouterUnreachable instead of parking its channels
// on a connection that will never answer. Each attempt gets twice the time of the one before (issue 12: a starved
// host is slow, not unreachable), within the invoke's deadline.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { type AddressInfo, createServer, type Socket } from 'node:net'
import { test } from 'node:test'
import { startHarness } from '../helpers/extension-harness.js'
import { teardown } from '../helpers/teardown.js'

const CONNECT_TIMEOUT_MS = 300
const ATTEMPTS = 3
// 300, 600 and 1200 ms: each attempt doubles the configured timeout.
const ATTEMPT_TIMEOUTS_MS = [300, 600, 1200]
const TOTAL_TIMEOUT_MS = 2100
// RFC 9113 §3.4: the client connection preface.
const HTTP2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'

interface SilentConnection {
  readonly received: Buffer[]
  /** Resolves once the extension closed the connection (this server never does). */
  readonly closed: Promise<void>
}

test('a router address that accepts TCP but never sends SETTINGS: each attempt times out within its bound, the attempts stop, the invoke returns RouterUnreachable', async (t) => {
  const defer = teardown(t)
  const connections: SilentConnection[] = []
  const sockets = new Set<Socket>()
  const silent = createServer((socket) => {
    const received: Buffer[] = []
    sockets.add(socket)
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.on('error', () => {})
    const closed = new Promise<void>((resolve) => {
      socket.once('close', () => {
        sockets.delete(socket)
        resolve()
      })
    })
    connections.push({ received, closed })
  })
  silent.listen(0, '127.0.0.1')
  await once(silent, 'listening')
  defer(() => {
    for (const socket of sockets) socket.destroy()
    silent.close()
  })
  const { port } = silent.address() as AddressInfo

  const harness = await startHarness(t, {
    env: {
      LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000',
      LAMBDA_DISPATCH_ROUTER_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      LAMBDA_DISPATCH_ROUTER_CONNECT_ATTEMPTS: String(ATTEMPTS),
    },
  })
  const lambdaId = 'lambda-silent-router'
  const startedAtMs = performance.now()
  const answer = await harness.invoke({
    id: lambdaId,
    numberOfChannels: 2,
    dispatcherUrl: `http://127.0.0.1:${port}/api/chunked`,
  })
  const elapsedMs = performance.now() - startedAtMs

  assert.equal(answer.kind, 'response')
  assert.equal(answer.body.ExitReason, 'RouterUnreachable')
  assert.equal(answer.body.RequestCount, 0)
  // Bounded: one connection per attempt (the two channels share each one), each attempt given its whole timeout.
  assert.equal(connections.length, ATTEMPTS)
  assert.ok(elapsedMs >= TOTAL_TIMEOUT_MS, `the invoke returned after ${elapsedMs} ms`)
  // What ended each attempt is its connect timeout (the LD_ROUTER_CONNECT_TIMEOUT lines below), not how long a busy
  // machine took to get there; and the extension closed every connection it opened.
  for (const connection of connections) {
    await connection.closed
    // The extension spoke HTTP/2 at once; it is the silence that timed out.
    assert.ok(Buffer.concat(connection.received).toString('latin1').startsWith(HTTP2_PREFACE))
  }

  await harness.extension.waitForLog((line) => line.msg === 'invoke finished' && line.lambdaId === lambdaId)
  const logs = harness.extension.logs.filter((line) => line.lambdaId === lambdaId)
  const failures = logs.filter((line) => line.msg === 'router connect attempt failed')
  assert.deepEqual(
    failures.map((line) => {
      const err = line.err as { code?: string; phase?: string; connectTimeoutMs?: number }
      return [line.attempt, err.code, err.phase, err.connectTimeoutMs]
    }),
    ATTEMPT_TIMEOUTS_MS.map((timeoutMs, index) => [
      index + 1,
      'LD_ROUTER_CONNECT_TIMEOUT',
      'http2-settings',
      timeoutMs,
    ]),
  )
  const unreachable = logs.filter(
    (line) => (line.err as { code?: string } | undefined)?.code === 'LD_ROUTER_UNREACHABLE',
  )
  assert.equal(unreachable.length, 1)
  const err = unreachable[0]?.err as {
    attempts?: number
    connectTimeoutMs?: number
    cause?: { message?: string }
  }
  assert.equal(err.attempts, ATTEMPTS)
  assert.equal(err.connectTimeoutMs, ATTEMPT_TIMEOUTS_MS.at(-1))
  // The cause is logged beside it: the last attempt's timeout.
  assert.match(String(err.cause?.message), /timed out after 1200 ms waiting for the router's HTTP\/2 SETTINGS$/)
})
