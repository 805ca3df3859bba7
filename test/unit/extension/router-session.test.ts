// Fingerprint normalisation for certificate pinning, and what counts as a connected router session: the router's
// first HTTP/2 SETTINGS frame, within the connect timeout (a peer that accepts TCP and stays silent is not one).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer as createHttp2Server } from 'node:http2'
import { type AddressInfo, createServer, type Socket } from 'node:net'
import { type TestContext, test } from 'node:test'
import { RouterConnectTimeoutError } from '../../../src/extension/errors.js'
import { normalizeFingerprint, RouterSession, type SessionSettings } from '../../../src/extension/router-session.js'
import { teardown } from '../../helpers/teardown.js'

const SETTINGS: SessionSettings = {
  connectTimeoutMs: 200,
  headersTimeoutMs: 2_000,
  pingTimeoutMs: 1_000,
  streamWindowBytes: 65_535,
  sessionWindowBytes: 1024 * 1024,
  maxSessionMemoryMb: 10,
}

function targetOf(port: number): { url: URL; certSha256: undefined; tlsVerify: false } {
  return { url: new URL(`http://127.0.0.1:${port}/api/chunked`), certSha256: undefined, tlsVerify: false }
}

/** A TCP server that accepts every connection and never writes a byte; resolves each connection's close. */
async function startSilentServer(t: TestContext): Promise<{ port: number; closed: Array<Promise<void>> }> {
  const sockets = new Set<Socket>()
  const closed: Array<Promise<void>> = []
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    // Read (and drop) what arrives, so the extension's end of the connection is seen.
    socket.resume()
    closed.push(once(socket, 'close').then(() => undefined))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  teardown(t)(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })
  return { port: (server.address() as AddressInfo).port, closed }
}

test('fingerprints compare without colons and case', () => {
  assert.equal(normalizeFingerprint('ab:cd:EF'), 'ABCDEF')
  assert.equal(normalizeFingerprint('ABCDEF'), 'ABCDEF')
})

test('a peer that accepts the connection but never sends SETTINGS fails the attempt with the named timeout, and the connection is closed', async (t) => {
  const silent = await startSilentServer(t)
  const lost: unknown[] = []
  const startedAtMs = performance.now()
  await assert.rejects(
    RouterSession.open(1, targetOf(silent.port), SETTINGS, (error) => lost.push(error)),
    (error: unknown) =>
      error instanceof RouterConnectTimeoutError &&
      error.code === 'LD_ROUTER_CONNECT_TIMEOUT' &&
      error.phase === 'http2-settings' &&
      error.connectTimeoutMs === SETTINGS.connectTimeoutMs,
  )
  const elapsedMs = performance.now() - startedAtMs
  assert.ok(elapsedMs >= SETTINGS.connectTimeoutMs, `rejected after ${elapsedMs} ms`)
  assert.ok(elapsedMs < SETTINGS.connectTimeoutMs + 2_000, `rejected after ${elapsedMs} ms`)
  assert.equal(silent.closed.length, 1)
  await silent.closed[0]
  assert.deepEqual(lost, [], 'a failed attempt is not reported as a lost session')
})

test('a router that sends its SETTINGS gives a ready session', async (t) => {
  const defer = teardown(t)
  const server = createHttp2Server()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  defer(() => server.close())
  const session = await RouterSession.open(1, targetOf((server.address() as AddressInfo).port), SETTINGS, () => {})
  defer(() => session.destroy())
  assert.equal(session.state, 'ready')
  assert.equal(session.isUsable, true)
})
