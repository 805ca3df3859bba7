// The port helpers: a server listens on port 0 and reads its port back; a held port refuses service until it is
// handed over, nothing else can bind it meanwhile, and the hand-over frees it in the same turn as its new use.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect, createServer } from 'node:net'
import { test } from 'node:test'
import { holdPort, listenOnFreePort } from '../../helpers/port.js'
import { teardown } from '../../helpers/teardown.js'

/** How a connection to `port` ends: 'answered' with the server's first bytes, or the socket error's code. */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('data', () => {
      socket.destroy()
      resolve('answered')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    socket.once('close', () => resolve('closed'))
  })
}

test('listenOnFreePort resolves with the port the server is bound to', async (t) => {
  const server = createServer((socket) => socket.end('hi'))
  t.after(() => server.close())
  const port = await listenOnFreePort(server)
  assert.equal(port, (server.address() as { port: number }).port)
  assert.equal(await connectOutcome(port), 'answered')
})

test('a held port resets every connection and cannot be bound by anyone else', async (t) => {
  const held = await holdPort(t)
  assert.equal(held.held, true)
  assert.equal(await connectOutcome(held.port), 'ECONNRESET')
  const rival = createServer()
  rival.listen(held.port, '127.0.0.1')
  const [error] = (await once(rival, 'error')) as [NodeJS.ErrnoException]
  assert.equal(error.code, 'EADDRINUSE')
})

test('handOver frees the port for the server that listens on it in the same turn, and only once', async (t) => {
  const defer = teardown(t)
  const held = await holdPort(t)
  const server = createServer((socket) => socket.end('hi'))
  defer(() => server.close())
  const returned = held.handOver((port) => server.listen(port, '127.0.0.1'))
  assert.equal(returned, server)
  assert.equal(held.held, false)
  await once(server, 'listening')
  assert.equal((server.address() as { port: number }).port, held.port)
  assert.equal(await connectOutcome(held.port), 'answered')
  assert.throws(() => held.handOver(() => undefined), /already handed over/)
})
