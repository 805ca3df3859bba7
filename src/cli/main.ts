// The `lambda-dispatch` command line: the only place that reads argv, installs signal handlers or exits the process.
import { Command } from 'commander'
import { tolerateClosedOutput } from './broken-pipe.js'
import { registerCommands } from './commands/index.js'

tolerateClosedOutput()

const program = new Command()
  .name('lambda-dispatch')
  .description('Run web apps on AWS Lambda with reverse HTTP/2 channels: router, extension and a local Lambda.')
  .showHelpAfterError()

registerCommands(program)

await program.parseAsync(process.argv)
