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
  'tcp.seq',
  'tcp.nxtseq',
] as const

export interface ParsedPacket {
  readonly frames: readonly DecodedFrame[]
  /** tshark saw a gap in the TCP sequence before this packet (lost, or only captured out of order). */
  readonly lostSegment: boolean
  /** The packet's TCP connection, direction and sequence range (relative), for telling a loss from a reordering. */
  readonly segment: TcpSegment
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
  const seq = Number(columns[11] || 0)
  const segment: TcpSegment = {
    connection,
    fromRouter: sourcePort === controlPort,
    seq,
    nextSeq: columns[12] ? Number(columns[12]) : seq,
  }
  if (streamIds.length !== types.length || types.length !== flags.length) {
    return {
      frames: [],
      lostSegment,
      malformed,
      segment,
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
      segment,
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
  return { frames, lostSegment, malformed, segment, problem: undefined }
}

export interface TcpSegment {
  readonly connection: number
  readonly fromRouter: boolean
  readonly seq: number
  /** The sequence number after this segment's payload (equal to `seq` without payload). */
  readonly nextSeq: number
}

/**
 * Pure state. tshark flags a "lost segment" whenever a packet's sequence number jumps ahead, but on loopback with two
 * CPUs the capture sometimes records two segments in swapped order, and the missing one comes right after. A gap
 * counts as lost only if no later segment of that direction fills it.
 */
export class SegmentGaps {
  readonly #highest = new Map<string, number>()
  readonly #open = new Map<string, Array<{ start: number; end: number }>>()

  observe(segment: TcpSegment, flaggedLost: boolean): void {
    const key = `${segment.connection}/${segment.fromRouter ? 'r' : 'e'}`
    const highest = this.#highest.get(key)
    if (flaggedLost && highest !== undefined && segment.seq > highest) {
      const gaps = this.#open.get(key) ?? []
      gaps.push({ start: highest, end: segment.seq })
      this.#open.set(key, gaps)
    } else {
      this.#fill(key, segment.seq, segment.nextSeq)
    }
    if (highest === undefined || segment.nextSeq > highest) this.#highest.set(key, segment.nextSeq)
  }

  /** Gaps no later segment filled: data the capture really lost. */
  get unfilled(): number {
    let count = 0
    for (const gaps of this.#open.values()) count += gaps.length
    return count
  }

  #fill(key: string, start: number, end: number): void {
    const gaps = this.#open.get(key)
    if (gaps === undefined || end <= start) return
    const remaining: Array<{ start: number; end: number }> = []
    for (const gap of gaps) {
      if (end <= gap.start || start >= gap.end) remaining.push(gap)
      else {
        if (start > gap.start) remaining.push({ start: gap.start, end: start })
        if (end < gap.end) remaining.push({ start: end, end: gap.end })
      }
    }
    if (remaining.length === 0) this.#open.delete(key)
    else this.#open.set(key, remaining)
  }
}

export interface DecodeSummary {
  readonly packets: number
  /** Gaps in a TCP direction no later segment filled: data the capture lost. */
  readonly lostSegmentPackets: number
  /** Gaps tshark flagged that a later segment did fill: the capture only recorded them out of order. */
  readonly reorderedGaps: number
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
    // A segment the capture recorded after the next one must still reassemble into the frames it belongs to.
    '-o',
    'tcp.reassemble_out_of_order:TRUE',
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
  let flaggedGaps = 0
  let malformedPackets = 0
  const gaps = new SegmentGaps()
  const problems: string[] = []
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line === '') continue
    packets++
    const parsed = parseFieldLine(line, controlPort)
    if (parsed.lostSegment) flaggedGaps++
    gaps.observe(parsed.segment, parsed.lostSegment)
    if (parsed.malformed) malformedPackets++
    if (parsed.problem !== undefined && problems.length < 20) problems.push(parsed.problem)
    for (const frame of parsed.frames) onFrame(frame)
  }
  const [code, signal] = await exited
  if (code !== 0)
    problems.push(`tshark -r exited ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`)
  return {
    packets,
    lostSegmentPackets: gaps.unfilled,
    reorderedGaps: flaggedGaps - gaps.unfilled,
    malformedPackets,
    problems,
  }
}
