// What the results say about the machine and the tools a run used. Reads only os and the tools' --version output.
import { cpus, loadavg, totalmem } from 'node:os'
import { runToEnd } from './processes.js'

export interface MachineInfo {
  readonly cpuModel: string
  readonly cpuCount: number
  readonly memoryGiB: number
  readonly node: string
  readonly tools: Record<string, string>
}

export async function describeMachine(tools: Readonly<Record<string, string | undefined>>): Promise<MachineInfo> {
  const versions: Record<string, string> = {}
  const versionArgs: Record<string, string[]> = { wrk: ['-v'], h2load: ['--version'], nginx: ['-v'] }
  for (const [name, path] of Object.entries(tools)) {
    if (path === undefined) {
      versions[name] = 'missing'
      continue
    }
    const { stdout, stderr } = await runToEnd([path, ...(versionArgs[name] ?? ['--version'])]).catch(() => ({
      stdout: '',
      stderr: 'unknown',
    }))
    versions[name] = `${stdout}${stderr}`.split('\n')[0]?.trim() ?? 'unknown'
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    tools: versions,
  }
}

/** The 1-minute load average now. */
export function loadAverage1m(): number {
  return loadavg()[0] ?? 0
}
