// Processes as Linux shows them in /proc (proc(5)), for the tests: the questions they ask (state, process group,
// descendants, start time, exiting), over the one /proc parser and reader the benchmarks use too (bench/lib/proc.ts).
// Reads only /proc; a process that ends between the listing and the read is treated as gone.
import { readlinkSync } from 'node:fs'
import { listProcesses, readProcStat } from '../../bench/lib/proc.js'

export { readProcStat } from '../../bench/lib/proc.js'

/** PF_EXITING: the kernel has begun tearing the process down. */
export const PF_EXITING = 0x4

/** The one-letter state of a process (R, S, T for stopped, Z for zombie), or undefined when gone. */
export function processState(pid: number): string | undefined {
  return readProcStat(pid)?.state
}

/** The live (not zombie) members of process group `pgid`. */
export function processGroupMembers(pgid: number): number[] {
  return listProcesses()
    .filter(({ stat }) => stat.pgrp === pgid && stat.state !== 'Z')
    .map(({ pid }) => pid)
}

/** Every descendant of `rootPid` /proc lists now (zombies included: their parent has not reaped them yet). */
export function descendants(rootPid: number): number[] {
  const children = new Map<number, number[]>()
  for (const { pid, stat } of listProcesses()) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid])
  const found: number[] = []
  const pending = [rootPid]
  while (pending.length > 0) {
    for (const child of children.get(pending.pop() as number) ?? []) {
      found.push(child)
      pending.push(child)
    }
  }
  return found
}

/** The start time of a running process (clock ticks since boot); undefined when it is gone or a zombie. */
export function startTicks(pid: number): string | undefined {
  const stat = readProcStat(pid)
  return stat === undefined || stat.state === 'Z' ? undefined : stat.startTicks
}

/** Whether /proc shows `pid` gone, a zombie, dead, or with PF_EXITING set (inside exit, its sockets being closed). */
export function isDeadOrExiting(pid: number): boolean {
  const stat = readProcStat(pid)
  return stat === undefined || stat.state === 'Z' || stat.state === 'X' || (stat.flags & PF_EXITING) !== 0
}

/** The program a running process executes (`/proc/<pid>/exe`, symlinks resolved by the kernel). */
export function executableOf(pid: number): string {
  return readlinkSync(`/proc/${pid}/exe`)
}
