// Runs `lambda-dispatch` from source as a child process, as a user runs it: a one-shot command with its output, or
// `lambda-dispatch local` on free ports, resolved once it has printed its banner. Callers kill what they start with
// teardown(t); a start that fails kills its child itself.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'

export const CLI_ROOT = resolve(import.meta.dirname, '../..')
const CLI_MAIN = resolve(CLI_ROOT, 'src/cli/main.ts')

function spawnCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], {
    cwd: CLI_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Runs the CLI to its end; resolves with its exit code and everything it wrote. */
export async function runCli(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(args)
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text
  })
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, stdout, stderr }
}

export interface LocalCommand {
  readonly child: ChildProcess
  /** The router's front-door URL, from the banner's `Router front door` line. */
  readonly url: string
  /** Everything on stdout up to and including the banner's last line. */
  readonly banner: string
}

// The banner's last line: everything above it has been written once this arrives.
const BANNER_END = 'Press Ctrl-C to stop.'

/** Starts `lambda-dispatch local` on free ports without the status line; resolves once its banner is complete. */
export async function startLocalCommand(extraArgs: readonly string[] = []): Promise<LocalCommand> {
  const child = spawnCli(['local', '--port', '0', '--control-port', '0', '--no-status', ...extraArgs])
  let output = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  try {
    const banner = await new Promise<string>((resolveBanner, reject) => {
      let stdout = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        output += chunk.toString()
        const end = stdout.indexOf(BANNER_END)
        if (end !== -1) resolveBanner(stdout.slice(0, end + BANNER_END.length))
      })
      child.once('exit', (code) => reject(new Error(`lambda-dispatch local exited with ${code}: ${output}`)))
    })
    const url = /Router front door (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1]
    if (!url) throw new Error(`lambda-dispatch local printed no front-door URL: ${banner}`)
    return { child, url, banner }
  } catch (error) {
    // The caller gets no handle to kill: a command that printed something unexpected is killed here.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    throw error
  }
}
