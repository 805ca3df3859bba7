// The invoke's connection to a scripted router on loopback (issue 15 item 5): one shared session, a lost session
// reported once and replaced, the identity every request carries, giving up after too many losses without progress,
// and no new session once drained or closed.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { type TestContext, test } from 'node:test'
import { RouterSessionLostError, RouterUnreachableError } from '../../../src/extension/errors.js'
import { RouterConnection } from '../../../src/extension/router-connection.js'
import { ExtensionTelemetry } from '../../../src/extension/telemetry.js'
import {
  CAPABILITY_WEBSOCKET,
  HEADER_CAPABILITIES,
  HEADER_CHANNEL_TOKEN,
  HEADER_LAMBDA_ID,
  HEADER_POOL_ID,
} from '../../../src/protocol/index.js'
import { captureLogs } from '../../helpers/log-capture.js'
import { routerConnectionOptions } from '../../helpers/router-connection-options.js'
import { type ScriptedRouter, startScriptedRouter } from '../../helpers/scripted-router.js'
import { teardown } from '../../helpers/teardown.js'

/** Telemetry that also hands each reported session loss to the test, in order. */
class LossRecorder extends ExtensionTelemetry {
  readonly losses: RouterSessionLostError[] = []
  readonly #waiters: Array<(lost: RouterSessionLostError) => void> = []

  constructor() {
    super(captureLogs('error').logger)
  }

  override sessionLost(error: RouterSessionLostError): void {
    this.losses.push(error)
    this.#waiters.shift()?.(error)
  }

  nextLoss(): Promise<RouterSessionLostError> {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }
}

interface ConnectionUnderTest {
  readonly router: ScriptedRouter
  readonly connection: RouterConnection
  readonly telemetry: LossRecorder
  readonly givenUp: RouterSessionLostError[]
}

async function startConnection(t: TestContext, channelToken?: string): Promise<ConnectionUnderTest> {
  const defer = teardown(t)
  const router = await startScriptedRouter({ channelStatus: () => 409 })
  defer(() => router.close())
  const telemetry = new LossRecorder()
  const givenUp: RouterSessionLostError[] = []
  const connection = new RouterConnection(
    routerConnectionOptions(router.url, {
      poolId: 'pool-a',
      channelToken,
      telemetry,
      onGiveUp: (lost) => givenUp.push(lost),
    }),
  )
  defer(() => connection.close())
  return { router, connection, telemetry, givenUp }
}

/** Opens a session, drops it at the router, and resolves with the loss the connection reported. */
async function loseOneSession(under: ConnectionUnderTest): Promise<RouterSessionLostError> {
  await under.connection.acquire()
  const loss = under.telemetry.nextLoss()
  under.router.destroySessions()
  return loss
}

test('callers share the live session; a lost one is reported once and the next acquire opens a new one', async (t) => {
  const under = await startConnection(t)
  const [first, second] = await Promise.all([under.connection.acquire(), under.connection.acquire()])
  assert.equal(first, second)
  assert.equal(first?.id, 1)
  assert.equal(under.router.sessionCount, 1)
  const loss = under.telemetry.nextLoss()
  under.router.destroySessions()
  assert.equal((await loss).sessionId, 1)
  const replacement = await under.connection.acquire()
  assert.equal(replacement.id, 2)
  assert.equal(under.router.sessionCount, 2)
  assert.equal(under.telemetry.losses.length, 1)
  assert.deepEqual(under.givenUp, [])
})

test('channel POSTs, pings and closes carry the pool, the instance and the per-invoke token', async (t) => {
  const under = await startConnection(t, 'secret-token')
  const session = await under.connection.acquire()
  const post = session.request(under.connection.channelHeaders('channel-1'), true)
  post.resume()
  const [headers] = await once(post, 'response')
  const status = (headers as Record<string, unknown>)[':status']
  assert.equal(status, 409)
  assert.equal(await under.connection.ping(), 200)
  assert.equal(await under.connection.requestClose(), 200)
  for (const headers of [under.router.posts[0]?.headers, under.router.pings[0], under.router.closes[0]]) {
    assert.equal(headers?.[HEADER_POOL_ID], 'pool-a')
    assert.equal(headers?.[HEADER_LAMBDA_ID], 'lambda-a')
    assert.equal(headers?.[HEADER_CHANNEL_TOKEN], 'secret-token')
    assert.match(String(headers?.date), /GMT$/)
  }
  assert.equal(under.router.posts[0]?.channelId, 'channel-1')
  // Issue 18: every channel POST advertises WebSocket support; pings and closes carry no capabilities.
  assert.equal(under.router.posts[0]?.headers[HEADER_CAPABILITIES], CAPABILITY_WEBSOCKET)
  assert.equal(under.router.pings[0]?.[HEADER_CAPABILITIES], undefined)
})

test('sessions lost past the limit without progress give up once; a channel opening in between starts the count again', async (t) => {
  const under = await startConnection(t)
  for (let loss = 1; loss <= 5; loss++) await loseOneSession(under)
  assert.deepEqual(under.givenUp, [], 'five losses in a row are still tolerated')
  under.connection.noteProgress()
  for (let loss = 1; loss <= 5; loss++) await loseOneSession(under)
  assert.deepEqual(under.givenUp, [], 'progress reset the count')
  const last = await loseOneSession(under)
  assert.deepEqual(under.givenUp, [last])
  assert.ok(last instanceof RouterSessionLostError)
})

test('a drained connection keeps serving on its live session but opens no new one; after close() nothing is reported', async (t) => {
  const under = await startConnection(t)
  const live = await under.connection.acquire()
  under.connection.drain()
  assert.equal(under.connection.state, 'draining')
  assert.equal(await under.connection.acquire(), live)
  under.connection.close()
  assert.equal(under.connection.state, 'closed')
  await assert.rejects(under.connection.acquire(), RouterUnreachableError)
  assert.equal(under.router.sessionCount, 1)
  assert.deepEqual(under.telemetry.losses, [], 'closing its own sessions is not a loss')
})

test('a connection moves only towards closed: drain, abandon and close in any order give the states in lifecycle order', () => {
  const cases: { calls: Array<'drain' | 'abandon' | 'close'>; states: string[] }[] = [
    { calls: ['drain', 'abandon', 'close'], states: ['draining', 'abandoned', 'closed'] },
    { calls: ['abandon', 'drain', 'close', 'drain'], states: ['abandoned', 'abandoned', 'closed', 'closed'] },
    { calls: ['close', 'abandon', 'close'], states: ['closed', 'closed', 'closed'] },
  ]
  for (const row of cases) {
    // No call here connects: the address is never dialled.
    const connection = new RouterConnection(routerConnectionOptions('http://127.0.0.1:9'))
    const states = row.calls.map((call) => {
      connection[call]()
      return connection.state
    })
    assert.deepEqual(states, row.states, row.calls.join(', '))
  }
})
