// Child processes of a benchmark run: spawn one and wait for the line that says it is ready, stop it, find tools on
// PATH. Every process it starts is stopped by the returned handle; nothing is left behind on success or failure.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { createInterface } from 'node:readline'

export interface ManagedProcess {
  readonly name: string
  readonly pid: number
  readonly child: ChildProcess
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>
}

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  /** The process is ready when a line of its stdout or stderr matches; undefined: as soon as it has spawned. */
  readonly ready: RegExp | undefined
  readonly timeoutMs: number
  /** Every output line (after readiness too), e.g. for logs the benchmark parses. */
  readonly onLine?: (line: string) => void
}

/** Spawns `argv` and resolves with the process and the matching line once it is ready; kills it on failure. */
export async function spawnReady(
  name: string,
  argv: readonly string[],
  options: SpawnOptions,
): Promise<{ process: ManagedProcess; match: RegExpExecArray | undefined }> {
  const [command, ...args] = argv
  if (command === undefined) throw new Error(`${name}: empty command`)
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = once(child, 'exit').catch(() => undefined)
  const managed: ManagedProcess = {
    name,
    get pid() {
      return child.pid ?? -1
    },
    child,
    stop: async (graceMs = 5_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
  const tail: string[] = []
  try {
    const match = await new Promise<RegExpExecArray | undefined>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} was not ready within ${options.timeoutMs} ms:\n${tail.join('\n')}`)),
        options.timeoutMs,
      )
      const onLine = (line: string): void => {
        options.onLine?.(line)
        if (tail.length >= 20) tail.shift()
        tail.push(line)
        const match = options.ready?.exec(line)
        if (match) {
          clearTimeout(timer)
          resolve(match)
        }
      }
      for (const stream of [child.stdout, child.stderr]) {
        if (stream) createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLine)
      }
      if (options.ready === undefined) child.once('spawn', () => resolve(undefined))
      child.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`${name} exited (${signal ?? code}) before it was ready:\n${tail.join('\n')}`))
      })
    })
    return { process: managed, match }
  } catch (error) {
    await managed.stop(1_000)
    throw error
  }
}

/** The absolute path of `command` on PATH (or as given, when it contains a slash), or undefined. */
export function findExecutable(command: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = command.includes('/') ? [command] : path.split(delimiter).map((dir) => join(dir, command))
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** Runs a command to completion and collects its stdout and stderr. */
export async function runToEnd(
  argv: readonly string[],
  options: { env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, ...args] = argv
  if (command === undefined) throw new Error('empty command')
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid !== undefined) options.onSpawn?.(child.pid)
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  const [code] = (await once(child, 'close')) as [number | null]
  return { code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }
}
