// The soak's few facts about the machine: child processes of this process and the CPU its exited children used
// (from /proc), and whether the esbuild bundles in dist/ are older than the sources (rebuilt then).
// isBuildStale and parseChildCpuMs are pure; the rest reads files or builds.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Processes whose parent is `pid`, from /proc (Linux). 0 where /proc does not exist. */
export function countChildProcesses(pid: number): number {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return 0
  }
  let count = 0
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1')
      // Field 4 is the parent pid; the command name (field 2) is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[1]) === pid) count++
    } catch {
      // The process exited while we looked.
    }
  }
  return count
}

// USER_HZ: the unit of /proc's CPU times; 100 on every Linux architecture Node supports.
const CLOCK_TICKS_PER_S = 100

/**
 * Pure: CPU time (user + system, ms) of the exited and waited-for children of a process, from its /proc/<pid>/stat
 * text: fields 16 and 17 (cutime, cstime), counted after the command name, which is in parentheses and may hold
 * spaces. undefined when the text is not in that form.
 */
export function parseChildCpuMs(statText: string): number | undefined {
  const close = statText.lastIndexOf(')')
  if (close < 0) return undefined
  // After ") " comes field 3 (state); cutime and cstime are fields 16 and 17.
  const fields = statText.slice(close + 2).split(' ')
  const cutime = Number(fields[13])
  const cstime = Number(fields[14])
  if (!Number.isSafeInteger(cutime) || !Number.isSafeInteger(cstime)) return undefined
  return ((cutime + cstime) * 1000) / CLOCK_TICKS_PER_S
}

/** CPU time (ms) this process's exited children used so far; 0 where /proc does not exist. */
export function exitedChildrenCpuMs(): number {
  try {
    return parseChildCpuMs(readFileSync('/proc/self/stat', 'latin1')) ?? 0
  } catch {
    return 0
  }
}

/** Pure: the bundles must be rebuilt when one is missing or older than the newest source file. */
export function isBuildStale(bundleMtimesMs: readonly (number | undefined)[], newestSourceMtimeMs: number): boolean {
  return bundleMtimesMs.some((mtimeMs) => mtimeMs === undefined || mtimeMs < newestSourceMtimeMs)
}

/** Newest modification time of any file below `dir`. */
export function newestMtimeMs(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs)
  }
  return newest
}

export function mtimeMsOrUndefined(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

const ROOT = join(import.meta.dirname, '..', '..')

/** Builds dist/ with the project's build script when a bundle is missing or older than src/. */
export function ensureBundles(log: (text: string) => void): void {
  const bundles = ['dist/extension.js', 'dist/demo-app.js'].map((path) => mtimeMsOrUndefined(join(ROOT, path)))
  if (!isBuildStale(bundles, newestMtimeMs(join(ROOT, 'src')))) return
  log('dist/ is missing or older than src/; building')
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`the build failed (exit ${result.status ?? result.signal})`)
}
