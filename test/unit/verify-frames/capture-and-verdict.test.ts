// tshark's closing counts (tools/verify-frames/capture.ts) and the frame check's verdict
// (tools/verify-frames/verdict.ts): drops, gaps, malformed packets, an empty capture or a failed soak all fail it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseCaptureStats } from '../../../tools/verify-frames/capture.js'
import { checkFrames, FRAME_TYPES as T } from '../../../tools/verify-frames/check-frames.js'
import { type FrameRunFigures, frameVerdict } from '../../../tools/verify-frames/verdict.js'

const statsCases = [
  {
    name: 'a clean capture',
    stderr: "Capturing on 'Loopback: lo'\n24263 packets captured\n",
    stats: { captured: 24263, dropped: 0 },
  },
  { name: 'one packet', stderr: '1 packet captured\n', stats: { captured: 1, dropped: 0 } },
  {
    name: "tshark's drop report",
    stderr: '900 packets captured\n12 packets dropped from lo\n',
    stats: { captured: 900, dropped: 12 },
  },
  {
    name: "dumpcap's received/dropped line",
    stderr: "Packets captured: 10\nPackets received/dropped on interface 'Loopback: lo': 10/3 (pcap:3/dumpcap:0)\n",
    stats: { captured: undefined, dropped: 3 },
  },
  { name: 'no counts at all', stderr: 'tshark: something odd\n', stats: { captured: undefined, dropped: 0 } },
]
for (const row of statsCases) {
  test(`parseCaptureStats: ${row.name}`, () => {
    assert.deepEqual(parseCaptureStats(row.stderr), row.stats)
  })
}

const clean = checkFrames([
  { packet: 1, connection: 0, fromRouter: false, streamId: 0, type: T.SETTINGS, flags: 0 },
  { packet: 2, connection: 0, fromRouter: true, streamId: 0, type: T.SETTINGS, flags: 0 },
  { packet: 3, connection: 0, fromRouter: false, streamId: 1, type: T.HEADERS, flags: 4 },
])
const dirty = checkFrames([
  { packet: 1, connection: 0, fromRouter: true, streamId: 0, type: T.SETTINGS, flags: 0 },
  { packet: 2, connection: 0, fromRouter: true, streamId: 1, type: T.DATA, flags: 0 },
])
const good: FrameRunFigures = {
  capture: { captured: 3, dropped: 0, flushed: true },
  decode: { packets: 3, lostSegmentPackets: 0, reorderedGaps: 0, malformedPackets: 0, problems: [] },
  check: clean,
  soakExitCode: 0,
}

const verdicts: { name: string; figures: FrameRunFigures; problem?: RegExp }[] = [
  { name: 'a whole capture with no violation passes', figures: good },
  { name: 'a violation fails', figures: { ...good, check: dirty }, problem: /data-before-headers/ },
  {
    name: 'dropped packets fail',
    figures: { ...good, capture: { captured: 3, dropped: 1, flushed: true } },
    problem: /dropped/,
  },
  {
    name: 'an empty capture fails',
    figures: { ...good, capture: { captured: 0, dropped: 0, flushed: true } },
    problem: /nothing was captured/,
  },
  { name: 'no frames decoded fails', figures: { ...good, check: checkFrames([]) }, problem: /no HTTP\/2 frame/ },
  {
    name: 'a decode that missed packets fails',
    figures: { ...good, decode: { ...good.decode, packets: 2 } },
    problem: /captured 3 packets but decoded 2/,
  },
  {
    name: 'a lost segment fails',
    figures: { ...good, decode: { ...good.decode, lostSegmentPackets: 1 } },
    problem: /missing from the capture/,
  },
  {
    name: 'segments only captured out of order pass',
    figures: { ...good, decode: { ...good.decode, reorderedGaps: 2 } },
  },
  {
    name: 'a malformed packet fails',
    figures: { ...good, decode: { ...good.decode, malformedPackets: 2 } },
    problem: /could not be dissected/,
  },
  {
    name: 'a capture whose end marker never came through fails',
    figures: { ...good, capture: { captured: 3, dropped: 0, flushed: false } },
    problem: /end marker/,
  },
  { name: 'a failed soak fails', figures: { ...good, soakExitCode: 1 }, problem: /soak/ },
  {
    name: 'unknown capture counts fail',
    figures: { ...good, capture: { captured: undefined, dropped: 0, flushed: true } },
    problem: /did not report/,
  },
]
for (const row of verdicts) {
  test(`frameVerdict: ${row.name}`, () => {
    const verdict = frameVerdict(row.figures)
    if (row.problem === undefined) assert.deepEqual(verdict, { exitCode: 0, problems: [] })
    else {
      assert.equal(verdict.exitCode, 1)
      assert.ok(
        verdict.problems.some((problem) => row.problem?.test(problem)),
        verdict.problems.join('; '),
      )
    }
  })
}
