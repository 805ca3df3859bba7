// `npm run bench:ci`: a short performance check for CI. /ping over HTTP/1.1 at c=10, straight to the app and through
// the router and extension, in alternating rounds of a few seconds; the median dispatch/direct throughput ratio
// must stay above half the ratio in bench/baseline.json. `--record` writes the measured ratio there instead.
// Without wrk it says so and passes: it measures nothing it cannot measure.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { buildCells } from './lib/cells.js'
import { ciVerdict, parseCiBaseline } from './lib/ci-verdict.js'
import { loadAverage1m } from './lib/machine.js'
import { measureCell } from './lib/measure.js'
import { startPaths } from './lib/paths.js'
import { findExecutable } from './lib/processes.js'
import { closeOnSignal } from './lib/signals.js'
import { median, ratio } from './lib/stats.js'

const ROOT = resolve(import.meta.dirname, '..')
const BASELINE = join(ROOT, 'bench/baseline.json')

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '3' },
    record: { type: 'boolean', default: false },
  },
})

async function main(): Promise<number> {
  const wrk = findExecutable('wrk')
  if (wrk === undefined) {
    process.stdout.write('bench:ci: wrk is not installed (Debian: apt-get install wrk); nothing measured, skipping\n')
    return 0
  }
  const rounds = Math.max(1, Number(values.rounds))
  const durationS = Math.max(1, Number(values.duration))
  const cells = buildCells({ routes: ['ping'], protocols: ['h1'], concurrencies: [10], paths: ['direct', 'dispatch'] })
  process.stdout.write(`bench:ci: load average ${loadAverage1m().toFixed(2)}; ${rounds} rounds of ${durationS} s\n`)
  const started = await startPaths({
    root: ROOT,
    nginxPath: undefined,
    paths: ['direct', 'dispatch'],
    instances: 1,
    maxConcurrentCount: 100,
  })
  const disarm = closeOnSignal(() => started.close())
  const tmpDir = mkdtempSync(join(tmpdir(), 'ld-bench-ci-'))
  const ratios: number[] = []
  try {
    for (let round = 1; round <= rounds; round++) {
      const rates: Record<string, number | undefined> = {}
      for (const cell of cells) {
        const result = await measureCell(
          cell,
          started.targets[cell.path],
          undefined,
          { wrk, h2load: undefined, wrkScript: join(ROOT, 'bench/wrk-report.lua'), tmpDir },
          { durationS, warmupS: 1 },
        )
        if (result.status !== 'ok' || result.load === undefined || result.load.errors > 0) {
          throw new Error(`${cell.id}: ${result.status} ${result.reason ?? ''} errors ${result.load?.errors ?? '-'}`)
        }
        rates[cell.path] = result.load.requestsPerS
      }
      const roundRatio = ratio(rates.dispatch, rates.direct) ?? 0
      ratios.push(roundRatio)
      process.stdout.write(
        `round ${round}: direct ${Math.round(rates.direct ?? 0)} req/s, dispatch ${Math.round(rates.dispatch ?? 0)} ` +
          `req/s, ratio ${roundRatio.toFixed(3)}\n`,
      )
    }
  } finally {
    await started.close()
    disarm()
    rmSync(tmpDir, { recursive: true, force: true })
  }
  const measured = median(ratios) ?? 0
  if (values.record) {
    const note = `median of ${rounds} rounds of ${durationS} s, /ping h1 c=10, load average ${loadAverage1m().toFixed(2)}`
    writeFileSync(
      BASELINE,
      `${JSON.stringify({ ratio: Number(measured.toFixed(4)), recordedAt: new Date().toISOString(), note }, null, 2)}\n`,
    )
    process.stdout.write(`recorded ratio ${measured.toFixed(3)} in bench/baseline.json\n`)
    return 0
  }
  const verdict = ciVerdict(measured, parseCiBaseline(JSON.parse(readFileSync(BASELINE, 'utf8')) as unknown))
  process.stdout.write(`${verdict.message}\n`)
  return verdict.pass ? 0 : 1
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`bench:ci: ${(error as Error).stack ?? String(error)}\n`)
    process.exitCode = 1
  },
)
