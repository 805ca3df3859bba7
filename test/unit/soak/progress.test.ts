// The soak's progress formatting: fraction by requests or time, the bar, 10 % milestones and durations
// (tools/soak/progress.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  formatBar,
  formatDuration,
  formatProgressLine,
  milestone,
  progressFraction,
} from '../../../tools/soak/progress.js'

const fractions = [
  { name: 'by requests', state: { settled: 250, total: 1000, elapsedMs: 0, durationMs: undefined }, fraction: 0.25 },
  { name: 'by time', state: { settled: 5, total: undefined, elapsedMs: 30_000, durationMs: 60_000 }, fraction: 0.5 },
  { name: 'whichever is further', state: { settled: 900, total: 1000, elapsedMs: 1, durationMs: 10 }, fraction: 0.9 },
  { name: 'never above 1', state: { settled: 20, total: 10, elapsedMs: 0, durationMs: undefined }, fraction: 1 },
  {
    name: 'unbounded runs stay at 0',
    state: { settled: 20, total: undefined, elapsedMs: 9, durationMs: undefined },
    fraction: 0,
  },
]
for (const row of fractions) {
  test(`progressFraction ${row.name}`, () => {
    assert.equal(progressFraction(row.state), row.fraction)
  })
}

const bars = [
  { fraction: 0, bar: '[----------]' },
  { fraction: 0.44, bar: '[####------]' },
  { fraction: 1, bar: '[##########]' },
  { fraction: 7, bar: '[##########]' },
]
for (const row of bars) {
  test(`formatBar(${row.fraction}) is ${row.bar}`, () => {
    assert.equal(formatBar(row.fraction, 10), row.bar)
  })
}

test('a milestone line comes at every whole 10 %', () => {
  assert.deepEqual([0, 0.0999, 0.1, 0.35, 0.3, 0.99, 1].map(milestone), [0, 0, 1, 3, 3, 9, 10])
})

const durations = [
  { ms: 6_249, text: '6.2s' },
  { ms: 245_000, text: '4m05s' },
  { ms: 3_723_000, text: '1h02m03s' },
]
for (const row of durations) {
  test(`formatDuration(${row.ms}) is ${row.text}`, () => {
    assert.equal(formatDuration(row.ms), row.text)
  })
}

test('a progress line names the counts that matter', () => {
  const line = formatProgressLine(
    {
      settled: 500,
      total: 1000,
      elapsedMs: 10_000,
      durationMs: undefined,
      unexpected: 0,
      expectedErrors: 12,
      inFlight: 32,
      recentRps: 49.6,
      instances: 5,
      rssBytes: 200 * 1048576,
    },
    10,
  )
  assert.equal(
    line,
    '[#####-----]  50% 500/1000 · 10.0s · 50 req/s · 0 unexpected · 12 aborted on purpose · 32 in flight · 5 instances · rss 200 MiB',
  )
})
