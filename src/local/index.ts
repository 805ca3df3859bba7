// The local Lambda module's public surface: start the service, and the types of its config, stats and events.
import type { LocalLambdaConfig } from './config.js'
import { LocalLambda } from './local-lambda.js'

export type { ThrottleReason } from './aws-errors.js'
export {
  type ChildOutput,
  durationRuleFor,
  LOCAL_FUNCTION_DEFAULTS,
  LOCAL_FUNCTION_SETTINGS,
  LOCAL_LAMBDA_DEFAULTS,
  type LocalFunctionConfig,
  type LocalLambdaConfig,
  type MillisecondField,
} from './config.js'
export type { ProcessSnapshot } from './environment/environment-processes.js'
export type { EnvironmentState } from './environment/environment-states.js'
export type { EnvironmentSnapshot, ShutdownReason } from './environment/execution-environment.js'
export type { ProcessExit } from './environment/process-group.js'
export * from './errors.js'
export type { LocalFunctionStats } from './function-pool.js'
export { LocalLambda } from './local-lambda.js'
export type {
  EnvironmentCreatedEvent,
  EnvironmentReadyEvent,
  EnvironmentShutdownEvent,
  EnvironmentStateEvent,
  FunctionCounters,
  InvocationType,
  InvokeEndEvent,
  InvokeStartEvent,
  LocalLambdaEvents,
  ThrottleEvent,
} from './telemetry.js'

/**
 * Starts a local Lambda service for `config.functions` and resolves once its Invoke API listens. Everything comes
 * from `config` (no argv, no global state), so several can run in one process. Call `close()` to stop it.
 */
export function startLocalLambda(config: LocalLambdaConfig): Promise<LocalLambda> {
  return LocalLambda.start(config)
}
