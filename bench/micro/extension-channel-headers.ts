// Microbenchmark of the HTTP/2 request headers of one channel POST (issue 16): RouterConnection.channelHeaders, as
// every POST of an invoke asks for them, over 50 channel ids in turn and with a per-invoke token. No session is opened.
// Prints CPU µs per call (process.cpuUsage, user + system) after a warm-up, for two runs.
// Run: `node --import tsx bench/micro/extension-channel-headers.ts [iterations]`.
import { randomUUID } from 'node:crypto'
import { createSilentLogger } from '../../src/common/index.js'
import { RouterConnection } from '../../src/extension/router-connection.js'
import { ExtensionTelemetry } from '../../src/extension/telemetry.js'

const iterations = Number(process.argv[2] ?? '1000000')
const connection = new RouterConnection({
  poolId: 'default',
  lambdaId: randomUUID(),
  channelToken: randomUUID(),
  target: { url: new URL('http://127.0.0.1:1'), certSha256: undefined, tlsVerify: false },
  settings: {
    connectTimeoutMs: 1_000,
    headersTimeoutMs: 2_000,
    pingTimeoutMs: 1_000,
    streamWindowBytes: 4 * 1024 * 1024,
    sessionWindowBytes: 32 * 1024 * 1024,
    maxSessionMemoryMb: 64,
  },
  connectAttempts: 3,
  stopConnectingAtMs: Date.now() + 3_600_000,
  pingTimeoutMs: 5_000,
  telemetry: new ExtensionTelemetry(createSilentLogger()),
  onGiveUp: () => {},
})
const channels = Array.from({ length: 50 }, () => randomUUID())

let sink = 0
for (let index = 0; index < iterations; index++) {
  sink += Object.keys(connection.channelHeaders(channels[index % 50] as string)).length
}
const runs: string[] = []
for (let run = 0; run < 2; run++) {
  const start = process.cpuUsage()
  for (let index = 0; index < iterations; index++) {
    sink += Object.keys(connection.channelHeaders(channels[index % 50] as string)).length
  }
  const used = process.cpuUsage(start)
  runs.push(((used.user + used.system) / iterations).toFixed(3))
}
process.stdout.write(`a channel POST's headers: ${runs.join(', ')} µs per call (${iterations} calls, two runs)\n`)
connection.close()
if (sink === 0) process.stdout.write('\n')
