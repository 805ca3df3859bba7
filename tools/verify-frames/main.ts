// `npm run verify:frames [-- --requests N …]`: runs a soak while tshark captures the router's control port on
// loopback, then decodes every HTTP/2 frame and checks, per stream and direction, that no DATA precedes the first
// HEADERS and that nothing was reset with PROTOCOL_ERROR. Exits 1 on any violation, a lossy capture or an empty one.
import { randomInt } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { resolveSoakOptions, type SoakArgs } from '../soak/options.js'
import { formatReport } from '../soak/report.js'
import { formatCounts } from '../soak/router-counters.js'
import { runSoak } from '../soak/run-soak.js'
import { ensureBundles } from '../soak/system.js'
import { LoopbackCapture } from './capture.js'
import { FrameChecker } from './check-frames.js'
import { decodeCapture } from './decode.js'
import { captureSoakArgs } from './soak-args.js'
import { frameVerdict } from './verdict.js'

const CAPTURE_START_TIMEOUT_MS = 30_000
const RST_NAMES: Readonly<Record<string, string>> = {
  0: 'NO_ERROR',
  1: 'PROTOCOL_ERROR',
  2: 'INTERNAL_ERROR',
  8: 'CANCEL',
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

function named(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([code, count]) => [`${RST_NAMES[code] ?? code}`, count]))
}

async function main(): Promise<number> {
  const program = new Command('verify-frames')
    .description('Capture the control channel during a soak and check HTTP/2 frame order on every stream.')
    .option('--profile <name>', "the soak's profile: mixed or churn (default mixed)")
    .option('--requests <n>', 'soak requests (default 20000)', '20000')
    .option('--concurrency <n>', 'soak concurrency (default 32)', '32')
    .option('--seed <n>', 'soak seed (default: random, printed)')
    .option(
      '--large-percent <p>',
      "percent of 1–4 MiB bodies; they make the capture large (default 0.5 with mixed, the profile's 0 with churn)",
    )
    .option('--buffer-mb <n>', "tshark's capture buffer in MiB (default 256)", '256')
    .option('--keep-pcap <path>', 'keep the capture at this path (default: a temporary file, deleted)')
    .parse()
  const raw = program.opts<SoakArgs & { bufferMb: string; keepPcap?: string }>()
  const resolved = resolveSoakOptions(captureSoakArgs(raw), randomInt(0, 2 ** 32 - 1))
  if (resolved.kind === 'problems') {
    for (const problem of resolved.problems) process.stderr.write(`verify-frames: ${problem}\n`)
    return 2
  }
  ensureBundles((text) => process.stdout.write(`verify-frames: ${text}\n`))
  const port = await freePort()
  const dir = raw.keepPcap === undefined ? mkdtempSync(join(tmpdir(), 'ld-frames-')) : undefined
  const pcapPath = raw.keepPcap ?? join(dir as string, 'control.pcap')
  try {
    process.stdout.write(`verify-frames: capturing tcp port ${port} on lo into ${pcapPath}\n`)
    const capture = await LoopbackCapture.start({
      port,
      pcapPath,
      bufferMb: Number(raw.bufferMb),
      startTimeoutMs: CAPTURE_START_TIMEOUT_MS,
    })
    const report = await runSoak(
      { ...resolved.options, controlPort: port },
      { output: { isTTY: process.stdout.isTTY === true, write: (text) => process.stdout.write(text) } },
    ).catch(async (error: unknown) => {
      await capture.stop()
      throw error
    })
    process.stdout.write(`${formatReport(report)}\n`)
    const stats = await capture.stop()
    const pcapBytes = statSync(pcapPath).size
    process.stdout.write(
      `capture: ${stats.captured ?? 'unknown'} packets captured, ${stats.dropped} dropped, ` +
        `${(pcapBytes / 1048576).toFixed(0)} MiB; decoding…\n`,
    )
    const decodeStartedMs = performance.now()
    const checker = new FrameChecker()
    const decode = await decodeCapture(pcapPath, port, (frame) => checker.add(frame))
    const check = checker.result()
    const verdict = frameVerdict({ capture: stats, decode, check, soakExitCode: report.verdict.exitCode })
    const lines = [
      `decoded ${decode.packets} packets in ${((performance.now() - decodeStartedMs) / 1000).toFixed(1)} s: ` +
        `${decode.lostSegmentPackets} TCP gaps never filled (lost), ${decode.reorderedGaps} captured out of order, ` +
        `${decode.malformedPackets} malformed`,
      `${check.connections} connections, ${check.streams} streams (each direction counted), ${check.frames} frames checked`,
      `  frames by type: ${formatCounts(check.framesByType)}`,
      `  RST_STREAM by code: ${formatCounts(named(check.resetsByCode))}; GOAWAY by code: ${formatCounts(named(check.goawaysByCode))}`,
      `  DATA before HEADERS ${check.violationCounts['data-before-headers']}, ` +
        `RST_STREAM PROTOCOL_ERROR ${check.violationCounts['rst-protocol-error']}, ` +
        `GOAWAY PROTOCOL_ERROR ${check.violationCounts['goaway-protocol-error']}, ` +
        `connections not opened by SETTINGS ${check.violationCounts['connection-without-settings']}`,
      ...check.violations.map(
        (violation) =>
          `  ${violation.kind}: packet ${violation.packet}, connection ${violation.connection}, ` +
          `stream ${violation.streamId}, sent by the ${violation.sender}`,
      ),
      verdict.exitCode === 0 ? 'PASS' : `FAIL:\n${verdict.problems.map((problem) => `  - ${problem}`).join('\n')}`,
    ]
    process.stdout.write(`${lines.join('\n')}\n`)
    return verdict.exitCode
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  }
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`verify-frames: ${(error as Error).stack ?? String(error)}\n`)
    process.exitCode = 1
  },
)
