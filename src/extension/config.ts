// The extension's configuration: its defaults (derived from the settings table) and one validating loader over the
// environment (STYLE.md §8). Pure: it reads only the object it is given and returns a frozen config or throws
// ConfigError listing every bad variable.
import { ConfigError, loadSettings, settingDefaults, settingEnvNames } from '../common/index.js'
import type { ExtensionConfig, ExtensionSettings } from './config-rows.js'
import { EXTENSION_SETTINGS } from './config-settings.js'
import { LAUNCHER_ENV_NAMES } from './node-flags.js'

export type { ExtensionConfig, ExtensionSetting, ReadinessProtocol } from './config-rows.js'
export { EXTENSION_SETTINGS } from './config-settings.js'

type DefaultedKey = Exclude<keyof ExtensionConfig, 'runtimeApi' | 'localEnv'>

const { runtime: _runtime, ...defaults } = settingDefaults(EXTENSION_SETTINGS)

/** Every default, derived from EXTENSION_SETTINGS; no I/O. `undefined` means "not set" (see each field). */
export const EXTENSION_DEFAULTS = Object.freeze(defaults) as Readonly<{ [K in DefaultedKey]: ExtensionConfig[K] }>

/** The environment variable behind each setting (our own name; docs/extension.md documents every one). */
export const EXTENSION_ENV_VARS = Object.freeze(
  Object.fromEntries(
    EXTENSION_SETTINGS.filter((row) => row.field !== 'runtime').map((row) => [row.field, row.env[0] as string]),
  ),
) as Readonly<{ [K in DefaultedKey | 'runtimeApi']: string }>

/** The name of the variable that forces every invoke's deadline; its presence alone marks a local environment. */
/** Every LAMBDA_DISPATCH_ variable the extension or its launcher reads: anything else with the prefix is a typo. */
export const EXTENSION_KNOWN_ENV_NAMES: readonly string[] = Object.freeze([
  ...settingEnvNames(EXTENSION_SETTINGS),
  ...LAUNCHER_ENV_NAMES,
])

const FORCE_DEADLINE_VAR = EXTENSION_ENV_VARS.forceDeadlineMs

/**
 * Reads and validates the extension's environment. Throws ConfigError naming each bad variable, its value and the
 * accepted form; returns a frozen config otherwise.
 */
export function loadExtensionConfig(env: Readonly<Record<string, string | undefined>>): ExtensionConfig {
  const loaded = loadSettings(EXTENSION_SETTINGS, env, [], { blankIsUnset: true, ignoreEnvCase: false })
  if (loaded.problems.length > 0) throw new ConfigError(loaded.problems)
  // Every value passed its row's parser or is the row's default; the runtime choice is read only to be checked.
  const { runtime: _ignored, ...values } = loaded.values as ExtensionSettings
  return Object.freeze({ ...values, localEnv: env[FORCE_DEADLINE_VAR] !== undefined })
}
