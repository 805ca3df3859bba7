// RouterConnection options for unit tests against a scripted router on loopback: one connect attempt, generous
// timeouts (a slow machine is not a failure), and whatever the test overrides.
import type { RouterConnectionOptions } from '../../src/extension/router-connection.js'
import { ExtensionTelemetry } from '../../src/extension/telemetry.js'
import { captureLogs } from './log-capture.js'

export function routerConnectionOptions(
  routerUrl: string,
  overrides: Partial<RouterConnectionOptions> = {},
): RouterConnectionOptions {
  return {
    poolId: 'default',
    lambdaId: 'lambda-a',
    channelToken: undefined,
    target: { url: new URL(routerUrl), certSha256: undefined, tlsVerify: false },
    settings: {
      connectTimeoutMs: 2_000,
      headersTimeoutMs: 5_000,
      pingTimeoutMs: 2_000,
      streamWindowBytes: 65_535,
      sessionWindowBytes: 1024 * 1024,
      maxSessionMemoryMb: 10,
    },
    connectAttempts: 1,
    stopConnectingAtMs: Date.now() + 60_000,
    pingTimeoutMs: 2_000,
    telemetry: new ExtensionTelemetry(captureLogs('error').logger),
    onGiveUp: () => {},
    ...overrides,
  }
}
