// The `lambda-dispatch` command line: the only place that reads argv, installs signal handlers or exits the process.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import { tolerateClosedOutput } from './broken-pipe.js'
import { registerCommands } from './commands/index.js'
import { packageRoot } from './local-stack.js'

tolerateClosedOutput()

const program = new Command()
  .name('lambda-dispatch')
  .description('Run web apps on AWS Lambda with reverse HTTP/2 channels: router, extension and a local Lambda.')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError()

registerCommands(program)

await program.parseAsync(process.argv)

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version
}
