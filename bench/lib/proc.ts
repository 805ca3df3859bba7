// Processes as Linux shows them in /proc (proc(5)), for the benchmarks and the tests alike: one parser for
// /proc/<pid>/stat, one for the memory fields of /proc/<pid>/status, and the readers built on them. The parsers are
// pure; the read* and list functions touch only /proc, and a process that ends between the listing and the read is
// treated as gone.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** The fields of /proc/<pid>/stat the benchmarks and tests use. Times are in clock ticks (see clockTicksPerSecond). */
export interface ProcStat {
  /** One letter: R running, S sleeping, T stopped, Z zombie, X dead… */
  readonly state: string
  readonly ppid: number
  readonly pgrp: number
  /** The kernel's PF_* flags (include/linux/sched.h). */
  readonly flags: number
  readonly userTicks: number
  readonly systemTicks: number
  /** When the process started, in clock ticks since boot: with the pid, it names one process, pids being reused. */
  readonly startTicks: string
}

/**
 * Parses one /proc/<pid>/stat line, or undefined for text that is not one. The command name (field 2) may hold spaces
 * and parentheses, so the fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')')
  if (close === -1) return undefined
  // After ')': state(3) ppid(4) pgrp(5) session(6) tty_nr(7) tpgid(8) flags(9) minflt(10) cminflt(11) majflt(12)
  // cmajflt(13) utime(14) stime(15) … starttime(22).
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/)
  const state = fields[0]
  const startTicks = fields[19]
  if (state === undefined || !/^[A-Za-z]$/.test(state) || startTicks === undefined) return undefined
  const numbers = [fields[1], fields[2], fields[6], fields[11], fields[12]].map(Number)
  if (!numbers.every(Number.isInteger)) return undefined
  const [ppid, pgrp, flags, userTicks, systemTicks] = numbers as [number, number, number, number, number]
  return { state, ppid, pgrp, flags, userTicks, systemTicks, startTicks }
}

/** A `Name:  1234 kB` field of /proc/<pid>/status, in KiB; undefined when absent. */
export function parseStatusKb(text: string, field: 'VmRSS' | 'VmHWM'): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)
  return match ? Number(match[1]) : undefined
}

/** Clock ticks per second for /proc times (`getconf CLK_TCK`; 100 on every mainstream Linux). */
export function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isInteger(value) && value > 0 ? value : 100
  } catch {
    return 100
  }
}

/** The stat fields of `pid`, or undefined once it is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))
  } catch {
    return undefined
  }
}

/** Resident set size now (VmRSS) and its peak over the process's life (VmHWM), in KiB; undefined once gone. */
export function readMemoryKb(pid: number): { rssKb: number; peakKb: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'latin1')
    const rssKb = parseStatusKb(text, 'VmRSS')
    const peakKb = parseStatusKb(text, 'VmHWM')
    return rssKb === undefined || peakKb === undefined ? undefined : { rssKb, peakKb }
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

/** Pids whose parent is `pid` (a scan of /proc; cheap enough for the few calls a benchmark makes). */
export function childPids(pid: number): number[] {
  return listProcesses()
    .filter(({ stat }) => stat.ppid === pid)
    .map((entry) => entry.pid)
}
