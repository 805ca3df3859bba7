// Every subcommand of the CLI, registered on one commander program.
import type { Command } from 'commander'
import { registerExtensionCommand } from './extension.js'
import { registerInvokeCommand } from './invoke.js'
import { registerLocalCommand } from './local.js'
import { registerRouterCommand } from './router.js'
import { registerStatusCommand } from './status.js'

/** Adds each subcommand to `program`. Each command lives in its own file and imports only module index files. */
export function registerCommands(program: Command): void {
  registerExtensionCommand(program)
  registerRouterCommand(program)
  registerLocalCommand(program)
  registerStatusCommand(program)
  registerInvokeCommand(program)
}
