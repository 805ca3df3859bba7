// `npm run soak -- [--profile churn] --requests N --concurrency C [--seed S] [--duration D] …`: builds the bundles
// when they are stale, runs one soak against the local stack, prints the report and exits 0 (pass) or 1 (fail).
import { randomInt } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { Command } from 'commander'
import pino from 'pino'
import { createRootLogger } from '../../src/common/index.js'
import { resolveSoakOptions, type SoakArgs } from './options.js'
import { formatReport } from './report.js'
import { runSoak } from './run-soak.js'
import { ensureBundles } from './system.js'

async function main(): Promise<number> {
  const program = new Command('soak')
    .description('Soak the local stack with a checked request mix; exits 1 on any lost or unexpected request.')
    .option(
      '--profile <name>',
      'mixed (bodies up to 4 MiB) or churn (bodies up to 16 KiB, instances and channels turned over faster); ' +
        'the flags below override its values (default mixed)',
    )
    .option('--requests <n>', 'requests to issue (default 10000; without it, --duration alone bounds the run)')
    .option('--duration <d>', 'stop issuing after this long (e.g. 10m)')
    .option('--concurrency <n>', 'requests in flight at once (mixed 48, churn 64)')
    .option('--seed <n>', 'seed of the request sequence and payloads (default: random, printed)')
    .option('--instances <n>', 'MinInstances: instances kept up (default 4)')
    .option('--max-instances <n>', 'MaxInstances (default 2 × --instances)')
    .option('--max-concurrent-count <n>', 'requests per instance at once (default 10)')
    .option('--function-timeout <d>', 'function timeout; instances close themselves before it (mixed 12s, churn 6s)')
    .option('--ping-timeout <d>', "the extension's router PING timeout; 0 keeps its default of 1s (default 5s)")
    .option('--deadline-margin <d>', 'the extension asks to close this long before the deadline (mixed 6s, churn 3s)')
    .option('--lull-every <d>', 'pause issuing this often so instances idle out; 0 never (mixed 20s, churn 5s)')
    .option('--lull <d>', 'length of each pause (mixed 700ms, churn 600ms)')
    .option('--request-timeout <d>', 'a request without a complete answer by then is unexpected (default 60s)')
    .option('--large-percent <p>', 'percent of requests with 1–4 MiB bodies (mixed 3, churn 0)')
    .option('--control-port <port>', "the router's h2c control port (default: any free port)")
    .option('--summary-interval <d>', 'extra progress lines in a log this often (default 60s)')
    .option('--runtime <kind>', 'bundle (dist/, built when stale) or source (tsx)', 'bundle')
    .option('--log <path>', "write the router's log and the app's and extensions' output (JSON lines) to this file")
    .option('--json <path>', 'also write the whole report as JSON to this file')
    .parse()
  const raw = program.opts<SoakArgs & { log?: string; json?: string }>()
  const resolved = resolveSoakOptions(raw, randomInt(0, 2 ** 32 - 1))
  if (resolved.kind === 'problems') {
    for (const problem of resolved.problems) process.stderr.write(`soak: ${problem}\n`)
    return 2
  }
  if (resolved.options.runtime === 'bundle') ensureBundles((text) => process.stdout.write(`soak: ${text}\n`))
  const interrupt = new AbortController()
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stdout.write(`\nsoak: ${signal}: finishing the requests in flight, then reporting\n`)
      interrupt.abort()
    })
  }
  const logger =
    raw.log === undefined
      ? undefined
      : createRootLogger({ level: 'info', destination: pino.destination({ dest: raw.log, sync: false }) })
  const report = await runSoak(
    { ...resolved.options, ...(logger === undefined ? {} : { logger }) },
    {
      output: { isTTY: process.stdout.isTTY === true, write: (text) => process.stdout.write(text) },
      interrupt: interrupt.signal,
    },
  )
  process.stdout.write(`${formatReport(report)}\n`)
  if (raw.json !== undefined) writeFileSync(raw.json, `${JSON.stringify(report, null, 2)}\n`)
  logger?.flush()
  return report.verdict.exitCode
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`soak: ${(error as Error).stack ?? String(error)}\n`)
    process.exitCode = 1
  },
)
