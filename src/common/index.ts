// The common module's public surface: domain-free helpers every other module may use.
export { anySignal, delay, timeoutSignal } from './abort.js'
export { closestName, describeUnknownSetting, editDistance, unknownSettings } from './closest-name.js'
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
export { SHORT_ID_LENGTH, shortId } from './short-id.js'
export { type Corkable, TurnCork } from './turn-cork.js'
export { parseBytes, parseDurationMs } from './units.js'
export { withTimeout } from './with-timeout.js'
