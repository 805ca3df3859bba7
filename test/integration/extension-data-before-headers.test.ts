// Issue 4 "Done when" and http2-protocol-error-notes.md: a raw HTTP/2 peer (python3-h2) sends DATA before HEADERS on
// one channel. Node 20 then silently stops that whole session; the extension notices through an unanswered PING,
// logs the error clearly, reconnects, and keeps serving requests on the new session.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { startHarness } from '../helpers/extension-harness.js'
import { teardown } from '../helpers/teardown.js'

const PYTHON = '/usr/bin/python3'
const PEER = resolve(import.meta.dirname, '../helpers/extension-h2-raw-peer.py')
const hasH2 = spawnSync(PYTHON, ['-c', 'import h2'], { stdio: 'ignore' }).status === 0

type PeerEvent = { event: string } & Record<string, unknown>

test('DATA before HEADERS on one channel: the session is replaced, the error is logged, and requests keep flowing', {
  skip: hasH2 ? false : `${PYTHON} with the h2 module (Debian python3-h2) is not installed`,
}, async (t) => {
  const defer = teardown(t)
  const served = 3
  const peer = spawn(PYTHON, [PEER, String(served)], { stdio: ['ignore', 'pipe', 'inherit'] })
  defer(() => peer.kill('SIGKILL'))
  const events: PeerEvent[] = []
  const waiters: Array<{ predicate: (events: PeerEvent[]) => boolean; resolve: () => void }> = []
  createInterface({ input: peer.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as PeerEvent)
    for (const waiter of [...waiters]) {
      if (!waiter.predicate(events)) continue
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  })
  const until = (predicate: (events: PeerEvent[]) => boolean): Promise<void> =>
    predicate(events) ? Promise.resolve() : new Promise((done) => waiters.push({ predicate, resolve: done }))
  await until((seen) => seen.some((event) => event.event === 'listening'))
  const port = events.find((event) => event.event === 'listening')?.port as number

  const harness = await startHarness(t, {
    env: {
      LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000',
      LAMBDA_DISPATCH_ROUTER_HEADERS_TIMEOUT_MS: '200',
      LAMBDA_DISPATCH_ROUTER_PING_TIMEOUT_MS: '200',
    },
  })
  const answer = await harness.invoke({
    id: 'lambda-raw-peer',
    numberOfChannels: 2,
    dispatcherUrl: `http://127.0.0.1:${port}/api/chunked`,
  })

  // The invoke ended normally, by the peer's goaways, after the peer served every request it wanted to.
  assert.equal(answer.kind, 'response')
  assert.equal(answer.body.ExitReason, 'RouterGoAway')
  assert.equal(answer.body.RequestCount, served)
  // The peer reports in its own time; wait until it has seen every response and a goaway answer (a channel busy
  // when the first goaway arrived finishes its request and stops without a second one).
  await until(
    (seen) =>
      seen.filter((event) => event.event === 'response').length === served &&
      seen.some((event) => event.event === 'goaway-answered'),
  )
  await harness.extension.waitForLog((line) => line.msg === 'invoke finished')
  const kinds = events.map((event) => event.event)
  assert.ok(kinds.indexOf('bad-data-sent') < kinds.indexOf('response'))
  const responses = events.filter((event) => event.event === 'response')
  assert.deepEqual(
    responses.map((event) => [event.status, event.body]),
    Array.from({ length: served }, () => [200, 'pong']),
  )

  // The logs say what happened, in order: silence, a dead session, a channel that never got its HEADERS.
  const logs = harness.extension.logs
  const silent = logs.findIndex((line) => line.msg?.startsWith('no response HEADERS from the router yet') === true)
  const lost = logs.findIndex((line) => line.msg?.startsWith('router session lost') === true)
  const noResponse = logs.findIndex((line) => (line.err as { code?: string })?.code === 'LD_CHANNEL_NO_RESPONSE')
  assert.ok(silent !== -1 && lost > silent && noResponse > lost, JSON.stringify({ silent, lost, noResponse }))
  assert.equal(logs[lost]?.reason, 'ping-timeout')
  assert.equal(logs[noResponse]?.level, 'error')
  assert.match(String(logs[noResponse]?.msg), /DATA before HEADERS/)
})
