// How fast a two-process relay in Node can echo a large body on this machine (issue 16's 9 MiB echo ratio). Five
// paths in front of the same demo app, in one run: the app alone (direct); two processes that only pipe TCP both ways
// (bench/micro/tcp-relay.ts: no HTTP at all, the least a relay process can do); two processes that carry each
// connection's bytes as one HTTP/2 stream between them (bench/micro/h2-relay.ts: the least a relay can do over
// HTTP/2, which the wire protocol requires between router and extension); the bare tunnel; and dispatch (router and
// extension, one environment). Each round warms every path up for `warmup` seconds of echoes (the app and the client
// reach their steady cost per byte only after a few hundred MiB), then times `repetitions` echoes of `mib` MiB,
// reading each process's CPU from /proc. The echo client is a process of its own (bench/lib/echo-process.ts), as in
// `npm run bench`. Both relays run with the extension's Node flags (src/extension/node-flags.ts). The order of the
// paths is reversed every other round. It prints MB/s, the ratio to direct within
// the round, and CPU per MiB by process, the client's included.
// Run after `npm run build`: `node --import tsx bench/micro/echo-floor.ts [rounds] [warmup s] [repetitions] [mib]
// [profile dir]`; with a profile dir every process but the client writes a V8 CPU profile under it at exit.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EXTENSION_NODE_FLAGS } from '../../src/extension/index.js'
import { EchoClientProcess } from '../lib/echo-process.js'
import { startPaths } from '../lib/paths.js'
import { type ManagedProcess, spawnReady } from '../lib/processes.js'
import { type ProcessGroups, ResourceMeter } from '../lib/resource-meter.js'
import { median } from '../lib/stats.js'

const [rounds, warmupS, repetitions, mib] = [3, 3, 10, 9].map((fallback, index) => {
  const value = Number(process.argv[2 + index] ?? fallback)
  if (!(value > 0)) throw new Error(`argument ${index + 1} must be a positive number`)
  return value
}) as [number, number, number, number]
const MIB = 1024 * 1024
const bodyBytes = mib * MIB
const root = join(fileURLToPath(import.meta.url), '../../..')
const profileDir = process.argv[6]
const profileFlags = (name: string): string[] =>
  profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`]
const RELAY_READY = /(?:tcp|h2)-relay listening on (\d+)/

interface EchoPath {
  readonly name: string
  readonly url: string
  groups(): ProcessGroups
}

interface Measured {
  readonly mbps: number
  readonly cpuUsPerMiB: Record<string, number>
  readonly failures: number
}

async function startRelay(
  name: string,
  script: string,
  args: readonly string[],
): Promise<{ process: ManagedProcess; port: number }> {
  const started = await spawnReady(
    name,
    [
      process.execPath,
      ...EXTENSION_NODE_FLAGS,
      '--import',
      'tsx',
      ...profileFlags(name),
      join(root, 'bench/micro', script),
      ...args,
    ],
    { cwd: root, ready: RELAY_READY, timeoutMs: 15_000 },
  )
  return { process: started.process, port: Number(started.match?.[1]) }
}

async function measure(client: EchoClientProcess, path: EchoPath): Promise<Measured> {
  const meter = new ResourceMeter(path.groups())
  const run = await client.run({ url: path.url, bodyBytes, warmupS, repetitions }, () => meter.start())
  const usage = meter.stop()
  const measuredMiB = mib * repetitions
  const cpuUsPerMiB: Record<string, number> = {}
  for (const [label, us] of Object.entries(usage.cpuUs)) cpuUsPerMiB[label] = us / measuredMiB
  cpuUsPerMiB.client = run.clientCpuUs / measuredMiB
  return {
    mbps: bodyBytes / (median(run.seconds) ?? Number.NaN) / 1e6,
    cpuUsPerMiB,
    failures: run.failures,
  }
}

await main()

async function main(): Promise<void> {
  const started = await startPaths({
    root,
    nginxPath: undefined,
    paths: ['direct', 'bare', 'dispatch'],
    instances: 1,
    maxConcurrentCount: 100,
    ...(profileDir === undefined ? {} : { profileDir }),
  })
  const relays: ManagedProcess[] = []
  const client = EchoClientProcess.start()
  try {
    const direct = started.targets.direct
    const bare = started.targets.bare
    const dispatch = started.targets.dispatch
    if (direct?.urls.h1 === undefined || bare?.urls.h1 === undefined || dispatch?.urls.h1 === undefined) {
      throw new Error('a path did not start')
    }
    const appGroups = direct.groups()
    const appPort = new URL(direct.urls.h1).port
    const second = await startRelay('tcp-relay-b', 'tcp-relay.ts', [appPort])
    relays.push(second.process)
    const first = await startRelay('tcp-relay-a', 'tcp-relay.ts', [String(second.port)])
    relays.push(first.process)
    const back = await startRelay('h2-relay-back', 'h2-relay.ts', ['back', appPort])
    relays.push(back.process)
    const front = await startRelay('h2-relay-front', 'h2-relay.ts', ['front', String(back.port)])
    relays.push(front.process)
    const paths: EchoPath[] = [
      { name: 'direct', url: direct.urls.h1, groups: () => direct.groups() },
      {
        name: 'tcp relays',
        url: `http://127.0.0.1:${first.port}`,
        groups: () => ({ relay1: [first.process.pid], relay2: [second.process.pid], ...appGroups }),
      },
      {
        name: 'h2 relays',
        url: `http://127.0.0.1:${front.port}`,
        groups: () => ({ relay1: [front.process.pid], relay2: [back.process.pid], ...appGroups }),
      },
      { name: 'bare', url: bare.urls.h1, groups: () => bare.groups() },
      { name: 'dispatch', url: dispatch.urls.h1, groups: () => dispatch.groups() },
    ]
    const results = new Map<string, Measured[]>(paths.map((path) => [path.name, []]))
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? paths : [...paths].reverse()
      for (const path of order) {
        const measured = await measure(client, path)
        results.get(path.name)?.push(measured)
        const cpu = Object.entries(measured.cpuUsPerMiB)
          .map(([label, us]) => `${label} ${Math.round(us)}`)
          .join(', ')
        process.stdout.write(
          `round ${round + 1} ${path.name}: ${measured.mbps.toFixed(0)} MB/s` +
            `${measured.failures > 0 ? ` (${measured.failures} failed)` : ''}; CPU µs/MiB: ${cpu}\n`,
        )
      }
    }
    const directRuns = results.get('direct') ?? []
    process.stdout.write(
      `\n| path | MB/s per round | / direct per round | median / direct |\n| --- | --- | --- | ---: |\n`,
    )
    for (const path of paths) {
      const runs = results.get(path.name) ?? []
      const ratios = runs.map((run, index) => run.mbps / (directRuns[index]?.mbps ?? Number.NaN))
      process.stdout.write(
        `| ${path.name} | ${runs.map((run) => run.mbps.toFixed(0)).join(', ')} | ` +
          `${ratios.map((value) => value.toFixed(2)).join(', ')} | ${(median(ratios) ?? Number.NaN).toFixed(2)} |\n`,
      )
    }
  } finally {
    await client.close()
    for (const relay of relays.reverse()) await relay.stop()
    await started.close()
  }
}
