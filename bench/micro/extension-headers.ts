// Microbenchmark of the extension's per-request header work (issue 16): the capability list on the router's answer to
// each channel POST (listsWebSocket), reading a tunnelled request's headers
// (readTunnelledRequest: the app's headers, the framing headers and Accept-Encoding) and turning the app's raw response
// headers into the tunnel's (appResponseHeaders). Requests: the head the router writes for wrk's `GET /ping`, and a
// browser's GET with 12 headers, each parsed by the tunnel's head parser as in the product; the response: a Node
// app's `/ping` answer. Prints CPU µs per operation (process.cpuUsage, user + system) after a warm-up, for two runs.
// Run: `node --import tsx bench/micro/extension-headers.ts [iterations]`.
import { appResponseHeaders, readTunnelledRequest } from '../../src/extension/relay.js'
import { createRequestHeadParser, listsWebSocket } from '../../src/protocol/index.js'

const iterations = Number(process.argv[2] ?? '500000')

function parsedHeaders(lines: string[]): string[] {
  const text = `GET /ping HTTP/1.1\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`
  return createRequestHeadParser().push(Buffer.from(text, 'latin1'))?.head.headers ?? []
}
// What the router tunnels for wrk's `GET /ping`: Host plus the forwarding headers it adds.
const ping = parsedHeaders(['Host: 127.0.0.1:8080', 'X-Forwarded-For: 127.0.0.1', 'X-Forwarded-Proto: http'])
const browser = parsedHeaders([
  'Host: example.com',
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language: en-GB,en;q=0.5',
  'Accept-Encoding: gzip, deflate, br, zstd',
  'Referer: https://example.com/',
  'Cookie: session=0123456789abcdef; theme=dark',
  'Upgrade-Insecure-Requests: 1',
  'Sec-Fetch-Dest: document',
  'Sec-Fetch-Mode: navigate',
  'X-Forwarded-For: 203.0.113.7',
  'X-Forwarded-Proto: https',
])
// A Node app's answer: node:http adds Date, Connection and Keep-Alive.
const response = [
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
function measure(name: string, operation: () => number): void {
  for (let index = 0; index < iterations; index++) sink += operation()
  const runs: string[] = []
  for (let run = 0; run < 2; run++) {
    const start = process.cpuUsage()
    for (let index = 0; index < iterations; index++) sink += operation()
    const used = process.cpuUsage(start)
    runs.push(((used.user + used.system) / iterations).toFixed(3))
  }
  process.stdout.write(`${name}: ${runs.join(', ')} µs per operation (${iterations} operations, two runs)\n`)
}

measure("the router's capabilities (`websocket`)", () => (listsWebSocket('websocket') ? 1 : 0))
measure("/ping's tunnelled request", () => readTunnelledRequest(ping, undefined).headers.length)
measure("a browser's tunnelled request", () => readTunnelledRequest(browser, undefined).headers.length)
measure("a Node app's response headers", () => appResponseHeaders(response).length)
if (sink === 0) process.stdout.write('\n')
