// PoolControl, the control server's view of one pool (issue 15 item 2): channel tokens judged (a refusal published,
// first once per instance), channels admitted up to each instance's cap, pings answered by state, and the close a
// Lambda asks for, with its bounded wait for a replacement. Real instances and a real registry; channels on real
// HTTP/2 streams on loopback; the retire wait on mock timers.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { serializeGoaway } from '../../../../src/protocol/index.js'
import {
  type ChannelRefusedOverCap,
  type ControlAuthRefused,
  type InstanceCloseRequested,
  RouterEvents,
} from '../../../../src/router/events.js'
import { Channel } from '../../../../src/router/instances/channel.js'
import { LambdaInstance } from '../../../../src/router/instances/instance.js'
import type { InstanceState } from '../../../../src/router/instances/instance-states.js'
import { InstanceRegistry } from '../../../../src/router/instances/registry.js'
import { PoolControl } from '../../../../src/router/pools/pool-control.js'
import { type StreamPair, startH2Pair } from '../../../helpers/router-h2-pair.js'

const TOKEN = 'T'.repeat(43)

function makePool(options: { maxChannels?: number; wantsReplacement?: (live: number) => boolean } = {}) {
  const events = new RouterEvents()
  const registry = new InstanceRegistry()
  const clock = { nowMs: 0 }
  const heard = {
    authRefused: [] as ControlAuthRefused[],
    overCap: [] as ChannelRefusedOverCap[],
    closeRequested: [] as InstanceCloseRequested[],
  }
  events.controlAuthRefused.subscribe((event) => heard.authRefused.push(event))
  events.channelRefusedOverCap.subscribe((event) => heard.overCap.push(event))
  events.instanceCloseRequested.subscribe((event) => heard.closeRequested.push(event))
  const liveCounts: number[] = []
  const control = new PoolControl({
    poolId: 'p',
    registry,
    events,
    maxChannels: options.maxChannels ?? 4,
    wantsReplacement: (live: number): boolean => {
      liveCounts.push(live)
      return options.wantsReplacement?.(live) ?? true
    },
  })
  /** A registered instance moved to `state` (through the legal path), created at the clock's `nowMs`. */
  const addInstance = (lambdaId: string, state: InstanceState): LambdaInstance => {
    const instance = new LambdaInstance({
      poolId: 'p',
      lambdaId,
      maxConcurrentCount: 2,
      maxChannels: options.maxChannels ?? 4,
      channelToken: TOKEN,
      instanceStartTimeoutMs: 0,
      now: () => clock.nowMs,
      events,
      hooks: { onStateChanged: () => {}, onChannelParked: () => {}, onStartTimeout: () => {} },
    })
    registry.add(instance)
    const path: Record<InstanceState, InstanceState[]> = {
      initial: [],
      starting: ['starting'],
      open: ['starting', 'open'],
      draining: ['starting', 'open', 'draining'],
      closing: ['starting', 'closing'],
      closed: ['closed'],
    }
    for (const to of path[state]) assert.equal(instance.transition([instance.state], to), true)
    return instance
  }
  return { control, registry, events, clock, heard, liveCounts, addInstance }
}

function channelOn(pair: StreamPair, lambdaId: string, channelId: string): Channel {
  pair.server.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
  return new Channel(pair.server, { poolId: 'p', lambdaId, channelId, onOrderingViolation: () => {} })
}

test('the instance token admits a control request, and nothing is published', () => {
  const pool = makePool()
  pool.addInstance('L', 'open')
  assert.equal(pool.control.authorize('L', [TOKEN], false, 'request'), 'ok')
  assert.deepEqual(pool.heard.authRefused, [])
})

test('an unknown or closed instance is unknown whatever token comes with it', () => {
  const pool = makePool()
  pool.addInstance('gone', 'closed')
  assert.equal(pool.control.authorize('nobody', [TOKEN], false, 'ping'), 'unknown')
  assert.equal(pool.control.authorize('gone', [TOKEN], false, 'ping'), 'unknown')
  assert.deepEqual(pool.heard.authRefused, [])
})

test('a missing or wrong token is refused and published, marked first only for the first refusal of the instance', () => {
  const pool = makePool()
  pool.addInstance('L', 'open')
  assert.equal(pool.control.authorize('L', [], false, 'request'), 'refused')
  assert.equal(pool.control.authorize('L', ['W'.repeat(43)], false, 'ping'), 'refused')
  assert.equal(pool.control.authorize('L', [TOKEN, TOKEN], false, 'close'), 'refused')
  assert.deepEqual(pool.heard.authRefused, [
    { poolId: 'p', lambdaId: 'L', route: 'request', reason: 'missing', first: true },
    { poolId: 'p', lambdaId: 'L', route: 'ping', reason: 'wrong', first: false },
    { poolId: 'p', lambdaId: 'L', route: 'close', reason: 'wrong', first: false },
  ])
})

test('no token at all is admitted only when unauthenticated channels are allowed; a wrong one never is', () => {
  const pool = makePool()
  pool.addInstance('L', 'starting')
  assert.equal(pool.control.authorize('L', [], true, 'request'), 'ok')
  assert.equal(pool.control.authorize('L', ['W'.repeat(43)], true, 'request'), 'refused')
  assert.deepEqual(
    pool.heard.authRefused.map(({ reason }) => reason),
    ['wrong'],
  )
})

test('channels are accepted only for starting, open and draining instances', () => {
  const pool = makePool()
  const cases: [InstanceState, string][] = [
    ['initial', 'unknown'],
    ['starting', 'accept'],
    ['open', 'accept'],
    ['draining', 'accept'],
    ['closing', 'unknown'],
    ['closed', 'unknown'],
  ]
  for (const [state] of cases) pool.addInstance(state, state)
  assert.deepEqual(
    cases.map(([state]) => [state, pool.control.acceptsChannel(state, 'C1')]),
    cases,
  )
  assert.equal(pool.control.acceptsChannel('nobody', 'C1'), 'unknown')
  assert.deepEqual(pool.heard.overCap, [])
})

test('a new channel id beyond the instance cap is full and published; a known id takes its place again', async (t) => {
  const h2 = await startH2Pair(t)
  const pool = makePool({ maxChannels: 2 })
  const instance = pool.addInstance('L', 'starting')
  pool.control.addChannel(channelOn(await h2.open(), 'L', 'C1'))
  pool.control.addChannel(channelOn(await h2.open(), 'L', 'C2'))
  assert.equal(instance.state, 'open', 'the first channel opened the instance')
  assert.equal(instance.parkedCount, 2)
  assert.equal(pool.control.acceptsChannel('L', 'C3'), 'full')
  assert.equal(pool.control.acceptsChannel('L', 'C1'), 'accept')
  assert.deepEqual(pool.heard.overCap, [{ poolId: 'p', lambdaId: 'L', channelId: 'C3', maxChannels: 2 }])
})

test('a channel for an instance that no longer takes channels is sent the goaway, never stranded', async (t) => {
  const h2 = await startH2Pair(t)
  const pool = makePool()
  pool.addInstance('L', 'closing')
  const pair = await h2.open()
  const channel = channelOn(pair, 'L', 'C1')
  pool.control.addChannel(channel)
  assert.equal(channel.state, 'closed')
  // The extension ends its side once it has read the goaway.
  pair.client.end()
  const closed = await pair.clientClosed
  assert.equal(closed.gotResponse, true)
  assert.deepEqual(Buffer.concat(pair.received), serializeGoaway('L', 'C1'))
})

test('a ping is answered while the instance starts, serves or drains, and refused once it retires or is unknown', () => {
  const pool = makePool()
  const states: InstanceState[] = ['initial', 'starting', 'open', 'draining', 'closing', 'closed']
  for (const state of states) pool.addInstance(state, state)
  assert.deepEqual(
    states.map((state) => [state, pool.control.ping(state)]),
    [
      ['initial', false],
      ['starting', true],
      ['open', true],
      ['draining', true],
      ['closing', false],
      ['closed', false],
    ],
  )
  assert.equal(pool.control.ping('nobody'), false)
})

test('a close for an unknown or closed instance is answered false at once', () => {
  const pool = makePool()
  pool.addInstance('gone', 'closed')
  const answers: [string, boolean][] = []
  pool.control.closeFromLambda('nobody', (known) => answers.push(['nobody', known]))
  pool.control.closeFromLambda('gone', (known) => answers.push(['gone', known]))
  assert.deepEqual(answers, [
    ['nobody', false],
    ['gone', false],
  ])
  assert.deepEqual(pool.heard.closeRequested, [])
})

test('a young instance asking to close retires at once, even while it is replaced', () => {
  const pool = makePool()
  const instance = pool.addInstance('L', 'open')
  pool.clock.nowMs = 5_000
  const answers: boolean[] = []
  pool.control.closeFromLambda('L', (known) => answers.push(known))
  assert.deepEqual(answers, [true])
  assert.equal(instance.state, 'closing')
  assert.deepEqual(pool.heard.closeRequested, [{ poolId: 'p', lambdaId: 'L', replacing: true, waitMs: 0 }])
})

test('the live count the replacement decision sees leaves out the instance that asked to close', () => {
  const pool = makePool({ wantsReplacement: () => false })
  pool.addInstance('L', 'open')
  pool.addInstance('other-open', 'open')
  pool.addInstance('other-starting', 'starting')
  pool.addInstance('other-initial', 'initial')
  pool.addInstance('other-draining', 'draining')
  pool.clock.nowMs = 60_000
  const answers: boolean[] = []
  pool.control.closeFromLambda('L', (known) => answers.push(known))
  assert.deepEqual(pool.liveCounts, [3])
  assert.deepEqual(answers, [true], 'an old instance nobody replaces retires at once')
  assert.deepEqual(pool.heard.closeRequested, [{ poolId: 'p', lambdaId: 'L', replacing: false, waitMs: 0 }])
})

test('an old instance being replaced keeps serving for its bounded wait, then retires and is answered', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const pool = makePool()
  const instance = pool.addInstance('L', 'open')
  pool.clock.nowMs = 30_000
  const answers: boolean[] = []
  pool.control.closeFromLambda('L', (known) => answers.push(known))
  assert.deepEqual(pool.heard.closeRequested, [{ poolId: 'p', lambdaId: 'L', replacing: true, waitMs: 3_000 }])
  assert.equal(instance.state, 'draining')
  t.mock.timers.tick(2_999)
  assert.deepEqual(answers, [], 'not answered while it waits for its replacement')
  assert.equal(pool.control.ping('L'), true, 'it still answers pings while it waits')
  t.mock.timers.tick(1)
  assert.deepEqual(answers, [true])
  assert.equal(instance.state, 'closing')
})

test('a replacement that opens cuts the wait short, and a repeated close is answered with the first', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const pool = makePool()
  const instance = pool.addInstance('L', 'open')
  pool.clock.nowMs = 50_000
  const answers: string[] = []
  pool.control.closeFromLambda('L', (known) => answers.push(`first ${known}`))
  pool.control.closeFromLambda('L', (known) => answers.push(`second ${known}`))
  assert.equal(pool.heard.closeRequested.length, 1, 'only the first close starts the retirement')
  assert.equal(pool.heard.closeRequested[0]?.waitMs, 5_000)
  pool.control.retireOneAwaitingReplacement()
  assert.equal(instance.state, 'closing')
  assert.deepEqual(answers, ['first true', 'second true'])
  t.mock.timers.tick(5_000)
  assert.deepEqual(answers, ['first true', 'second true'], 'the cleared wait answers nobody again')
})

test('each opened replacement retires one waiting instance, oldest first, and the others keep serving', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const pool = makePool()
  const first = pool.addInstance('A', 'open')
  const second = pool.addInstance('B', 'open')
  pool.clock.nowMs = 50_000
  pool.control.closeFromLambda('A', () => {})
  pool.control.closeFromLambda('B', () => {})
  assert.deepEqual([first.state, second.state], ['draining', 'draining'], 'both wait for a replacement')
  pool.control.retireOneAwaitingReplacement()
  assert.deepEqual([first.state, second.state], ['closing', 'draining'])
  pool.control.retireOneAwaitingReplacement()
  assert.deepEqual([first.state, second.state], ['closing', 'closing'])
})
