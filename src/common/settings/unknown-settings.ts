// The unknown-setting check: variables with a settings prefix that no table reads, each named with the setting it
// was most likely meant to be. Pure, except warnUnknownSettings, which writes one warning per name to the logger given.
import type { Logger } from '../logger.js'
import { closestName } from './closest-name.js'

/**
 * The names in `names` that start with `prefix` but are not in `known` (compared case-insensitively), each with the
 * nearest known name: the mistyped settings a start-up warning or error should name.
 */
export function unknownSettings(
  names: Iterable<string>,
  known: Iterable<string>,
  prefix: string,
): { readonly name: string; readonly closest: string | undefined }[] {
  const knownList = [...known]
  const knownLower = new Set(knownList.map((name) => name.toLowerCase()))
  const out: { name: string; closest: string | undefined }[] = []
  for (const name of names) {
    if (!name.toUpperCase().startsWith(prefix.toUpperCase()) || knownLower.has(name.toLowerCase())) continue
    out.push({ name, closest: closestName(name, knownList) })
  }
  return out
}

/** `LAMBDA_DISPATCH_MaxConcurentCount is not a known setting (did you mean LAMBDA_DISPATCH_MaxConcurrentCount?)` */
export function describeUnknownSetting(unknown: {
  readonly name: string
  readonly closest: string | undefined
}): string {
  return `${unknown.name} is not a known setting${unknown.closest === undefined ? '' : ` (did you mean ${unknown.closest}?)`}`
}

/** Warns once per unknown name (see unknownSettings): a mistyped variable would otherwise be ignored without a word. */
export function warnUnknownSettings(
  logger: Logger,
  names: Iterable<string>,
  known: Iterable<string>,
  prefix: string,
): void {
  for (const unknown of unknownSettings(names, known, prefix)) {
    logger.warn({ variable: unknown.name, closest: unknown.closest }, describeUnknownSetting(unknown))
  }
}
