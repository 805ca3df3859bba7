// Issue 3: the real router against the golden byte transcripts of test/fixtures/transcripts (original-protocol.md
// §3.4, §4), over real HTTP/1.1 and HTTP/2 on loopback: what a client request becomes on a channel stream, what a
// tunnelled response becomes for the client, the goaway pseudo-request and the 409 bodies, each compared byte for
// byte with the fixture file it came from.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { connect as netConnect } from 'node:net'
import { test } from 'node:test'
import { HOP_BY_HOP_HEADERS } from '../../src/protocol/index.js'
import { createRouter, loadRouterConfig } from '../../src/router/index.js'
import { deferred } from '../helpers/deferred.js'
import { captureLogs } from '../helpers/log-capture.js'
import { startRouterHarness } from '../helpers/router-harness.js'
import { connectBack, manualBehaviour, neverConnects, ScriptedInvoker } from '../helpers/router-scripted-invoker.js'
import { ScriptedExtension } from '../helpers/scripted-extension.js'
import { startRouter, TEST_ROUTER_ENV } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/transcripts/${name}`, import.meta.url))

type Field = readonly [name: string, value: string]

/** A transcript cut at its blank line: the start line, the header fields in order, and the raw body after them. */
function splitTranscript(bytes: Buffer): { startLine: string; fields: Field[]; body: Buffer } {
  const end = bytes.indexOf('\r\n\r\n')
  assert.ok(end > 0, 'the transcript has a head ended by a blank line')
  const [startLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n')
  const fields = lines.map((line): Field => {
    const colon = line.indexOf(': ')
    return [line.slice(0, colon), line.slice(colon + 2)]
  })
  return { startLine: startLine as string, fields, body: bytes.subarray(end + 4) }
}

function headBytes(startLine: string, fields: readonly Field[]): Buffer {
  return Buffer.from(
    `${[startLine, ...fields.map(([name, value]) => `${name}: ${value}`)].join('\r\n')}\r\n\r\n`,
    'latin1',
  )
}

function fieldValue(fields: readonly Field[], name: string): string {
  const field = fields.find(([candidate]) => candidate.toLowerCase() === name.toLowerCase())
  assert.ok(field, `the transcript has ${name}`)
  return field[1]
}

/** The ids the transcripts use, read from the goaway transcript's X-Lambda-Id and X-Channel-Id. */
function transcriptIds(): { lambdaId: string; channelId: string } {
  const { fields } = splitTranscript(fixture('goaway.bin'))
  return { lambdaId: fieldValue(fields, 'X-Lambda-Id'), channelId: fieldValue(fields, 'X-Channel-Id') }
}

test('the golden request sent to the front door is tunnelled byte for byte, with only the documented header changes', async (t) => {
  const defer = teardown(t)
  const golden = fixture('request-post-echo.bin')
  const tunnelled = deferred<Buffer>()
  const logs = captureLogs('info')
  const router = createRouter(loadRouterConfig({ ...TEST_ROUTER_ENV, LAMBDA_DISPATCH_AccessLog: 'true' }), {
    invoker: new ScriptedInvoker(
      connectBack(async (_head, channel) => {
        tunnelled.resolve(await channel.raw)
        channel.respond(200, [], 'ok')
      }),
    ),
    logger: logs.logger,
    env: {},
  })
  const addresses = await router.start()
  defer(() => router.close())

  // The transcript is a complete HTTP/1.1 request: a client writes exactly those bytes.
  const socket = netConnect(Number(new URL(addresses.frontDoorUrl).port), '127.0.0.1')
  socket.on('error', () => {})
  defer(() => socket.destroy())
  await once(socket, 'connect')
  socket.write(golden)

  const received = await tunnelled.promise
  const access = await logs.waitFor((line) => line.component === 'access' && line.msg === 'request')
  const requestId = String(access.requestId)
  assert.match(requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)

  // docs/router.md "Header hygiene": X-Lambda-Dispatch-Debug steers the router and is not the app's business (the
  // original passed it on); X-Forwarded-For/Proto/Host and the generated X-Request-Id are appended, in that order.
  // Everything else (request line, header order and spelling, body) is the transcript's.
  const { startLine, fields, body } = splitTranscript(golden)
  const kept = fields.filter(([name]) => name.toLowerCase() !== 'x-lambda-dispatch-debug')
  assert.equal(fields.length - kept.length, 1, 'the transcript carries exactly one router-control header')
  const expected = Buffer.concat([
    headBytes(startLine, [
      ...kept,
      ['X-Forwarded-For', '127.0.0.1'],
      ['X-Forwarded-Proto', 'http'],
      ['X-Forwarded-Host', fieldValue(fields, 'Host')],
      ['X-Request-Id', requestId],
    ]),
    body,
  ])
  assert.equal(received.toString('latin1'), expected.toString('latin1'))
  assert.deepEqual(received, expected)
})

for (const name of ['response-gzip.bin', 'response-no-reason.bin']) {
  test(`the golden ${name} written on the channel reaches the client as its status, end-to-end headers and body`, async (t) => {
    const golden = fixture(name)
    const { addresses, close } = await startRouter({
      app: async (_head, channel) => {
        await channel.requestBody
        channel.end(golden)
      },
    })
    t.after(close)

    const response = await new Promise<{ status: number; rawHeaders: string[]; body: Buffer }>((resolve, reject) => {
      // node:http leaves Content-Encoding alone: a gzip body arrives as the transcript's bytes.
      const request = httpRequest(`${addresses.frontDoorUrl}/`, { agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
        )
      })
      request.on('error', reject)
      request.end()
    })

    const { startLine, fields, body } = splitTranscript(golden)
    assert.equal(response.status, Number(startLine.split(' ')[1]))
    // The client connection's own framing (Connection, Keep-Alive, Transfer-Encoding) is hop-by-hop: not compared.
    let endToEnd: Field[] = []
    for (let index = 0; index + 1 < response.rawHeaders.length; index += 2) {
      const field = response.rawHeaders[index] as string
      if (!HOP_BY_HOP_HEADERS.has(field.toLowerCase())) endToEnd.push([field, response.rawHeaders[index + 1] as string])
    }
    if (!fields.some(([field]) => field.toLowerCase() === 'date')) {
      // RFC 9110 §6.6.1: a recipient with a clock forwards a response that has no Date with the time it got it.
      const dates = endToEnd.filter(([field]) => field.toLowerCase() === 'date')
      assert.equal(dates.length, 1)
      assert.ok(!Number.isNaN(Date.parse(dates[0]?.[1] ?? '')))
      endToEnd = endToEnd.filter(([field]) => field.toLowerCase() !== 'date')
    }
    // The extension's X-Lambda-Id / X-Channel-Id never reach a client; the rest keep their order and spelling.
    const internal = new Set(['x-lambda-id', 'x-channel-id'])
    assert.deepEqual(
      endToEnd,
      fields.filter(([field]) => !internal.has(field.toLowerCase())),
    )
    assert.deepEqual(response.body, body)
  })
}

test('the goaway the router writes to an idle channel is the golden goaway, byte for byte', async (t) => {
  const defer = teardown(t)
  const { lambdaId, channelId } = transcriptIds()
  const ids = [lambdaId]
  const manual = manualBehaviour()
  const router = await startRouterHarness(t, {
    pools: [{ poolId: 'default', scaling: { minInstances: 1, maxInstances: 1 } }],
    behaviour: manual.behaviour,
    // The first instance gets the transcript's id; its replacement (MinInstances 1) a fresh one.
    newLambdaId: () => ids.shift() ?? randomUUID(),
  })
  const invocation = await manual.next()
  assert.equal(invocation.payload.id, lambdaId)
  const extension = await ScriptedExtension.connect(router.url)
  defer(() => extension.destroy())
  const parked = extension.openChannel(lambdaId, channelId)
  assert.equal((await parked.response)?.status, 200)

  assert.equal((await extension.close(lambdaId)).status, 200)
  const raw = await parked.raw
  assert.equal(raw.toString('latin1'), fixture('goaway.bin').toString('latin1'))
  assert.deepEqual(raw, fixture('goaway.bin'))
  parked.end()
  invocation.complete()
})

test('a channel POST for an unknown instance or pool gets the golden 409 body, byte for byte', async (t) => {
  const defer = teardown(t)
  const { lambdaId, channelId } = transcriptIds()
  const router = await startRouterHarness(t, { behaviour: neverConnects() })
  const extension = await ScriptedExtension.connect(router.url)
  defer(() => extension.destroy())

  const unknownInstance = extension.openChannel(lambdaId, channelId)
  assert.equal((await unknownInstance.response)?.status, 409)
  unknownInstance.end()
  assert.deepEqual(await unknownInstance.raw, fixture('conflict-no-instance.txt'))

  const noPool = fixture('conflict-no-pool.txt')
  const poolId = /X-Pool-Id: ([^,]+),/.exec(noPool.toString('latin1'))?.[1]
  assert.ok(poolId !== undefined && !router.pools.has(poolId))
  const unknownPool = extension.openChannel(lambdaId, channelId, { poolId })
  assert.equal((await unknownPool.response)?.status, 409)
  unknownPool.end()
  assert.deepEqual(await unknownPool.raw, noPool)
  assert.equal(router.invoker.payloads.length, 0)
})
