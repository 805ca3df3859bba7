// "No orphan processes, ever" (issue 5, item 1), when the owner dies hard: a process running a local Lambda is
// SIGKILLed, so neither close() nor its exit hook runs, and its orphan reaper kills every environment process,
// running or frozen with SIGSTOP. Each environment process holds a connection to a server this test owns; the
// kernel closes it only when the process dies, so its 'close' is the event that proves the death.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Socket } from 'node:net'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { type TestContext, test } from 'node:test'
import { REPO_ROOT } from '../helpers/local-demo-app.js'
import { untilProcessState } from '../helpers/local-lambda.js'
import { isDeadOrExiting } from '../helpers/proc.js'
import { teardown } from '../helpers/teardown.js'

const FIXTURE = resolve(import.meta.dirname, '../helpers/local-owner-killed.ts')

/** A loopback server that hands each connection over as it arrives. */
async function startHoldServer(
  t: TestContext,
): Promise<{ port: number; connections: Socket[]; next(): Promise<Socket> }> {
  const connections: Socket[] = []
  const waiting: ((socket: Socket) => void)[] = []
  const server = createServer((socket) => {
    // Read (and drop) what the scripted extension reports, so the end of the stream is seen.
    socket.resume()
    connections.push(socket)
    waiting.shift()?.(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  teardown(t)(() => {
    for (const socket of connections) socket.destroy()
    server.close()
  })
  let handedOut = 0
  return {
    port: (server.address() as { port: number }).port,
    connections,
    next: () => {
      const socket = connections[handedOut++]
      return socket ? Promise.resolve(socket) : new Promise((resolveSocket) => waiting.push(resolveSocket))
    },
  }
}

for (const mode of ['running', 'frozen'] as const) {
  test(`a SIGKILLed owner leaves no ${mode} environment process behind`, async (t) => {
    const hold = await startHoldServer(t)
    const owner = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      cwd: REPO_ROOT,
      env: { ...process.env, HOLD_PORT: String(hold.port), FREEZE: mode === 'frozen' ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    teardown(t)(() => {
      if (owner.exitCode === null && owner.signalCode === null) owner.kill('SIGKILL')
    })
    const lines = createInterface({ input: owner.stdout })
    const pids = await new Promise<number[]>((resolvePids) => {
      lines.on('line', (line) => {
        if (line.startsWith('PIDS ')) resolvePids(JSON.parse(line.slice(5)) as number[])
      })
    })
    assert.equal(pids.length, 2, 'the runtime and the extension')
    // One held connection from each of them.
    const sockets = await Promise.all([hold.next(), hold.next()])
    // SIGSTOP lands asynchronously and no event reports it (see untilProcessState).
    if (mode === 'frozen') for (const pid of pids) await untilProcessState(pid, 'T')

    const closed = sockets.map((socket) => once(socket, 'close'))
    const ownerExited = once(owner, 'exit')
    owner.kill('SIGKILL')
    assert.deepEqual(await ownerExited, [null, 'SIGKILL'])
    await Promise.all(closed)

    assert.equal(hold.connections.length, 2, 'no environment process was started after the owner died')
    // The kernel closes a dying process's sockets before the last of its threads is gone and init has reaped it, so
    // right after a socket's 'close' the process may still be listed, with PF_EXITING set; no event marks the rest.
    for (const pid of pids) {
      assert.ok(isDeadOrExiting(pid), `pid ${pid} is dead or exiting`)
    }
  })
}
