// Pure. The frame check's verdict: every way the capture or the decode could be incomplete fails it, as does any
// violation, a soak that failed, or a capture that saw nothing. No I/O.
import type { CaptureStats } from './capture.js'
import { type FrameCheckResult, violationTotal } from './check-frames.js'
import type { DecodeSummary } from './decode.js'

export interface FrameRunFigures {
  readonly capture: CaptureStats & { readonly flushed: boolean }
  readonly decode: DecodeSummary
  readonly check: FrameCheckResult
  /** The soak that produced the traffic: 0 when it passed. */
  readonly soakExitCode: number
}

export function frameVerdict(figures: FrameRunFigures): { exitCode: 0 | 1; problems: string[] } {
  const { capture, decode, check } = figures
  const problems: string[] = []
  if (figures.soakExitCode !== 0) problems.push('the soak that made the traffic failed')
  if (capture.captured === undefined) problems.push('tshark did not report how many packets it captured')
  else if (capture.captured === 0) problems.push('nothing was captured')
  if (!capture.flushed)
    problems.push("the capture's end marker never came through tshark: its last packets may be missing")
  if (capture.dropped > 0) problems.push(`${capture.dropped} packets were dropped: the capture is incomplete`)
  if (capture.captured !== undefined && decode.packets !== capture.captured) {
    problems.push(`tshark captured ${capture.captured} packets but decoded ${decode.packets}`)
  }
  if (decode.lostSegmentPackets > 0) {
    problems.push(`${decode.lostSegmentPackets} TCP segments are missing from the capture`)
  }
  if (decode.malformedPackets > 0) problems.push(`${decode.malformedPackets} packets could not be dissected`)
  for (const problem of decode.problems) problems.push(`decode: ${problem}`)
  if (check.frames === 0 || check.streams === 0) problems.push('no HTTP/2 frame or stream was decoded')
  for (const [kind, count] of Object.entries(check.violationCounts)) {
    if (count > 0) problems.push(`${count} × ${kind}`)
  }
  if (violationTotal(check) > 0 && problems.length === 0) problems.push('violations found')
  return { exitCode: problems.length === 0 ? 0 : 1, problems }
}
