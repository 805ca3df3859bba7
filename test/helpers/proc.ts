// Processes as Linux shows them in /proc (proc(5)): one parser for /proc/<pid>/stat and the questions the tests ask
// of it (state, process group, descendants, start time, exiting). Reads only /proc; a process that ends between the
// listing and the read is treated as gone.
import { readdirSync, readFileSync } from 'node:fs'

/** The fields of /proc/<pid>/stat the tests use. */
export interface ProcStat {
  /** One letter: R running, S sleeping, T stopped, Z zombie, X dead… */
  readonly state: string
  readonly ppid: number
  readonly pgrp: number
  /** The kernel's PF_* flags (include/linux/sched.h). */
  readonly flags: number
  /** When the process started, in clock ticks since boot: with the pid, it names one process even if the pid is reused. */
  readonly startTicks: string
}

/** PF_EXITING: the kernel has begun tearing the process down. */
export const PF_EXITING = 0x4

/**
 * Parses one /proc/<pid>/stat line, or undefined for text that is not one. The command name (field 2) may hold spaces
 * and parentheses, so the fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')')
  if (close === -1) return undefined
  // After ')': state(3) ppid(4) pgrp(5) session(6) tty_nr(7) tpgid(8) flags(9) … starttime(22).
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/)
  const [state, ppid, pgrp, flags, startTicks] = [fields[0], fields[1], fields[2], fields[6], fields[19]]
  if (state === undefined || !/^[A-Za-z]$/.test(state) || startTicks === undefined) return undefined
  const numbers = [ppid, pgrp, flags].map(Number)
  if (!numbers.every(Number.isInteger)) return undefined
  const [parent, group, flagBits] = numbers as [number, number, number]
  return { state, ppid: parent, pgrp: group, flags: flagBits, startTicks }
}

/** The stat fields of `pid`, or undefined once it is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))
  } catch {
    return undefined
  }
}

/** Every process /proc lists now, with its stat fields. */
export function listProcesses(): { pid: number; stat: ProcStat }[] {
  const processes: { pid: number; stat: ProcStat }[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readProcStat(Number(entry))
    if (stat !== undefined) processes.push({ pid: Number(entry), stat })
  }
  return processes
}

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
