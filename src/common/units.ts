// Pure parsers for human-friendly durations and byte sizes used in configuration. No I/O.

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
}

/**
 * Parses `'250'` (milliseconds), `'250ms'`, `'30s'`, `'2m'`, `'1h'`, or the original router's TimeSpan form
 * `'00:02:00'`, into whole milliseconds. Returns `undefined` for anything else.
 */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase()
  const timeSpan = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(trimmed)
  if (timeSpan) {
    const [, hours, minutes, seconds] = timeSpan
    return Math.round((Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000)
  }
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(trimmed)
  if (!match) return undefined
  const [, amount, unit = 'ms'] = match
  return Math.round(Number(amount) * (DURATION_UNITS_MS[unit] ?? 1))
}

/** Parses `'65536'`, `'64KiB'`, `'4MiB'`, `'1MB'` into bytes. Returns `undefined` for anything else. */
export function parseBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?$/i.exec(text.trim())
  if (!match) return undefined
  const [, amount, unit = 'b'] = match
  const factor = BYTE_UNITS[unit.toLowerCase()]
  return factor === undefined ? undefined : Math.round(Number(amount) * factor)
}
