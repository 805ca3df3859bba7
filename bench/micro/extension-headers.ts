// Microbenchmark of the extension's per-request header work (issue 16): the tunnelled request's headers for the app
// (appRequestHeaders) and the app's raw response headers for the tunnel (appResponseHeaders), with the headers a
// `/ping` through the router carries and a Node app's answer. Prints CPU µs per operation (process.cpuUsage, user +
// system) after a warm-up, for two runs. Run: `node --import tsx bench/micro/extension-headers.ts [iterations]`.
import { appRequestHeaders, appResponseHeaders } from '../../src/extension/relay.js'

const iterations = Number(process.argv[2] ?? '500000')

// What the router tunnels for wrk's `GET /ping`: Host plus the forwarding headers it adds.
const requestHeaders = ['Host', '127.0.0.1:8080', 'X-Forwarded-For', '127.0.0.1', 'X-Forwarded-Proto', 'http']
// A Node app's answer: node:http adds Date, Connection and Keep-Alive.
const responseHeaders = [
  'Content-Type',
  'text/plain; charset=utf-8',
  'Content-Length',
  '4',
  'Date',
  'Sat, 05 Dec 2026 04:20:00 GMT',
  'Connection',
  'keep-alive',
  'Keep-Alive',
  'timeout=5',
].map((text) => Buffer.from(text, 'latin1'))

let sink = 0
function measure(name: string, operation: () => unknown[]): void {
  for (let index = 0; index < iterations; index++) sink += operation().length
  const runs: string[] = []
  for (let run = 0; run < 2; run++) {
    const start = process.cpuUsage()
    for (let index = 0; index < iterations; index++) sink += operation().length
    const used = process.cpuUsage(start)
    runs.push(((used.user + used.system) / iterations).toFixed(3))
  }
  process.stdout.write(`${name}: ${runs.join(', ')} µs per operation (${iterations} operations, two runs)\n`)
}

measure('appRequestHeaders', () => appRequestHeaders(requestHeaders, undefined))
measure('appResponseHeaders', () => appResponseHeaders(responseHeaders))
if (sink === 0) process.stdout.write('\n')
