// The scale-up comparison's pure parts: API Gateway payload 2.0 conversions on both sides of the web adapter, the
// latency and cold-start-wait arithmetic, the router log lines it reads, and its Markdown report.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  fromApiGatewayResult,
  toApiGatewayEvent,
  toApiGatewayResult,
  toAppRequest,
} from '../../../bench/lib/api-gateway-event.js'
import { renderScaleupMarkdown, type ScaleupSideReport } from '../../../bench/lib/render-scaleup.js'
import { coldWait, latencySummary, parseRouterLogLine } from '../../../bench/lib/scaleup-analysis.js'

test('a request survives gateway → event → app request: method, path, query, headers and a binary body', () => {
  const body = Buffer.from([0, 1, 2, 250, 255])
  const event = toApiGatewayEvent({
    method: 'POST',
    target: '/echo?x=1&y=2',
    headers: { Host: 'h', 'Content-Type': 'application/octet-stream', Connection: 'keep-alive', 'X-Many': ['a', 'b'] },
    body,
  })
  assert.equal(event.rawPath, '/echo')
  assert.equal(event.rawQueryString, 'x=1&y=2')
  assert.equal(event.isBase64Encoded, true)
  assert.deepEqual(event.headers, { host: 'h', 'content-type': 'application/octet-stream', 'x-many': 'a,b' })
  const request = toAppRequest(JSON.parse(JSON.stringify(event)))
  assert.deepEqual([request.method, request.path, request.body], ['POST', '/echo?x=1&y=2', body])
  const empty = toApiGatewayEvent({ method: 'GET', target: '/ping', headers: {}, body: Buffer.alloc(0) })
  assert.equal(empty.body, undefined)
  assert.equal(toAppRequest(empty).path, '/ping')
})

test('a result survives app response → result → gateway response, text as text and binary as base64', () => {
  const text = toApiGatewayResult(200, { 'content-type': 'text/plain', 'content-length': '4' }, Buffer.from('pong'))
  assert.deepEqual(text, {
    statusCode: 200,
    headers: { 'content-type': 'text/plain' },
    body: 'pong',
    isBase64Encoded: false,
  })
  const binary = toApiGatewayResult(201, { 'content-type': 'image/png' }, Buffer.from([137, 80]))
  assert.equal(binary.isBase64Encoded, true)
  assert.deepEqual(fromApiGatewayResult(JSON.parse(JSON.stringify(binary)))?.body, Buffer.from([137, 80]))
  assert.equal(fromApiGatewayResult({ statusCode: 200 }), undefined)
  assert.equal(fromApiGatewayResult('nope'), undefined)
})

test('latency summaries count non-2xx answers by status; cold-start waits add up', () => {
  const summary = latencySummary([
    { latencyMs: 50, status: 200 },
    { latencyMs: 70, status: 200 },
    { latencyMs: 3000, status: 502 },
    { latencyMs: 60, status: 0 },
  ])
  assert.deepEqual(summary, {
    requests: 4,
    errors: 2,
    errorsByStatus: { 0: 1, 502: 1 },
    p50Ms: 60,
    p99Ms: 3000,
    maxMs: 3000,
  })
  assert.deepEqual(coldWait([2000, 3000]), { requests: 2, meanMs: 2500, maxMs: 3000, totalS: 5 })
  assert.deepEqual(coldWait([]), { requests: 0, meanMs: 0, maxMs: 0, totalS: 0 })
})

test('the router log lines read are the dispatch (with or without a queue wait) and the instance state', () => {
  const cases = [
    {
      line: '{"level":"debug","requestId":"r1","lambdaId":"l1","channelId":"c","queuedMs":12.5,"msg":"request dispatched"}',
      expected: { kind: 'dispatched', requestId: 'r1', lambdaId: 'l1', queuedMs: 12.5 },
    },
    {
      line: '{"level":"debug","requestId":"r2","lambdaId":"l1","channelId":"c","msg":"request dispatched"}',
      expected: { kind: 'dispatched', requestId: 'r2', lambdaId: 'l1', queuedMs: undefined },
    },
    {
      line: '{"level":"info","lambdaId":"l2","from":"starting","to":"open","msg":"instance state"}',
      expected: { kind: 'instance-state', lambdaId: 'l2', to: 'open' },
    },
    { line: '{"msg":"request completed","requestId":"r1"}', expected: undefined },
    { line: 'lambda-dispatch router listening: http://127.0.0.1:1', expected: undefined },
    { line: '{not json', expected: undefined },
  ]
  for (const row of cases) assert.deepEqual(parseRouterLogLine(row.line), row.expected, row.line)
})

test('the scale-up report puts both sides side by side with the two ratios', () => {
  const side = (environmentsUsed: number, maxMs: number): ScaleupSideReport => ({
    environmentsUsed,
    invokes: 1000,
    p50Ms: 60,
    p99Ms: maxMs - 100,
    maxMs,
    requests: 1000,
    errors: 1,
    errorsByStatus: { 502: 1 },
    warmEnvironments: 2,
    environmentsCreated: environmentsUsed - 2,
    coldStartWait: coldWait([2000]),
    queueWait: undefined,
    perRequest: [],
  })
  const markdown = renderScaleupMarkdown({
    startedAt: 'now',
    finishedAt: 'later',
    loadAverage: { start: 0.1, between: 0.2, end: 0.3 },
    settings: {
      requests: 1000,
      concurrency: 100,
      workMs: 50,
      coldStartMs: 2000,
      baselineWarm: 10,
      dispatchWarm: 2,
      maxInstances: 20,
      maxConcurrentCount: 10,
    },
    baseline: side(100, 9000),
    dispatch: side(20, 900),
  })
  assert.match(markdown, /\| environments used in the burst \| 100 \| 20 \|/)
  assert.match(markdown, /\| errors \| 1 \(502 × 1\) \| 1 \(502 × 1\) \|/)
  assert.match(markdown, /\| waited on a cold start \| 1 requests, mean 2000 ms, max 2000 ms, total 2\.0 s \|/)
  assert.match(markdown, /environments 0\.20 \(target ≤ 0\.25\), max latency 0\.10/)
})
