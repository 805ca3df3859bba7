// The live status line of `lambda-dispatch local` (issue 5): its text from a sample, the request rate between two
// samples, and what gets written when on a terminal and elsewhere. All pure: no stack, no clock, no stdout.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  formatStatusLine,
  type PrintedStatus,
  requestsPerSecond,
  STATUS_LINE_MIN_INTERVAL_MS,
  type StatusSample,
  statusLineOutput,
} from '../../../src/cli/status-line.js'

const IDLE: StatusSample = {
  atMs: 1_000_000,
  requestsTotal: 0,
  requestsPerSecond: 0,
  instancesOpen: 0,
  instancesStarting: 0,
  channelsParked: 0,
  channelsBusy: 0,
  queueLength: 0,
  invokes: 0,
  environmentsAlive: 0,
  coldStarts: 0,
}

const formatCases: { name: string; sample: Partial<StatusSample>; line: string }[] = [
  {
    name: 'an idle stack shows zeros everywhere and no starting instances',
    sample: {},
    line: '0 req/s · 0 requests · instances 0 · channels 0 busy/0 idle · queue 0 · invokes 0 · environments 0 (0 cold starts)',
  },
  {
    name: 'a busy stack shows every count, and instances still starting in parentheses',
    sample: {
      requestsTotal: 12_345,
      requestsPerSecond: 142.3,
      instancesOpen: 3,
      instancesStarting: 2,
      channelsParked: 5,
      channelsBusy: 7,
      queueLength: 4,
      invokes: 6,
      environmentsAlive: 5,
      coldStarts: 5,
    },
    line: '142 req/s · 12345 requests · instances 3 (+2 starting) · channels 7 busy/5 idle · queue 4 · invokes 6 · environments 5 (5 cold starts)',
  },
  {
    name: 'the rate is rounded to a whole number, half up',
    sample: { requestsPerSecond: 0.5, requestsTotal: 1, instancesOpen: 1, channelsParked: 2 },
    line: '1 req/s · 1 requests · instances 1 · channels 0 busy/2 idle · queue 0 · invokes 0 · environments 0 (0 cold starts)',
  },
]

for (const row of formatCases) {
  test(`formatStatusLine: ${row.name}`, () => {
    assert.equal(formatStatusLine({ ...IDLE, ...row.sample }), row.line)
  })
}

const rateCases: {
  name: string
  previous: Pick<StatusSample, 'atMs' | 'requestsTotal'> | undefined
  total: number
  atMs: number
  rate: number
}[] = [
  { name: 'the first sample has no rate', previous: undefined, total: 50, atMs: 2000, rate: 0 },
  {
    name: '30 requests in 1.5 s is 20 per second',
    previous: { atMs: 1000, requestsTotal: 10 },
    total: 40,
    atMs: 2500,
    rate: 20,
  },
  {
    name: 'no new request is a rate of 0',
    previous: { atMs: 1000, requestsTotal: 10 },
    total: 10,
    atMs: 2000,
    rate: 0,
  },
  {
    name: 'no time passed is a rate of 0, not a division by zero',
    previous: { atMs: 1000, requestsTotal: 1 },
    total: 9,
    atMs: 1000,
    rate: 0,
  },
]

for (const row of rateCases) {
  test(`requestsPerSecond: ${row.name}`, () => {
    assert.equal(requestsPerSecond(row.previous, row.total, row.atMs), row.rate)
  })
}

test('on a terminal every line rewrites the previous one in place, with no newline', () => {
  const last: PrintedStatus = { line: 'same', atMs: 0 }
  assert.deepEqual(statusLineOutput('same', true, last, 1), { text: '\r\x1b[2Ksame', printed: last })
  assert.deepEqual(statusLineOutput('first', true, undefined, 1), { text: '\r\x1b[2Kfirst', printed: undefined })
})

const pipeCases: {
  name: string
  line: string
  last: PrintedStatus | undefined
  nowMs: number
  output: { text: string; printed: PrintedStatus } | undefined
}[] = [
  {
    name: 'the first line is written at once',
    line: 'a',
    last: undefined,
    nowMs: 10,
    output: { text: 'a\n', printed: { line: 'a', atMs: 10 } },
  },
  {
    name: 'an unchanged line is never written again, however late',
    line: 'a',
    last: { line: 'a', atMs: 10 },
    nowMs: 10 + 10 * STATUS_LINE_MIN_INTERVAL_MS,
    output: undefined,
  },
  {
    name: 'a changed line waits until the interval has passed since the last one',
    line: 'b',
    last: { line: 'a', atMs: 10 },
    nowMs: 10 + STATUS_LINE_MIN_INTERVAL_MS - 1,
    output: undefined,
  },
  {
    name: 'a changed line is written once the interval has passed, and becomes the last one',
    line: 'b',
    last: { line: 'a', atMs: 10 },
    nowMs: 10 + STATUS_LINE_MIN_INTERVAL_MS,
    output: { text: 'b\n', printed: { line: 'b', atMs: 10 + STATUS_LINE_MIN_INTERVAL_MS } },
  },
]

for (const row of pipeCases) {
  test(`not on a terminal: ${row.name}`, () => {
    assert.deepEqual(statusLineOutput(row.line, false, row.last, row.nowMs), row.output)
  })
}
