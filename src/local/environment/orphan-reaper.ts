import { type ChildProcess, spawn } from 'node:child_process'
import type { Logger } from '../../common/index.js'

// A watchdog process per local Lambda that SIGKILLs the environments' process groups once this process is gone. It
// learns that from the end of its stdin, which the kernel closes however this process dies (SIGKILL and native
// aborts included, where neither close() nor the exit hook runs). Owns that one child and its stdin pipe.

/** One line of the reaper's stdin: watch a process group, or forget one whose leader has exited. */
export interface ReaperCommand {
  readonly kind: 'watch' | 'forget'
  /** The process group id (the leader's pid); always > 1, so it never names init or "every process". */
  readonly pgid: number
}

/** `+<pgid>\n` or `-<pgid>\n`. */
export function formatReaperCommand(command: ReaperCommand): string {
  return `${command.kind === 'watch' ? '+' : '-'}${command.pgid}\n`
}

/**
 * The inverse of formatReaperCommand for one line (without its newline); undefined for anything else. It runs inside
 * the reaper through its source text, so it must stay self-contained: no imports, no helpers, no nested functions.
 */
export function parseReaperCommand(line: string): ReaperCommand | undefined {
  const match = /^([+-])([1-9][0-9]{0,9})$/.exec(line)
  if (match === null) return undefined
  const pgid = Number(match[2])
  // kill(-1) would signal every process we may signal; pid 1 is init.
  if (pgid <= 1) return undefined
  return { kind: match[1] === '+' ? 'watch' : 'forget', pgid }
}

// The reaper's whole program (node core only, so it runs the same from the sources and from the esbuild bundle).
// It ignores the signals a terminal or a service manager sends to the owner: the owner's own shutdown ends it.
const REAPER_SOURCE = `// lambda-dispatch: orphan reaper of a local Lambda
'use strict'
const parse = (${parseReaperCommand.toString()})
const pgids = new Set()
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {})
let buffered = ''
let reaped = false
const reap = () => {
  if (reaped) return
  reaped = true
  for (const pgid of pgids) {
    try { process.kill(-pgid, 'SIGKILL') } catch {}
  }
  process.exit(0)
}
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  const lines = (buffered + chunk).split('\\n')
  buffered = lines.pop()
  for (const line of lines) {
    const command = parse(line)
    if (command === undefined) continue
    if (command.kind === 'watch') pgids.add(command.pgid)
    else pgids.delete(command.pgid)
  }
})
process.stdin.on('end', reap)
process.stdin.on('close', reap)
process.stdin.on('error', reap)
`

/** What ProcessGroup reports to: a group to kill should this process die, and a group that no longer exists. */
export interface GroupWatcher {
  watch(pgid: number): void
  forget(pgid: number): void
}

export class OrphanReaper implements GroupWatcher {
  readonly #logger: Logger
  #child: ChildProcess | undefined
  /** Resolves once the reaper has exited and been reaped (or never started); never rejects. */
  #exited: Promise<void> = Promise.resolve()
  #isClosing = false

  constructor(logger: Logger) {
    this.#logger = logger
  }

  /**
   * Spawns the reaper. It never keeps this process's event loop alive. Failing to spawn is logged and otherwise
   * ignored: the exit hook still covers every exit that runs JavaScript.
   */
  start(): void {
    if (this.#child) return
    let child: ChildProcess
    try {
      // detached: its own session, so a terminal's Ctrl-C (sent to the foreground process group) does not reach it.
      // An empty environment keeps NODE_OPTIONS (--import tsx, coverage) from slowing its start.
      child = spawn(process.execPath, ['-e', REAPER_SOURCE], {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
        env: {},
      })
    } catch (error) {
      this.#warnUnprotected(error)
      return
    }
    this.#child = child
    this.#exited = new Promise((resolve) => {
      child.once('exit', (exitCode, signal) => {
        if (!this.#isClosing)
          this.#warnUnprotected(new Error(`reaper exited early (code ${exitCode}, signal ${signal})`))
        resolve()
      })
      child.once('error', (error) => {
        // 'error' without a pid: the spawn failed and 'exit' will never come.
        if (child.pid === undefined) {
          this.#warnUnprotected(error)
          resolve()
        }
      })
    })
    // EPIPE once the reaper is gone: nothing to do, its exit was already reported.
    child.stdin?.on('error', () => {})
    child.unref()
    ;(child.stdin as unknown as { unref?: () => void } | null)?.unref?.()
    this.#logger.debug({ pid: child.pid }, 'orphan reaper started')
  }

  watch(pgid: number): void {
    this.#send({ kind: 'watch', pgid })
  }

  /** Call as soon as the group's leader has been reaped: its pid may then be reused by an unrelated process. */
  forget(pgid: number): void {
    this.#send({ kind: 'forget', pgid })
  }

  /** Ends the reaper's stdin; it kills whatever is still watched and exits. Resolves once it has exited. */
  async close(): Promise<void> {
    this.#isClosing = true
    const child = this.#child
    if (child) {
      // Referenced again, so waiting for its exit keeps this process alive until it is reaped.
      child.ref()
      child.stdin?.end()
    }
    await this.#exited
  }

  #send(command: ReaperCommand): void {
    const stdin = this.#child?.stdin
    if (!stdin || this.#isClosing || stdin.destroyed) return
    stdin.write(formatReaperCommand(command))
  }

  #warnUnprotected(error: unknown): void {
    this.#logger.warn(
      { err: error },
      'orphan reaper not running: if this process is killed, its environment processes will survive it',
    )
  }
}
