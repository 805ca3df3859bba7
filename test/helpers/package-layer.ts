// Runs `npm run package:layer` (scripts/package-layer.mjs) into a path of the test's choosing and unzips a layer with
// Debian's unzip, as Lambda unpacks it under /opt. Shared by the layer tests; writes only where it is told.
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'

export const REPO_ROOT = resolve(import.meta.dirname, '../..')

export interface ToolRun {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
  readonly error?: Error
}

/** A command run to completion, its output as text; a run over two minutes is killed (status null). */
export function runTool(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ToolRun {
  return spawnSync(command, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024, ...options })
}

/** `npm run package:layer -- <args>` writing its one zip to `output` (LAMBDA_DISPATCH_LAYER_ZIP). */
export function packageLayer(output: string, args: readonly string[] = []): ToolRun {
  return runTool(process.execPath, [join(REPO_ROOT, 'scripts/package-layer.mjs'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LAMBDA_DISPATCH_LAYER_ZIP: output },
  })
}

/** `unzip -q zip -d into`. */
export function unzipLayer(zip: string, into: string): ToolRun {
  return runTool('unzip', ['-q', zip, '-d', into])
}
