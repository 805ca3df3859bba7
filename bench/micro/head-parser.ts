// Microbenchmark of the tunnelled request head's parse (issue 16): one HeadParser fed the head the router writes for
// wrk's `GET /ping`, and heads with a 4 KiB cookie and with 100 header lines, each in one chunk. Prints CPU µs per
// head (process.cpuUsage, user + system) after a warm-up, for two runs.
// Run: `node --import tsx bench/micro/head-parser.ts [iterations]`.
import { createRequestHeadParser } from '../../src/protocol/index.js'

const iterations = Number(process.argv[2] ?? '300000')

function head(lines: string[]): Buffer {
  return Buffer.from(`GET /ping HTTP/1.1\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`, 'latin1')
}
const ping = head(['Host: 127.0.0.1:8080', 'X-Forwarded-For: 127.0.0.1', 'X-Forwarded-Proto: http'])
const cookie = head(['Host: example.com', `Cookie: ${'a'.repeat(4096)}`, 'Accept: */*'])
const many = head(Array.from({ length: 100 }, (_, index) => `X-Header-${index}: value ${index}`))

let sink = 0
function measure(name: string, bytes: Buffer, count: number): void {
  const parse = (): number => createRequestHeadParser().push(bytes)?.head.headers.length ?? 0
  for (let index = 0; index < count; index++) sink += parse()
  const runs: string[] = []
  for (let run = 0; run < 2; run++) {
    const start = process.cpuUsage()
    for (let index = 0; index < count; index++) sink += parse()
    const used = process.cpuUsage(start)
    runs.push(((used.user + used.system) / count).toFixed(3))
  }
  process.stdout.write(`${name} (${bytes.length} bytes): ${runs.join(', ')} µs per head (${count} heads, two runs)\n`)
}

measure('/ping through the router', ping, iterations)
measure('a 4 KiB cookie', cookie, Math.ceil(iterations / 10))
measure('100 header lines', many, Math.ceil(iterations / 10))
if (sink === 0) process.stdout.write('\n')
