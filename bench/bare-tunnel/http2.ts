// The HTTP/2 flow-control settings both ends of the bare tunnel use: the product's control-channel defaults
// (src/router/control/http2-settings.ts), so the comparison is of the code on each hop, not of the windows. Pure.

export const BARE_HTTP2 = {
  /** Per-stream receive window announced in SETTINGS. */
  streamWindowBytes: 4 * 1024 * 1024,
  /** Connection receive window, raised once the session exists. */
  sessionWindowBytes: 32 * 1024 * 1024,
  /** nghttp2's per-session memory cap (Node's default of 10 MB refuses streams under load). */
  maxSessionMemoryMb: 64,
} as const
