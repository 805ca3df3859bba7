// Issue 8 item 3: logs and EMF. The access log is on by default and AccessLog=false turns it off; a client's
// X-Request-Id travels client → router → extension → app through the whole local stack, and the router's access line
// and the extension's line about the request carry it under the same keys; CloudWatch EMF is off by default and, when
// on, writes per-pool documents.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request as undiciRequest } from 'undici'
import { startLocalStack } from '../../src/cli/local-stack.js'
import { createRouter, loadRouterConfig } from '../../src/router/index.js'
import { captureLogs } from '../helpers/log-capture.js'
import { connectBack, ScriptedInvoker } from '../helpers/router-scripted-invoker.js'
import { TEST_ROUTER_ENV } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

async function routerWith(
  env: Record<string, string | undefined>,
  options: { emf?: string[]; now?: () => number } = {},
) {
  const logs = captureLogs('info', { app: 'router' })
  const merged: Record<string, string | undefined> = { ...TEST_ROUTER_ENV, ...env }
  const router = createRouter(loadRouterConfig(merged), {
    invoker: new ScriptedInvoker(connectBack()),
    logger: logs.logger,
    env: {},
    ...(options.emf === undefined ? {} : { emfWrite: (line: string) => options.emf?.push(line) }),
    ...(options.now === undefined ? {} : { now: options.now }),
  })
  const addresses = await router.start()
  return { router, addresses, logs }
}

async function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await undiciRequest(url, { headers })
  await response.body.dump()
  return response.statusCode
}

test('the access log is on by default: one info line per request, with the client request id', async (t) => {
  // TEST_ROUTER_ENV turns it off for the other tests; unset, the default applies.
  const { router, addresses, logs } = await routerWith({ LAMBDA_DISPATCH_AccessLog: undefined })
  t.after(() => router.close())
  assert.equal(await get(`${addresses.frontDoorUrl}/hello?x=1`, { 'x-request-id': 'access-log-1' }), 200)
  // The line is written when the response ends, before the client can have read all of it.
  const line = logs.lines.find((candidate) => candidate.msg === 'request')
  assert.ok(line, 'an access line was written')
  assert.equal(line.level, 'info')
  assert.match(String(line.time), ISO_TIME)
  assert.equal(line.app, 'router')
  assert.equal(line.component, 'access')
  assert.equal(line.requestId, 'access-log-1')
  assert.equal(line.method, 'GET')
  assert.equal(line.target, '/hello?x=1')
  assert.equal(line.protocol, 'HTTP/1.1')
  assert.equal(line.poolKey, 'default')
  assert.equal(line.status, 200)
  assert.equal(line.result, 'complete')
  assert.equal(typeof line.durationMs, 'number')
  assert.equal(logs.lines.filter((candidate) => candidate.msg === 'request').length, 1)
})

test('AccessLog=false writes no access line', async (t) => {
  const { router, addresses, logs } = await routerWith({ LAMBDA_DISPATCH_AccessLog: 'false' })
  t.after(() => router.close())
  assert.equal(await get(`${addresses.frontDoorUrl}/quiet`), 200)
  assert.equal(await get(`${addresses.frontDoorUrl}/_lambda_dispatch/x`), 400)
  assert.deepEqual(
    logs.lines.filter((line) => line.component === 'access'),
    [],
  )
})

test('a client X-Request-Id reaches the app through the local stack, and the router and extension log it', async (t) => {
  const logs = captureLogs('debug', { app: 'local' })
  const stack = await startLocalStack({
    frontDoorPort: 0,
    controlPort: 0,
    logger: logs.logger,
    childOutput: 'log',
    freezeWhenIdle: false,
    functionEnv: { LAMBDA_DISPATCH_LOG_LEVEL: 'debug' },
    routerSettings: { LAMBDA_DISPATCH_LogLevel: 'debug' },
  })
  t.after(() => stack.close())
  const response = await undiciRequest(`${stack.addresses.frontDoorUrl}/headers`, {
    headers: { 'x-request-id': 'e2e-request-7' },
  })
  assert.equal(response.statusCode, 200)
  const seen = (await response.body.json()) as { headers: string[] }
  const at = seen.headers.findIndex((name) => name.toLowerCase() === 'x-request-id')
  assert.equal(seen.headers[at + 1], 'e2e-request-7', 'the app received the client request id')

  const access = await logs.waitFor((line) => line.msg === 'request' && line.requestId === 'e2e-request-7')
  assert.equal(access.component, 'access')
  // The extension's own JSON line, relayed by the local Lambda with its level, message and fields kept.
  const relayed = await logs.waitFor((line) => line.msg === 'request relayed' && line.requestId === 'e2e-request-7')
  assert.equal(relayed.level, 'debug')
  assert.match(String(relayed.time), ISO_TIME)
  assert.equal(relayed.component, 'extension')
  assert.equal(relayed.process, 'extension-0', 'the local Lambda says which process wrote it')
  assert.equal(relayed.poolId, 'default')
  assert.equal(typeof relayed.lambdaId, 'string')
  assert.equal(typeof relayed.channelId, 'string')
  assert.equal(typeof relayed.awsRequestId, 'string')
  assert.equal(relayed.status, 200)

  // Without a client id the router makes one, and the app sees it.
  const anonymous = await undiciRequest(`${stack.addresses.frontDoorUrl}/headers`)
  const anonymousSeen = (await anonymous.body.json()) as { headers: string[] }
  const idAt = anonymousSeen.headers.findIndex((name) => name.toLowerCase() === 'x-request-id')
  assert.match(anonymousSeen.headers[idAt + 1] ?? '', /^[0-9a-f-]{36}$/)
})

test('CloudWatch EMF is off by default and, when on, writes one document per pool with the pool dimension', async (t) => {
  const defer = teardown(t)
  const silent: string[] = []
  const off = await routerWith({}, { emf: silent })
  defer(() => off.router.close())
  assert.equal(await get(`${off.addresses.frontDoorUrl}/a`), 200)
  await off.router.close()
  assert.deepEqual(silent, [])

  const lines: string[] = []
  // A wall clock stopped mid-minute: every value lands in one minute, and the minute timer is half a minute away.
  const minuteMs = 1_700_000_040_000
  const on = await routerWith(
    { LAMBDA_DISPATCH_CloudWatchMetricsEnabled: 'true' },
    { emf: lines, now: () => minuteMs + 30_000 },
  )
  defer(() => on.router.close())
  for (let index = 0; index < 3; index++) assert.equal(await get(`${on.addresses.frontDoorUrl}/b${index}`), 200)
  // Closing writes the current minute (the timer would, at the minute's end).
  await on.router.close()
  assert.equal(lines.length, 1)
  const document = JSON.parse(lines[0] as string)
  assert.equal(document._aws.Timestamp, minuteMs)
  assert.equal(document.Pool, 'default')
  assert.equal(document.FunctionName, 'my-function')
  assert.deepEqual(document._aws.CloudWatchMetrics[0].Dimensions, [['Service', 'Pool']])
  assert.equal(document._aws.CloudWatchMetrics[0].Namespace, 'LambdaDispatch')
  assert.equal(document.RequestCount, 3)
  assert.equal(document.RequestErrorCount, 0)
  assert.equal(document.LambdaInvokeCount, 1)
  assert.equal(document.RequestDuration.length, 3)
  assert.equal(document.LambdaOpenDelay.length, 1)
  assert.equal(document.PendingRequestCount, 0, 'zero gauges are written')
})
