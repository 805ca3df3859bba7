// The common module's public surface: domain-free helpers every other module may use.
export { anySignal, delay, timeoutSignal } from './abort.js'
export { ConfigError, LambdaDispatchError } from './errors.js'
export { goawayGracefully, goawaySent, openedAfterGoaway } from './http2-goaway.js'
export {
  createLogger,
  createRootLogger,
  createSilentLogger,
  LOG_LEVELS,
  type Logger,
  type LoggerSettings,
  type LogLevel,
} from './logger.js'
export { closestName, editDistance } from './settings/closest-name.js'
export { type LoadedSettings, type LoadSettingsOptions, loadSettings } from './settings/load-settings.js'
export {
  bad,
  bytesIn,
  durationIn,
  formatBytes,
  formatDurationMs,
  formatList,
  integerIn,
  MAX_TIMER_MS,
  mapParsed,
  ok,
  oneOf,
  type Parsed,
  parseBoolean,
  parseOptionalText,
  parseRequiredText,
  type SettingParser,
  secondsUpTo,
  textMatching,
} from './settings/parsers.js'
export {
  checkSettings,
  defaultText,
  defineSetting,
  describeSettings,
  flagFor,
  type Setting,
  type SettingOptions,
  settingDefaults,
  settingEnvNames,
  settingFor,
} from './settings/setting.js'
export { describeUnknownSetting, unknownSettings, warnUnknownSettings } from './settings/unknown-settings.js'
export { SHORT_ID_LENGTH, shortId } from './short-id.js'
export { type Corkable, TurnCork } from './turn-cork.js'
export { parseBytes, parseDurationMs } from './units.js'
export { withTimeout } from './with-timeout.js'
