// Pure. Checks decoded HTTP/2 frames of the control channel, in capture order: on every stream, in each direction
// (TCP connection + stream id + sender), no DATA may come before that sender's first HEADERS (RFC 9113 §8.1; the race
// of http2-protocol-error-notes.md), no stream may be reset with PROTOCOL_ERROR and no connection closed with
// GOAWAY(PROTOCOL_ERROR). It also checks the capture is whole: each connection must open with SETTINGS from both
// sides (RFC 9113 §3.4), or the capture started mid-connection and the DATA-before-HEADERS check would be blind.

export const FRAME_TYPES = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PUSH_PROMISE: 5,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const

const TYPE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(FRAME_TYPES).map(([name, type]) => [type, name]))

export const PROTOCOL_ERROR = 0x1

/** One HTTP/2 frame as tshark decoded it. */
export interface DecodedFrame {
  /** The capture's packet number: frames of one packet share it, in order. */
  readonly packet: number
  /** tshark's TCP conversation index (`tcp.stream`). */
  readonly connection: number
  /** Sent by the router (source port is the control port), else by an extension. */
  readonly fromRouter: boolean
  readonly streamId: number
  readonly type: number
  readonly flags: number
  /** RST_STREAM and GOAWAY only: the error code. */
  readonly errorCode?: number
}

export type ViolationKind =
  | 'data-before-headers'
  | 'rst-protocol-error'
  | 'goaway-protocol-error'
  | 'connection-without-settings'

export interface Violation {
  readonly kind: ViolationKind
  readonly packet: number
  readonly connection: number
  readonly streamId: number
  readonly sender: 'router' | 'extension'
}

export interface FrameCheckResult {
  readonly frames: number
  readonly connections: number
  /** Distinct (connection, stream id > 0, sender) with at least one frame. */
  readonly streams: number
  readonly framesByType: Readonly<Record<string, number>>
  readonly resetsByCode: Readonly<Record<string, number>>
  readonly goawaysByCode: Readonly<Record<string, number>>
  /** Every violation counted, by kind. */
  readonly violationCounts: Readonly<Record<ViolationKind, number>>
  /** The first violations found, for the report (at most `keepViolations`). */
  readonly violations: readonly Violation[]
}

interface SenderState {
  sawSettingsFirst: boolean | undefined
  readonly headersSeen: Set<number>
  readonly streamsSeen: Set<number>
}

/** Feeds frames in capture order; `result()` may be read at any time. Deterministic, no I/O. */
export class FrameChecker {
  readonly #keepViolations: number
  readonly #senders = new Map<string, SenderState>()
  readonly #connections = new Set<number>()
  readonly #framesByType: Record<string, number> = {}
  readonly #resetsByCode: Record<string, number> = {}
  readonly #goawaysByCode: Record<string, number> = {}
  readonly #violationCounts: Record<ViolationKind, number> = {
    'data-before-headers': 0,
    'rst-protocol-error': 0,
    'goaway-protocol-error': 0,
    'connection-without-settings': 0,
  }
  readonly #violations: Violation[] = []
  #frames = 0

  constructor(keepViolations = 20) {
    this.#keepViolations = keepViolations
  }

  add(frame: DecodedFrame): void {
    this.#frames++
    this.#connections.add(frame.connection)
    const typeName = TYPE_NAMES.get(frame.type) ?? `type-${frame.type}`
    this.#framesByType[typeName] = (this.#framesByType[typeName] ?? 0) + 1
    const key = `${frame.connection}/${frame.fromRouter ? 'r' : 'e'}`
    let sender = this.#senders.get(key)
    if (sender === undefined) {
      sender = { sawSettingsFirst: undefined, headersSeen: new Set(), streamsSeen: new Set() }
      this.#senders.set(key, sender)
    }
    if (sender.sawSettingsFirst === undefined) {
      sender.sawSettingsFirst = frame.type === FRAME_TYPES.SETTINGS && frame.streamId === 0
      if (!sender.sawSettingsFirst) this.#violation('connection-without-settings', frame)
    }
    if (frame.streamId > 0) sender.streamsSeen.add(frame.streamId)
    switch (frame.type) {
      case FRAME_TYPES.HEADERS:
        sender.headersSeen.add(frame.streamId)
        break
      case FRAME_TYPES.DATA:
        if (!sender.headersSeen.has(frame.streamId)) this.#violation('data-before-headers', frame)
        break
      case FRAME_TYPES.RST_STREAM: {
        const code = String(frame.errorCode ?? 'unknown')
        this.#resetsByCode[code] = (this.#resetsByCode[code] ?? 0) + 1
        if (frame.errorCode === PROTOCOL_ERROR) this.#violation('rst-protocol-error', frame)
        break
      }
      case FRAME_TYPES.GOAWAY: {
        const code = String(frame.errorCode ?? 'unknown')
        this.#goawaysByCode[code] = (this.#goawaysByCode[code] ?? 0) + 1
        if (frame.errorCode === PROTOCOL_ERROR) this.#violation('goaway-protocol-error', frame)
        break
      }
      default:
        break
    }
  }

  result(): FrameCheckResult {
    let streams = 0
    for (const sender of this.#senders.values()) streams += sender.streamsSeen.size
    return {
      frames: this.#frames,
      connections: this.#connections.size,
      streams,
      framesByType: { ...this.#framesByType },
      resetsByCode: { ...this.#resetsByCode },
      goawaysByCode: { ...this.#goawaysByCode },
      violationCounts: { ...this.#violationCounts },
      violations: [...this.#violations],
    }
  }

  #violation(kind: ViolationKind, frame: DecodedFrame): void {
    this.#violationCounts[kind]++
    if (this.#violations.length >= this.#keepViolations) return
    this.#violations.push({
      kind,
      packet: frame.packet,
      connection: frame.connection,
      streamId: frame.streamId,
      sender: frame.fromRouter ? 'router' : 'extension',
    })
  }
}

/** Checks a whole list of frames in order. */
export function checkFrames(frames: Iterable<DecodedFrame>, keepViolations = 20): FrameCheckResult {
  const checker = new FrameChecker(keepViolations)
  for (const frame of frames) checker.add(frame)
  return checker.result()
}

/** Total of every violation kind. */
export function violationTotal(result: FrameCheckResult): number {
  return Object.values(result.violationCounts).reduce((sum, count) => sum + count, 0)
}
