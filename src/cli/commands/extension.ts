// `lambda-dispatch extension`: runs the Lambda extension in this process, configured by the environment
// (docs/extension.md); the same as dist/extension.js. Exit 0 after a clean shutdown, 1 on a fatal error.
import type { Command } from 'commander'
import { describeSettings } from '../../common/index.js'
import { EXTENSION_SETTINGS, runExtensionProcess } from '../../extension/index.js'

export function registerExtensionCommand(program: Command): void {
  program
    .command('extension')
    .description('run the Lambda extension (inside a Lambda execution environment; settings from the environment)')
    .addHelpText('after', describeSettings(EXTENSION_SETTINGS))
    .action(async () => {
      process.exit(await runExtensionProcess(process.env))
    })
}
