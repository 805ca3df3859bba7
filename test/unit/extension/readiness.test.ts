// Readiness: status ranges (table), probe backoff, waitForApp's bounds, and both probes against real sockets.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer as createHttpServer } from 'node:http'
import { type AddressInfo, createServer as createTcpServer } from 'node:net'
import { test } from 'node:test'
import {
  createHttpProbe,
  createTcpProbe,
  isHealthyStatus,
  nextProbeDelayMs,
  parseStatusRanges,
  type ReadinessProbe,
  waitForApp,
} from '../../../src/extension/readiness.js'

const ranges: Array<[string, ReturnType<typeof parseStatusRanges>]> = [
  ['200-299', [{ min: 200, max: 299 }]],
  ['200', [{ min: 200, max: 200 }]],
  [
    '200-399, 404',
    [
      { min: 200, max: 399 },
      { min: 404, max: 404 },
    ],
  ],
  ['299-200', undefined],
  ['200-', undefined],
  ['600', undefined],
  ['ok', undefined],
  ['', undefined],
]
for (const [text, expected] of ranges) {
  test(`status ranges ${JSON.stringify(text)} parse to ${JSON.stringify(expected)}`, () =>
    assert.deepEqual(parseStatusRanges(text), expected))
}

test('a status is healthy when any range holds it', () => {
  const healthy = parseStatusRanges('200-299,404') ?? []
  assert.deepEqual(
    [199, 200, 299, 300, 404, 503].map((status) => isHealthyStatus(status, healthy)),
    [false, true, true, false, true, false],
  )
})

test('probes back off from 10 ms, doubling, to a 100 ms cap', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 20].map(nextProbeDelayMs), [10, 20, 40, 80, 100, 100])
})

function scriptedProbe(answers: boolean[]): ReadinessProbe & { calls: number } {
  const probe = {
    description: 'scripted',
    lastObservation: undefined,
    calls: 0,
    check: async () => {
      probe.calls++
      return answers.shift() ?? false
    },
  }
  return probe
}

test('waitForApp returns as soon as a probe succeeds, counting the attempts', async () => {
  const probe = scriptedProbe([false, false, true])
  const result = await waitForApp(probe, { timeoutMs: 10_000 })
  assert.equal(result.ready, true)
  assert.equal(result.attempts, 3)
})

test('waitForApp gives up after its timeout with one probe at least', async () => {
  const probe = scriptedProbe([])
  const result = await waitForApp(probe, { timeoutMs: 0 })
  assert.deepEqual({ ready: result.ready, attempts: result.attempts }, { ready: false, attempts: 1 })
})

test('waitForApp stops when its signal aborts', async () => {
  const probe = scriptedProbe([])
  const controller = new AbortController()
  const waiting = waitForApp(
    {
      ...probe,
      check: async () => {
        controller.abort()
        return false
      },
    },
    { signal: controller.signal },
  )
  const result = await waiting
  assert.equal(result.ready, false)
})

test('the http probe is healthy only for a configured status and sends Host: localhost', async (t) => {
  const seen: Array<string | undefined> = []
  const server = createHttpServer((req, res) => {
    seen.push(req.headers.host)
    res.writeHead(req.url === '/ok' ? 204 : 503)
    res.end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  const { port } = server.address() as AddressInfo
  const healthy = parseStatusRanges('200-299') ?? []
  assert.equal(await createHttpProbe(port, '/ok', healthy, 10_000).check(), true)
  assert.equal(await createHttpProbe(port, '/down', healthy, 10_000).check(), false)
  assert.equal(await createHttpProbe(port, '/down', parseStatusRanges('500-599') ?? [], 10_000).check(), true)
  assert.deepEqual(seen, ['localhost', 'localhost', 'localhost'])
  assert.equal(createHttpProbe(port, '/ok', healthy, 10_000).description, `http GET :${port}/ok 200-299`)
})

test('the tcp probe is healthy while the port accepts connections, and not after', async () => {
  const server = createTcpServer((socket) => socket.destroy())
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const probe = createTcpProbe(port, 10_000)
  assert.equal(await probe.check(), true)
  server.close()
  await once(server, 'close')
  assert.equal(await probe.check(), false)
})

// Issue 14: a health route slower than a second was asked again and again, running the app's init many times at
// once. A probe now waits for its answer (up to the probe timeout), and the next one starts only after it.
test('a slow health route is asked once: the next probe waits for the answer of the one in flight', async (t) => {
  let inFlight = 0
  let mostInFlight = 0
  let onArrived: (answer: () => void) => void = () => {}
  const arrived = new Promise<() => void>((resolve) => {
    onArrived = resolve
  })
  const server = createHttpServer((_req, res) => {
    inFlight++
    mostInFlight = Math.max(mostInFlight, inFlight)
    onArrived(() => {
      inFlight--
      res.writeHead(200).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  const { port } = server.address() as AddressInfo
  const waiting = waitForApp(createHttpProbe(port, '/health', [{ min: 200, max: 299 }], 60_000), { timeoutMs: 60_000 })
  const answer = await arrived
  answer()
  const result = await waiting
  assert.deepEqual(
    { ready: result.ready, attempts: result.attempts, mostInFlight },
    { ready: true, attempts: 1, mostInFlight: 1 },
  )
})

test('a probe that gets no answer within its timeout says so, and the next probe starts only after it', async (t) => {
  const requests: number[] = []
  const server = createHttpServer(() => {
    requests.push(requests.length)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  const { port } = server.address() as AddressInfo
  const probe = createHttpProbe(port, '/health', [{ min: 200, max: 299 }], 50)
  assert.equal(await probe.check(), false)
  assert.equal(probe.lastObservation, `GET /health on port ${port} did not answer within 50 ms`)
  assert.equal(requests.length, 1)
})

test('the http probe reports the status it saw, and a refused connection as such', async () => {
  const server = createHttpServer((_req, res) => res.writeHead(404).end())
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const probe = createHttpProbe(port, '/health', [{ min: 200, max: 299 }], 10_000)
  assert.equal(await probe.check(), false)
  assert.equal(probe.lastObservation, `GET /health on port ${port} answered 404`)
  const result = await waitForApp(probe, { timeoutMs: 0 })
  assert.equal(result.lastObservation, `GET /health on port ${port} answered 404`)
  server.close()
  await once(server, 'close')
  assert.equal(await probe.check(), false)
  assert.equal(probe.lastObservation, `nothing listens on port ${port} (connection refused)`)
})
