// `lambda-dispatch router`: loads the router configuration (env + flags), starts it, prints its URLs, and maps
// SIGINT/SIGTERM to a graceful close. Exit 0 after a clean close, 1 on bad configuration, a failed start, or a second
// signal. The only router code that reads argv or exits.
import type { Command } from 'commander'
import {
  ConfigError,
  createRootLogger,
  describeSettings,
  settingEnvNames,
  warnUnknownSettings,
} from '../../common/index.js'
import { EXTENSION_SETTINGS } from '../../extension/index.js'
import { createRouter, loadRouterConfig, ROUTER_SETTINGS, type RouterConfig } from '../../router/index.js'

/** Every `LAMBDA_DISPATCH_*` name the router or the extension reads (one environment may hold both). */
export function knownSettingNames(): string[] {
  return [...settingEnvNames(ROUTER_SETTINGS), ...settingEnvNames(EXTENSION_SETTINGS)]
}

export function registerRouterCommand(program: Command): void {
  program
    .command('router')
    .description('run the router: client requests in, Lambda invokes and reverse HTTP/2 channels out')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption('-h, --help', 'show every setting with its environment variable')
    .addHelpText('after', describeSettings(ROUTER_SETTINGS))
    .action(async (_options: unknown, command: Command) => {
      process.exitCode = await runRouter(command.args)
    })
}

async function runRouter(argv: readonly string[]): Promise<number> {
  let config: RouterConfig
  try {
    config = loadRouterConfig(process.env, argv)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`lambda-dispatch router: ${error.message}\n`)
    return 1
  }
  const logger = createRootLogger({ level: config.logLevel, pretty: config.logFormat === 'pretty' }, { app: 'router' })
  warnUnknownSettings(logger, Object.keys(process.env), knownSettingNames(), 'LAMBDA_DISPATCH_')
  const router = createRouter(config, { logger })
  let signals = 0
  const closed = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting without waiting')
        process.exit(1)
      }
      logger.info({ signal }, 'closing')
      void router.close().then(resolve)
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  })
  try {
    const addresses = await router.start()
    process.stdout.write(
      `lambda-dispatch router listening: ${addresses.frontDoorUrl}` +
        (addresses.frontDoorHttpsUrl ? ` ${addresses.frontDoorHttpsUrl}` : '') +
        ` (control ${addresses.controlUrls.join(' ')}; lambdas call back ${addresses.dispatcherUrl};` +
        ` admin and dashboard ${addresses.adminUrl})\n`,
    )
  } catch (error) {
    process.stderr.write(`lambda-dispatch router: failed to start: ${(error as Error).message}\n`)
    return 1
  }
  await closed
  logger.flush()
  return 0
}
