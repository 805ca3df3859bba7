// Issue 18: WebSocket capacity and lifetime through the local stack: sockets take no request slot, so /ping keeps
// answering beside a hundred of them, and an instance that reaches its deadline closes its sockets with 1001.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { describe, test } from 'node:test'
import { getText, h1Client, startE2eStack } from '../helpers/e2e-stack.js'
import { teardown } from '../helpers/teardown.js'
import { echoOnce, openSocket, wsUrl } from '../helpers/ws-client.js'

// Resolves once some instance is open: at once when one is, else on the transition that opens one.
function instanceOpen(stack: Awaited<ReturnType<typeof startE2eStack>>): Promise<void> {
  for (const pool of stack.router.pools.values()) {
    if (pool.snapshot().instances.some((instance) => instance.state === 'open')) return Promise.resolve()
  }
  return new Promise((resolve) => {
    const unsubscribe = stack.router.events.instanceStateChanged.subscribe((change) => {
      if (change.to !== 'open') return
      unsubscribe()
      resolve()
    })
  })
}

describe('WebSocket capacity and lifetime', () => {
  test('a hundred WebSockets stay open on one instance while /ping keeps answering', async (t) => {
    const stack = await startE2eStack(t, { functionEnv: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '600000' } })
    const url = stack.addresses.frontDoorUrl
    const agent = h1Client(t, 16)
    assert.equal((await getText(agent, `${url}/ping`)).status, 200)
    const sockets = await Promise.all(Array.from({ length: 100 }, () => openSocket(wsUrl(url, '/ws'))))
    teardown(t)(() => {
      for (const socket of sockets) socket.terminate()
    })
    const pings = await Promise.all(Array.from({ length: 40 }, () => getText(agent, `${url}/ping`)))
    assert.deepEqual(new Set(pings.map((ping) => `${ping.status} ${ping.body}`)), new Set(['200 pong']))
    const replies = await Promise.all(sockets.map((socket, index) => echoOnce(socket, `socket ${index}`)))
    assert.deepEqual(
      replies,
      sockets.map((_socket, index) => `socket ${index}`),
    )
    let webSockets = 0
    let outstanding = 0
    for (const pool of stack.router.pools.values()) {
      for (const instance of pool.snapshot().instances) {
        webSockets += instance.webSockets ?? 0
        outstanding += instance.outstanding
      }
    }
    assert.equal(webSockets, 100, 'the router counts every socket')
    assert.equal(outstanding, 0, 'and none of them as a request in flight')
  })

  test("an instance's deadline closes its WebSockets with 1001, and a new socket opens on the next instance", async (t) => {
    const stack = await startE2eStack(t, {
      functionTimeoutMs: 8000,
      functionEnv: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '600000' },
    })
    const url = stack.addresses.frontDoorUrl
    const agent = h1Client(t)
    assert.equal((await getText(agent, `${url}/ping`)).status, 200)
    const sockets = await Promise.all(Array.from({ length: 3 }, () => openSocket(wsUrl(url, '/ws'))))
    teardown(t)(() => {
      for (const socket of sockets) socket.terminate()
    })
    const closes = await Promise.all(sockets.map((socket) => once(socket, 'close') as Promise<[number, Buffer]>))
    for (const [code, reason] of closes) {
      assert.equal(code, 1001)
      assert.equal(reason.toString('utf8'), 'instance leaving')
    }
    // Serving again: a request and a socket reach the instance that replaced it, once it is open.
    await instanceOpen(stack)
    assert.equal((await getText(agent, `${url}/ping`)).body, 'pong')
    const again = await openSocket(wsUrl(url, '/ws'))
    teardown(t)(() => again.terminate())
    assert.equal(await echoOnce(again, 'after the deadline'), 'after the deadline')
  })

  test('a WebSocket with no traffic either way for WebSocketIdleTimeout is closed with 1001', async (t) => {
    const stack = await startE2eStack(t, {
      functionEnv: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '600000' },
      routerSettings: { LAMBDA_DISPATCH_WebSocketIdleTimeout: '1s' },
    })
    const url = stack.addresses.frontDoorUrl
    assert.equal((await getText(h1Client(t), `${url}/ping`)).status, 200)
    const socket = await openSocket(wsUrl(url, '/ws'))
    teardown(t)(() => socket.terminate())
    assert.equal(await echoOnce(socket, 'one message, then silence'), 'one message, then silence')
    const [code, reason] = (await once(socket, 'close')) as [number, Buffer]
    assert.equal(code, 1001)
    assert.equal(reason.toString('utf8'), 'idle timeout')
    const again = await openSocket(wsUrl(url, '/ws'))
    teardown(t)(() => again.terminate())
    assert.equal(await echoOnce(again, 'a new socket'), 'a new socket')
  })

  test('graceful router shutdown closes open WebSockets with 1001', async (t) => {
    const stack = await startE2eStack(t, { functionEnv: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '600000' } })
    const url = stack.addresses.frontDoorUrl
    assert.equal((await getText(h1Client(t), `${url}/ping`)).status, 200)
    const socket = await openSocket(wsUrl(url, '/ws'))
    teardown(t)(() => socket.terminate())
    const closed = once(socket, 'close') as Promise<[number, Buffer]>
    const shutdown = stack.router.close()
    const [code] = await closed
    assert.equal(code, 1001)
    await shutdown
  })

  test('an instance that dies between frames closes its WebSocket with 1001, and the pool serves again', async (t) => {
    const stack = await startE2eStack(t, { functionEnv: { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '600000' } })
    const url = stack.addresses.frontDoorUrl
    const agent = h1Client(t)
    assert.equal((await getText(agent, `${url}/ping`)).status, 200)
    const socket = await openSocket(wsUrl(url, '/ws'))
    teardown(t)(() => socket.terminate())
    assert.equal(await echoOnce(socket, 'between frames now'), 'between frames now')
    const invoking = stack.lambda.environments(stack.functionName).filter((env) => env.state === 'invoking')
    const extension = invoking[0]?.processes.find((child) => child.role === 'extension')
    assert.ok(invoking.length === 1 && extension?.pid !== undefined)
    const closed = once(socket, 'close') as Promise<[number, Buffer]>
    process.kill(extension.pid, 'SIGKILL')
    const [code] = await closed
    assert.equal(code, 1001)
    assert.equal((await getText(agent, `${url}/ping`)).body, 'pong')
  })
})
