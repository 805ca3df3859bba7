// Pure. Reads a settings table from an env object and argv: flags win over env, every value goes through its row's
// parser, and every problem is collected so one start shows the whole list. Reads only what it is given.
import { closestName } from './closest-name.js'
import { parseBoolean } from './parsers.js'
import type { Setting } from './setting.js'

type Env = Readonly<Record<string, string | undefined>>

/** How a component looks its variables up. */
export interface LoadSettingsOptions {
  /** Blank or white-space values count as unset (the extension: Lambda consoles keep empty variables). */
  readonly blankIsUnset: boolean
  /** Match variable names in any letter case, the documented casing first (the original router's binder). */
  readonly ignoreEnvCase: boolean
}

/** What `loadSettings` found: the defaults overlaid with every valid value, and every problem, in table order. */
export interface LoadedSettings<C> {
  readonly values: Partial<C>
  /** Fields whose value came from env or argv (valid or not). */
  readonly given: ReadonlySet<keyof C>
  /** Each problem reads `<name> must be …, got "<value>"` or `<name> is required: …`. */
  readonly problems: string[]
  /** The name to cite for a field in a cross-check: its flag when it was given as one, else its first env var. */
  nameOf(field: keyof C): string
}

/**
 * Reads every row: from its flag in `argv` (`--flag value`, `--flag=value`, a bare `--flag` for switches) or its
 * env vars (first set wins), parsed by the row's parser, else its default. Unknown flags are problems with the
 * nearest known flag. A required row given nowhere is a problem after all the value problems.
 */
export function loadSettings<C>(
  rows: readonly Setting<C>[],
  env: Env,
  argv: readonly string[],
  options: LoadSettingsOptions,
): LoadedSettings<C> {
  const problems: string[] = []
  const fromArgv = parseArgv(rows, argv, problems)
  const lookup = envLookup(env, options)
  const values: Partial<C> = {}
  const given = new Set<keyof C>()
  const missing: string[] = []
  for (const row of rows) {
    if (row.required === undefined) values[row.field] = row.default as C[keyof C]
    const flagged = row.flag === undefined ? undefined : fromArgv.get(row.flag)
    const source =
      flagged !== undefined
        ? { name: row.flag as string, value: flagged }
        : row.env.map(lookup).find((found) => found !== undefined)
    if (source === undefined) {
      if (row.required !== undefined) {
        missing.push(`${row.env[0]}${row.flag === undefined ? '' : ` (or ${row.flag})`} is required: ${row.required}`)
      }
      continue
    }
    given.add(row.field)
    const parse = row.envParse[source.name] ?? row.parse
    const text = options.blankIsUnset ? source.value.trim() : source.value
    const parsed = parse(text)
    if ('problem' in parsed) problems.push(`${source.name} ${parsed.problem}, got "${text}"`)
    else values[row.field] = parsed.value
  }
  problems.push(...missing)
  const nameOf = (field: keyof C): string => {
    const row = rows.find((candidate) => candidate.field === field)
    if (row === undefined) throw new Error(`BUG: no setting for ${String(field)}`)
    return row.flag !== undefined && fromArgv.has(row.flag) ? row.flag : (row.env[0] as string)
  }
  return { values, given, problems, nameOf }
}

function envLookup(
  env: Env,
  options: LoadSettingsOptions,
): (name: string) => { name: string; value: string } | undefined {
  const usable = (value: string | undefined): value is string =>
    value !== undefined && !(options.blankIsUnset && value.trim() === '')
  const byLowerName = new Map<string, { name: string; value: string }>()
  if (options.ignoreEnvCase) {
    for (const [name, value] of Object.entries(env)) {
      // The documented casing wins over another spelling of the same key.
      if (usable(value) && !byLowerName.has(name.toLowerCase())) byLowerName.set(name.toLowerCase(), { name, value })
    }
  }
  return (name) => {
    const exact = env[name]
    if (usable(exact)) return { name, value: exact }
    return options.ignoreEnvCase ? byLowerName.get(name.toLowerCase()) : undefined
  }
}

function parseArgv<C>(rows: readonly Setting<C>[], argv: readonly string[], problems: string[]): Map<string, string> {
  const byFlag = new Map(rows.flatMap((row) => (row.flag === undefined ? [] : [[row.flag, row] as const])))
  const values = new Map<string, string>()
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string
    const equals = arg.indexOf('=')
    const flagName = equals === -1 ? arg : arg.slice(0, equals)
    const row = byFlag.get(flagName)
    if (row === undefined) {
      const closest = flagName.startsWith('--') ? closestName(flagName, byFlag.keys()) : undefined
      problems.push(`unknown option "${arg}"${closest === undefined ? '' : `: did you mean ${closest}?`} (see --help)`)
      continue
    }
    if (equals !== -1) {
      values.set(flagName, arg.slice(equals + 1))
      continue
    }
    const next = argv[index + 1]
    if (row.isSwitch && (next === undefined || next.startsWith('--') || 'problem' in parseBoolean(next))) {
      values.set(flagName, 'true')
      continue
    }
    if (next === undefined) {
      problems.push(`${flagName} needs a value (${row.unit})`)
      continue
    }
    values.set(flagName, next)
    index++
  }
  return values
}
