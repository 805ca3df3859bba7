// The extension's liveness PING must not declare a live router dead because its own event loop was busy: timers run
// before I/O in a loop turn, so after a turn longer than the PING timeout the ack already sits unread in the socket.
// The soak hit this on 2 loaded cores: sessions destroyed, every request on them cut off (issue 6 item 1). The router
// here is another process, so it answers while this one is busy.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { RouterSession } from '../../src/extension/router-session.js'
import { teardown } from '../helpers/teardown.js'

const SERVER = `
const http2 = require('node:http2')
const server = http2.createServer().listen(0, '127.0.0.1', () => process.send(server.address().port))
process.on('disconnect', () => server.close())
`

test('a PING answered while the extension was busy past its timeout keeps the session', async (t) => {
  const defer = teardown(t)
  const router = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  defer(() => {
    if (router.connected) router.disconnect()
  })
  const [port] = (await once(router, 'message')) as [number]
  const losses: string[] = []
  const session = await RouterSession.open(
    1,
    { url: new URL(`http://127.0.0.1:${port}`), certSha256: undefined, tlsVerify: false },
    {
      connectTimeoutMs: 5_000,
      headersTimeoutMs: 2_000,
      pingTimeoutMs: 200,
      streamWindowBytes: 65_535,
      sessionWindowBytes: 65_535,
      maxSessionMemoryMb: 10,
    },
    (error) => losses.push(error.message),
  )
  defer(() => session.destroy())
  // One healthy round trip first, so the connection and SETTINGS are done.
  assert.equal(await session.checkAlive(), true)

  const alive = session.checkAlive()
  // Let the PING frame leave (Node writes it from an immediate), then stay busy while the router acks it.
  await new Promise((resolve) => setImmediate(resolve))
  const busyUntilMs = performance.now() + 600
  while (performance.now() < busyUntilMs) {
    // A busy turn three times the PING timeout: the router's ack arrives meanwhile.
  }
  assert.equal(await alive, true)
  assert.deepEqual(losses, [])
  assert.equal(session.isUsable, true)
})
