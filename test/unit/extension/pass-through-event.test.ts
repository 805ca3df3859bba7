// Issue 19: an invoke that is not the router's is POSTed to the app; which answers fail the invoke, when the app's time
// runs out, and the bounds on a lying app (never answers, answers too much), against a real node:http server.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import { EventAppStatusError, EventAppTimeoutError, EventResultTooLargeError } from '../../../src/extension/errors.js'
import {
  type EventOutcome,
  eventStopAtMs,
  isEventFailureStatus,
  PassThroughEvent,
} from '../../../src/extension/pass-through-event.js'
import { AppClient } from '../../../src/extension/relay.js'
import { deferred } from '../../helpers/deferred.js'
import { teardown } from '../../helpers/teardown.js'

const statuses: Array<{ status: number; fails: boolean }> = [
  { status: 200, fails: false },
  { status: 202, fails: false },
  { status: 204, fails: false },
  { status: 302, fails: false },
  { status: 400, fails: false },
  { status: 404, fails: false },
  { status: 422, fails: false },
  { status: 499, fails: false },
  { status: 500, fails: true },
  { status: 502, fails: true },
  { status: 503, fails: true },
  { status: 599, fails: true },
]
for (const row of statuses) {
  test(`an app answer of ${row.status} ${row.fails ? 'fails the invoke' : 'is the result'}`, () => {
    assert.equal(isEventFailureStatus(row.status), row.fails)
  })
}

const NOW = 1_000_000
const stops: Array<{ name: string; input: Parameters<typeof eventStopAtMs>[0]; expected: number }> = [
  {
    name: 'a 3 s function stops 375 ms before its deadline (half the 750 ms close margin)',
    input: {
      lambdaDeadlineMs: NOW + 3000,
      nowMs: NOW,
      configuredFunctionTimeoutMs: undefined,
      configuredMarginMs: undefined,
    },
    expected: NOW + 2625,
  },
  {
    name: 'a 60 s function stops 1 s before its deadline',
    input: {
      lambdaDeadlineMs: NOW + 50_000,
      nowMs: NOW,
      configuredFunctionTimeoutMs: 60_000,
      configuredMarginMs: undefined,
    },
    expected: NOW + 49_000,
  },
  {
    name: 'a configured margin of 400 ms stops 200 ms before the deadline',
    input: {
      lambdaDeadlineMs: NOW + 10_000,
      nowMs: NOW,
      configuredFunctionTimeoutMs: undefined,
      configuredMarginMs: 400,
    },
    expected: NOW + 9800,
  },
  {
    name: 'a deadline more than 15 min away is trimmed to 60 s, as for the router',
    input: {
      lambdaDeadlineMs: NOW + 3_600_000,
      nowMs: NOW,
      configuredFunctionTimeoutMs: undefined,
      configuredMarginMs: undefined,
    },
    expected: NOW + 59_000,
  },
]
for (const row of stops) {
  test(`eventStopAtMs: ${row.name}`, () => {
    assert.equal(eventStopAtMs(row.input), row.expected)
  })
}

/** A loopback app whose /events answer the test scripts; records what it received. */
async function startApp(
  t: TestContext,
  answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void,
): Promise<{ client: AppClient; received: Array<{ method?: string; url?: string; type?: string; body: Buffer }> }> {
  const received: Array<{ method?: string; url?: string; type?: string; body: Buffer }> = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.once('end', () => {
      const body = Buffer.concat(chunks)
      received.push({ method: req.method, url: req.url, type: req.headers['content-type'], body })
      answer(req, res, body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const defer = teardown(t)
  defer(() => {
    server.closeAllConnections()
    server.close()
  })
  const client = new AppClient({
    port: (server.address() as AddressInfo).port,
    keepAliveTimeoutMs: 4000,
    connectTimeoutMs: 1000,
  })
  defer(() => client.close())
  return { client, received }
}

const EVENT = Buffer.from('{"Records":[{"eventSource":"aws:sqs","body":"a"}]}')

function deliver(client: AppClient, stopInMs = 60_000, maxResultBytes?: number): Promise<EventOutcome> {
  return new PassThroughEvent({
    app: client,
    path: '/events',
    payload: EVENT,
    stopAtMs: Date.now() + stopInMs,
    ...(maxResultBytes === undefined ? {} : { maxResultBytes }),
  }).run()
}

test('the event bytes are POSTed as application/json to the path and a 200 body is the result', async (t) => {
  const { client, received } = await startApp(t, (_req, res) => res.end('{"ok":true}'))
  const outcome = await deliver(client)
  assert.deepEqual(received, [{ method: 'POST', url: '/events', type: 'application/json', body: EVENT }])
  assert.equal(outcome.kind, 'result')
  assert.equal(outcome.kind === 'result' && outcome.body.toString(), '{"ok":true}')
})

test('a 4xx answer is the result with its status, not a failure', async (t) => {
  const { client } = await startApp(t, (_req, res) => {
    res.statusCode = 422
    res.end('{"error":"bad order"}')
  })
  const outcome = await deliver(client)
  assert.deepEqual(outcome.kind === 'result' && [outcome.status, outcome.body.toString()], [
    422,
    '{"error":"bad order"}',
  ])
})

test('a 5xx answer fails with EventAppStatusError quoting at most 256 bytes of the body, and the app serves again', async (t) => {
  let fail = true
  const { client } = await startApp(t, (_req, res) => {
    res.statusCode = fail ? 503 : 200
    res.end(fail ? `busy ${'x'.repeat(100_000)}` : '{"ok":true}')
  })
  const outcome = await deliver(client)
  assert.equal(outcome.kind, 'error')
  const error = outcome.kind === 'error' ? outcome.error : undefined
  assert.ok(error instanceof EventAppStatusError)
  assert.equal(error.status, 503)
  assert.equal(error.bodyExcerpt, `busy ${'x'.repeat(251)}`)
  fail = false
  const next = await deliver(client)
  assert.equal(next.kind === 'result' && next.body.toString(), '{"ok":true}')
})

test('an app that never answers fails with EventAppTimeoutError at the stop time, and the app serves again', async (t) => {
  let hang = true
  const { client } = await startApp(t, (_req, res) => {
    if (!hang) res.end('{"ok":true}')
  })
  const outcome = await deliver(client, 200)
  assert.equal(outcome.kind, 'error')
  assert.ok(outcome.kind === 'error' && outcome.error instanceof EventAppTimeoutError)
  hang = false
  const next = await deliver(client)
  assert.equal(next.kind === 'result' && next.body.toString(), '{"ok":true}')
})

test('an app that sends its head but never ends its body fails with EventAppTimeoutError', async (t) => {
  const { client } = await startApp(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"partial":')
  })
  const outcome = await deliver(client, 200)
  assert.ok(outcome.kind === 'error' && outcome.error instanceof EventAppTimeoutError)
})

test('a chunked answer past the result limit fails with EventResultTooLargeError, and the app serves again', async (t) => {
  let big = true
  const { client } = await startApp(t, (_req, res) => {
    if (!big) {
      res.end('small')
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    // Never ends: only the limit stops it.
    const chunk = Buffer.alloc(16 * 1024, 1)
    const write = (): void => {
      while (res.write(chunk)) {}
      res.once('drain', write)
    }
    res.once('close', () => res.removeAllListeners('drain'))
    write()
  })
  const outcome = await deliver(client, 60_000, 100_000)
  const error = outcome.kind === 'error' ? outcome.error : undefined
  assert.ok(error instanceof EventResultTooLargeError)
  assert.equal(error.limitBytes, 100_000)
  big = false
  const next = await deliver(client, 60_000, 100_000)
  assert.equal(next.kind === 'result' && next.body.toString(), 'small')
})

test('a Content-Length past the result limit fails before any body byte is read', async (t) => {
  const { client } = await startApp(t, (_req, res) => {
    res.writeHead(200, { 'content-length': '100001' })
    res.write('x')
  })
  const outcome = await deliver(client, 60_000, 100_000)
  assert.ok(outcome.kind === 'error' && outcome.error instanceof EventResultTooLargeError)
})

test('an answer of exactly the result limit is the result', async (t) => {
  const { client } = await startApp(t, (_req, res) => res.end(Buffer.alloc(100_000, 7)))
  const outcome = await deliver(client, 60_000, 100_000)
  assert.equal(outcome.kind === 'result' && outcome.body.length, 100_000)
})

test('a shutdown moves the stop time earlier, never later', async (t) => {
  const hung = deferred()
  const { client } = await startApp(t, () => hung.resolve())
  const delivery = new PassThroughEvent({ app: client, path: '/events', payload: EVENT, stopAtMs: Date.now() + 60_000 })
  const outcome = delivery.run()
  await hung.promise
  // A SHUTDOWN deadline 300 ms away: the app's time ends at once (the Runtime API post needs those 300 ms).
  delivery.shutdown(Date.now() + 300)
  const result = await outcome
  assert.ok(result.kind === 'error' && result.error instanceof EventAppTimeoutError)
})
