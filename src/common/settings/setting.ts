// Pure. One row of a settings table (its env vars, CLI flag, default, parser and formatter) and what is derived from
// a table: the defaults object, the default as a user writes it, every env name, and the --help text. No I/O.
import type { SettingParser } from './parsers.js'

/**
 * One setting of a component whose validated configuration is `C`: where its value comes from, how it is checked,
 * and its default, written once. `loadSettings` reads a table of these; `settingDefaults` and `describeSettings`
 * derive the defaults and the help from it.
 */
export interface Setting<C, K extends keyof C = keyof C> {
  /** The configuration field it fills. */
  readonly field: K
  /** Environment variable names, first wins (aliases such as aws-lambda-web-adapter's follow the own name). */
  readonly env: readonly string[]
  /** CLI flag (`--max-concurrent-count`), for components that take flags. */
  readonly flag: string | undefined
  /** Unit or accepted form, for --help and the docs tables. */
  readonly unit: string
  readonly description: string
  /** The validated default; undefined means unset (see `unsetText`). Ignored when `required`. */
  readonly default: C[K] | undefined
  /** What an unset value means, for --help (`(discovered)`); `(none)` when absent. */
  readonly unsetText: string | undefined
  /** Set for a setting without default: the accepted form, worded for "<env> is required: <this>". */
  readonly required: string | undefined
  /** True for on/off settings: the flag may stand alone (`--access-log`). */
  readonly isSwitch: boolean
  readonly parse: SettingParser<C[K]>
  /** Parsers for variables read another way than `parse` (an alias with its own form), by variable name. */
  readonly envParse: Readonly<Record<string, SettingParser<C[K]>>>
  /** Writes a value as a user would (`2m`, `64KiB`, `true`); the default's help text comes from it. */
  format(value: Exclude<C[K], undefined>): string
}

/** The optional parts of a row; `defineSetting` fills the rest. */
export interface SettingOptions<C, K extends keyof C> {
  readonly env: readonly string[]
  readonly flag?: string
  readonly unit?: string
  readonly description?: string
  readonly default?: C[K]
  readonly unsetText?: string
  readonly required?: string
  readonly isSwitch?: boolean
  readonly parse: SettingParser<C[K]>
  readonly envParse?: Readonly<Record<string, SettingParser<C[K]>>>
  readonly format?: (value: Exclude<C[K], undefined>) => string
}

/** A frozen row; `format` defaults to String(value). Typed per field, so a default must be the field's type. */
export function defineSetting<C, K extends keyof C>(field: K, options: SettingOptions<C, K>): Setting<C, K> {
  const format = options.format ?? ((value: Exclude<C[K], undefined>) => String(value))
  return Object.freeze({
    field,
    env: Object.freeze([...options.env]),
    flag: options.flag,
    unit: options.unit ?? '',
    description: options.description ?? '',
    default: options.default,
    unsetText: options.unsetText,
    required: options.required,
    isSwitch: options.isSwitch ?? false,
    parse: options.parse,
    envParse: Object.freeze({ ...options.envParse }),
    format,
  })
}

/** Every field's default, from the rows (required rows have none); frozen. */
export function settingDefaults<C>(rows: readonly Setting<C>[]): Readonly<Partial<C>> {
  const defaults: Partial<C> = {}
  for (const row of rows) if (row.required === undefined) defaults[row.field] = row.default as C[keyof C]
  return Object.freeze(defaults)
}

/** The default as a user would write it: `(required)`, the formatted value, or what unset (or empty) means. */
export function defaultText<C>(row: Setting<C>): string {
  if (row.required !== undefined) return '(required)'
  const text = row.default === undefined ? '' : row.format(row.default as Exclude<C[keyof C], undefined>)
  return text === '' ? (row.unsetText ?? '(none)') : text
}

/** The row of `field`, typed by it: for a command-line flag that sets the same value (its rule and its meaning). */
export function settingFor<C, K extends keyof C>(rows: readonly Setting<C>[], field: K): Setting<C, K> {
  const row = rows.find((candidate) => candidate.field === field)
  if (row === undefined) throw new Error(`BUG: no setting row for ${String(field)}`)
  // Rows are made by defineSetting<C, K>, so the row of `field` parses to C[K].
  return row as unknown as Setting<C, K>
}

/** Every environment variable name the rows read. */
export function settingEnvNames<C>(rows: readonly Setting<C>[]): string[] {
  return rows.flatMap((row) => row.env)
}

/** The settings part of a command's --help: each setting's flag, env var(s), form, default and meaning. */
export function describeSettings<C>(rows: readonly Setting<C>[]): string {
  const takesFlags = rows.some((row) => row.flag !== undefined)
  const heading = takesFlags
    ? 'Settings (a flag wins over its environment variable):'
    : 'Settings (environment variables):'
  const lines = ['', heading, '']
  for (const row of rows) {
    lines.push(`  ${row.flag ?? row.env[0]} ${row.isSwitch ? '[true|false]' : '<value>'}`)
    lines.push(`      env ${row.env.join(', ')}; ${row.unit}; default ${defaultText(row)}`)
    lines.push(`      ${row.description}`)
  }
  lines.push('', 'Durations: 250 (ms), 250ms, 30s, 2m, 1h or 00:02:00. Sizes: 65536, 64KiB, 1MiB.')
  return lines.join('\n')
}

/** `MaxConcurrentCount` → `--max-concurrent-count` (HTTP and HTTPS read as one word). */
export function flagFor(key: string): string {
  return `--${key
    .replace(/HTTPS/g, 'Https')
    .replace(/HTTP/g, 'Http')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()}`
}

/**
 * Reads a table from a configuration object (a programmatic API, not the environment): each field's value, given as
 * data, goes through its row's parser as text, so the same rules hold; an absent field gets its default. Problems
 * read `<prefix><field> must be …, got <value as JSON>`.
 */
export function checkSettings<C>(
  rows: readonly Setting<C>[],
  given: { readonly [K in keyof C]?: unknown },
  prefix: string,
  problems: string[],
): C {
  const values: Partial<C> = { ...settingDefaults(rows) }
  for (const row of rows) {
    const value = given[row.field]
    if (value === undefined) continue
    const parsed =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? row.parse(String(value))
        : { problem: 'must be a string, number or boolean' }
    if ('problem' in parsed)
      problems.push(`${prefix}${String(row.field)} ${parsed.problem}, got ${JSON.stringify(value)}`)
    else values[row.field] = parsed.value
  }
  // Every field is its default or passed its row's parser.
  return values as C
}
