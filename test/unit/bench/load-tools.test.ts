// The load generators' argument lists and the parsers of what they print: wrk's report line (bench/wrk-report.lua),
// h2load's summary and its per-request log.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { h2loadArgs, h2loadResult, h2Shape, parseH2loadLog, parseH2loadSummary } from '../../../bench/lib/h2load.js'
import { parseWrkOutput, wrkArgs } from '../../../bench/lib/wrk.js'

const WRK_OUTPUT = `Running 1s test @ http://127.0.0.1:39999/ping
  1 threads and 2 connections
  8490 requests in 1.01s, 1.35MB read
Requests/sec:   8438.49
BENCH_WRK {"requests":8490,"durationUs":1006104,"bytes":1417830,"connectErrors":0,"readErrors":2,"writeErrors":0,"statusErrors":3,"timeouts":1,"p50Us":115,"p90Us":4955,"p99Us":15019,"maxUs":23110,"meanUs":1528.3}
`

const H2LOAD_OUTPUT = `starting benchmark...
Application protocol: h2c

finished in 1.00s, 2574.00 req/s, 206.17KB/s
requests: 2574 total, 2576 started, 2574 done, 2570 succeeded, 4 failed, 1 errored, 0 timeout
status codes: 2570 2xx, 0 3xx, 0 4xx, 3 5xx
traffic: 206.17KB (211117) total, 150.82KB (154440) headers (space savings 46.90%), 10.05KB (10296) data
                     min         max         mean         sd        +/- sd
time for request:       61us    100.63ms       771us      4.19ms    97.32%
`

test('wrk runs one thread per connection up to two, with the report script and a timeout', () => {
  const cases = [
    { connections: 1, threads: '--threads=1' },
    { connections: 10, threads: '--threads=2' },
    { connections: 200, threads: '--threads=2' },
  ]
  for (const row of cases) {
    const args = wrkArgs({ url: 'http://h/ping', connections: row.connections, durationS: 5, scriptPath: '/r.lua' })
    assert.deepEqual(args, [
      row.threads,
      `--connections=${row.connections}`,
      '--duration=5s',
      '--timeout=10s',
      '--script=/r.lua',
      'http://h/ping',
    ])
  }
})

test('the wrk report line gives rate, latencies and every kind of error summed', () => {
  const result = parseWrkOutput(WRK_OUTPUT)
  assert.equal(result.requests, 8490)
  assert.equal(result.durationS, 1.006104)
  assert.ok(Math.abs(result.requestsPerS - 8490 / 1.006104) < 1e-9)
  assert.deepEqual([result.p50Us, result.p99Us, result.maxUs], [115, 15019, 23110])
  assert.equal(result.errors, 6)
  assert.equal(result.bytes, 1417830)
})

test('wrk output without a report line, or with a field missing, is refused', () => {
  assert.throws(() => parseWrkOutput('Running 1s test\nunable to connect to 127.0.0.1:1\n'), /no report line/)
  assert.throws(() => parseWrkOutput('BENCH_WRK {"requests":1}\n'), /lacks durationUs/)
})

test('h2c concurrency is spread at most ten streams per connection', () => {
  const cases = [
    { concurrency: 1, connections: 1, streams: 1 },
    { concurrency: 10, connections: 1, streams: 10 },
    { concurrency: 50, connections: 5, streams: 10 },
    { concurrency: 200, connections: 20, streams: 10 },
  ]
  for (const row of cases) {
    assert.deepEqual(h2Shape(row.concurrency), { connections: row.connections, streamsPerConnection: row.streams })
  }
  assert.deepEqual(h2loadArgs({ url: 'http://h/', concurrency: 50, durationS: 10, warmupS: 0, logFile: '/l' }), [
    '--threads=2',
    '--clients=5',
    '--max-concurrent-streams=10',
    '--duration=10',
    '--warm-up-time=0',
    '--log-file=/l',
    'http://h/',
  ])
})

test('the h2load summary gives its rate and counters; failed already holds errored, timeouts and bad statuses', () => {
  const summary = parseH2loadSummary(H2LOAD_OUTPUT)
  assert.equal(summary.requestsPerS, 2574)
  assert.deepEqual([summary.total, summary.succeeded, summary.failed, summary.errored], [2574, 2570, 4, 1])
  assert.equal(summary.status5xx, 3)
  assert.equal(summary.trafficBytes, 211117)
  const result = h2loadResult(summary, { durationsUs: [300, 100, 200, 400] }, 1)
  assert.equal(result.errors, 4)
  assert.deepEqual([result.p50Us, result.p99Us, result.maxUs], [200, 400, 400])
  assert.throws(() => parseH2loadSummary('connect error\n'), /request counters/)
})

test('the h2load log keeps the durations of answered rows and counts failed ones', () => {
  const log = '1795706157908900\t200\t1636\n1795706157910580\t-1\t596\n1795706157911191\t503\t754\n1\t200\t10\n'
  assert.deepEqual(parseH2loadLog(log), { durationsUs: [1636, 10], failedRows: 2 })
})
