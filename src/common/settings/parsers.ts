// Pure. The value rules every settings table shares (router, extension, local): booleans, integers with bounds,
// durations, sizes, choices, text; and the formatters that write a value back as a user would. No I/O.
import { parseBytes, parseDurationMs } from '../units.js'

/** What a parser returns: the value, or a problem worded to follow the setting's name ("must be …"). */
export type Parsed<T> = { readonly value: T } | { readonly problem: string }

/** Turns raw text into a value or a problem; never throws. */
export type SettingParser<T> = (text: string) => Parsed<T>

export const ok = <T>(value: T): Parsed<T> => ({ value })
export const bad = <T = never>(problem: string): Parsed<T> => ({ problem })

/** setTimeout's ceiling: a longer timer fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1

const HOUR_MS = 3_600_000
const MINUTE_MS = 60_000

/** true/false in any letter case, and 1/0 (white space around them ignored). */
export function parseBoolean(text: string): Parsed<boolean> {
  switch (text.trim().toLowerCase()) {
    case 'true':
    case '1':
      return ok(true)
    case 'false':
    case '0':
      return ok(false)
    default:
      return bad('must be true or false')
  }
}

/** A whole number from `min` to `max`; `note` explains a special value ("0 picks a free port"). */
export function integerIn(min: number, max: number, note?: string): SettingParser<number> {
  return (text) => {
    const trimmed = text.trim()
    const value = /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN
    return Number.isSafeInteger(value) && value >= min && value <= max
      ? ok(value)
      : bad(`must be an integer ${min}–${max}${note ? ` (${note})` : ''}`)
  }
}

/** A duration (parseDurationMs: a bare number is milliseconds) from `minMs` to `maxMs`, in whole milliseconds. */
export function durationIn(minMs: number, maxMs: number): SettingParser<number> {
  return (text) => {
    const value = parseDurationMs(text)
    return value !== undefined && value >= minMs && value <= maxMs
      ? ok(value)
      : bad(`must be a duration ${formatDurationMs(minMs)}–${formatDurationMs(maxMs)} like 250ms, 30s, 2m or 00:02:00`)
  }
}

/**
 * The original extension's seconds settings: a bare number is seconds ("10", "0.5"); a duration with a unit ("500ms")
 * is also accepted. Up to `maxMs`, in whole milliseconds.
 */
export function secondsUpTo(maxMs: number): SettingParser<number> {
  return (text) => {
    const trimmed = text.trim()
    const value = /^\d+(\.\d+)?$/.test(trimmed) ? Math.round(Number(trimmed) * 1000) : parseDurationMs(trimmed)
    return value !== undefined && value <= maxMs
      ? ok(value)
      : bad('must be a number of seconds ("10") or a duration with a unit ("500ms")')
  }
}

/** A size (parseBytes) from `min` to `max` bytes. */
export function bytesIn(min: number, max: number): SettingParser<number> {
  return (text) => {
    const value = parseBytes(text)
    return value !== undefined && value >= min && value <= max
      ? ok(value)
      : bad(`must be a size ${min}–${max} bytes like 65536, 64KiB or 1MiB`)
  }
}

/** One of `choices` (lower case), in any letter case. */
export function oneOf<T extends string>(choices: readonly T[]): SettingParser<T> {
  return (text) => {
    const lower = text.trim().toLowerCase()
    const choice = choices.find((candidate) => candidate === lower)
    return choice === undefined ? bad(`must be one of ${choices.join(', ')}`) : ok(choice)
  }
}

/** Text matching `pattern` (white space around it ignored); `accepted` names the form ("a path starting with /"). */
export function textMatching(pattern: RegExp, accepted: string): SettingParser<string> {
  return (text) => {
    const trimmed = text.trim()
    return pattern.test(trimmed) ? ok(trimmed) : bad(`must be ${accepted}`)
  }
}

/** Any text but empty. */
export function parseRequiredText(text: string): Parsed<string> {
  const trimmed = text.trim()
  return trimmed === '' ? bad('must not be empty') : ok(trimmed)
}

/** Any text; empty means unset. */
export function parseOptionalText(text: string): Parsed<string | undefined> {
  const trimmed = text.trim()
  return ok(trimmed === '' ? undefined : trimmed)
}

/** The value a parser gives, passed through `map` (LWA's "min unhealthy status" read as status ranges). */
export function mapParsed<T, U>(parse: SettingParser<T>, map: (value: T) => U): SettingParser<U> {
  return (text) => {
    const parsed = parse(text)
    return 'problem' in parsed ? parsed : ok(map(parsed.value))
  }
}

/**
 * Milliseconds as a user writes them: the largest unit that divides them (seconds below two minutes, as people say
 * "60s"), `0` for zero. parseDurationMs reads every result back.
 */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0'
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`
  if (ms % MINUTE_MS === 0 && ms >= 2 * MINUTE_MS) return `${ms / MINUTE_MS}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

/** Bytes as a user writes them: the largest binary unit that divides them (`64KiB`), else the number. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes !== 0 && bytes % size === 0) return `${bytes / size}${unit}`
  }
  return String(bytes)
}

/** A list setting's value: its entries joined by commas (empty for none, which the list parsers read back). */
export function formatList(values: readonly unknown[]): string {
  return values.join(',')
}
