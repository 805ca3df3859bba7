// CPU time and memory of processes from /proc (Linux). The parsers are pure; the read* functions touch only /proc.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** The fields of /proc/<pid>/stat the benchmarks use. Times are in clock ticks (see clockTicksPerSecond). */
export interface ProcStat {
  readonly ppid: number
  readonly userTicks: number
  readonly systemTicks: number
}

/**
 * Parses /proc/<pid>/stat (proc(5)). The command name (field 2) may hold spaces and parentheses, so fields are counted
 * from the last ')'. Returns undefined for text that is not a stat line.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')')
  if (close === -1) return undefined
  // After ')': state(3) ppid(4) pgrp(5) session(6) tty_nr(7) tpgid(8) flags(9) minflt(10) cminflt(11) majflt(12)
  // cmajflt(13) utime(14) stime(15).
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/)
  const ppid = Number(fields[1])
  const userTicks = Number(fields[11])
  const systemTicks = Number(fields[12])
  if (![ppid, userTicks, systemTicks].every(Number.isInteger)) return undefined
  return { ppid, userTicks, systemTicks }
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

/** The process's stat fields, or undefined once it is gone. */
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

/** Pids whose parent is `pid` (a scan of /proc; cheap enough for the few calls a benchmark makes). */
export function childPids(pid: number): number[] {
  const children: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    if (readProcStat(Number(name))?.ppid === pid) children.push(Number(name))
  }
  return children
}
