// Turns a pcap of the control port into DecodedFrames with tshark (`-T fields`), and the parsing of tshark's lines,
// which is pure. tshark reassembles frames split across TCP segments and reports each frame in the packet where it
// completes, in order; a packet that carries several frames lists their fields comma-separated, in frame order.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { type DecodedFrame, FRAME_TYPES } from './check-frames.js'

/** The fields asked of tshark, in column order. */
export const TSHARK_FIELDS = [
  'frame.number',
  'tcp.stream',
  'tcp.srcport',
  'http2.streamid',
  'http2.type',
  'http2.flags',
  'http2.rst_stream.error',
  'http2.goaway.error',
  'tcp.analysis.lost_segment',
  'tcp.analysis.ack_lost_segment',
  'frame.protocols',
] as const

export interface ParsedPacket {
  readonly frames: readonly DecodedFrame[]
  /** tshark saw a gap in the TCP sequence: the capture lost data, so frames may be missing. */
  readonly lostSegment: boolean
  /** tshark could not dissect the packet (`_ws.malformed`). */
  readonly malformed: boolean
  /** Set when the line cannot be read as frames (columns of different lengths): the decode cannot be trusted. */
  readonly problem: string | undefined
}

/** Pure: one line of `tshark -T fields -E separator=/t -E occurrence=a -E aggregator=,` output. */
export function parseFieldLine(line: string, controlPort: number): ParsedPacket {
  const columns = line.split('\t')
  const column = (index: number): string[] => {
    const text = columns[index] ?? ''
    return text === '' ? [] : text.split(',')
  }
  const packet = Number(columns[0])
  const connection = Number(columns[1])
  const sourcePort = Number(column(2)[0])
  const streamIds = column(3).map(Number)
  const types = column(4).map(Number)
  const flags = column(5).map((text) => Number.parseInt(text, 16))
  const rstErrors = column(6).map(Number)
  const goawayErrors = column(7).map(Number)
  const lostSegment = column(8).length > 0 || column(9).length > 0
  const malformed = (columns[10] ?? '').split(':').includes('_ws.malformed')
  if (streamIds.length !== types.length || types.length !== flags.length) {
    return {
      frames: [],
      lostSegment,
      malformed,
      problem: `packet ${columns[0]}: ${streamIds.length} stream ids, ${types.length} types, ${flags.length} flags`,
    }
  }
  const rstCount = types.filter((type) => type === FRAME_TYPES.RST_STREAM).length
  const goawayCount = types.filter((type) => type === FRAME_TYPES.GOAWAY).length
  if (rstCount !== rstErrors.length || goawayCount !== goawayErrors.length) {
    return {
      frames: [],
      lostSegment,
      malformed,
      problem: `packet ${columns[0]}: ${rstCount} RST_STREAM frames with ${rstErrors.length} codes, ${goawayCount} GOAWAY with ${goawayErrors.length}`,
    }
  }
  let nextRst = 0
  let nextGoaway = 0
  const frames: DecodedFrame[] = types.map((type, index) => {
    const base = {
      packet,
      connection,
      fromRouter: sourcePort === controlPort,
      streamId: streamIds[index] as number,
      type,
      flags: flags[index] as number,
    }
    if (type === FRAME_TYPES.RST_STREAM) return { ...base, errorCode: rstErrors[nextRst++] as number }
    if (type === FRAME_TYPES.GOAWAY) return { ...base, errorCode: goawayErrors[nextGoaway++] as number }
    return base
  })
  return { frames, lostSegment, malformed, problem: undefined }
}

export interface DecodeSummary {
  readonly packets: number
  readonly lostSegmentPackets: number
  readonly malformedPackets: number
  readonly problems: readonly string[]
}

/**
 * Runs tshark over `pcapPath` with the control port decoded as HTTP/2 (prior knowledge has no port of its own) and
 * hands every frame to `onFrame` in capture order.
 */
export async function decodeCapture(
  pcapPath: string,
  controlPort: number,
  onFrame: (frame: DecodedFrame) => void,
): Promise<DecodeSummary> {
  const args = [
    '-r',
    pcapPath,
    '-n',
    '-d',
    `tcp.port==${controlPort},http2`,
    '-o',
    'tcp.desegment_tcp_streams:TRUE',
    '-Y',
    `tcp.port==${controlPort}`,
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=,',
    ...TSHARK_FIELDS.flatMap((field) => ['-e', field]),
  ]
  const child = spawn('tshark', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 4000) stderr += text
  })
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>
  let packets = 0
  let lostSegmentPackets = 0
  let malformedPackets = 0
  const problems: string[] = []
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line === '') continue
    packets++
    const parsed = parseFieldLine(line, controlPort)
    if (parsed.lostSegment) lostSegmentPackets++
    if (parsed.malformed) malformedPackets++
    if (parsed.problem !== undefined && problems.length < 20) problems.push(parsed.problem)
    for (const frame of parsed.frames) onFrame(frame)
  }
  const [code, signal] = await exited
  if (code !== 0)
    problems.push(`tshark -r exited ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`)
  return { packets, lostSegmentPackets, malformedPackets, problems }
}
