// Head-parse throughput for a typical ~800-byte browser request head: one chunk, and split across three chunks.
// Prints heads/s and MB/s. Run: npm run bench:protocol [-- --seconds 3]
import { performance } from 'node:perf_hooks'
import { createRequestHeadParser, serializeRequestHead } from '../src/protocol/index.js'

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 2

const HEAD = serializeRequestHead({
  method: 'GET',
  target: '/products/42/reviews?page=2&sort=recent&utm_source=newsletter',
  headers: [
    'Host',
    'shop.example.com',
    'User-Agent',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Accept',
    'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
    'Accept-Language',
    'en-US,en;q=0.9,de;q=0.8',
    'Accept-Encoding',
    'gzip, deflate, br, zstd',
    'Referer',
    'https://shop.example.com/products/42?ref=home',
    'Cookie',
    'session=3f9a1c2b7e6d4a8f9b0c1d2e3f4a5b6c; theme=dark; consent=analytics:1,ads:0; cart=7',
    'Sec-Fetch-Dest',
    'document',
    'Sec-Fetch-Mode',
    'navigate',
    'Sec-Fetch-Site',
    'same-origin',
    'Sec-Fetch-User',
    '?1',
    'Upgrade-Insecure-Requests',
    '1',
    'Cache-Control',
    'max-age=0',
    'X-Forwarded-For',
    '203.0.113.7',
    'X-Forwarded-Proto',
    'https',
    'X-Forwarded-Host',
    'shop.example.com',
    'X-Request-Id',
    '6f1c9e0a-4b2d-4c8e-9f3a-1b2c3d4e5f60',
  ],
})

function run(name: string, chunks: Buffer[]): void {
  let heads = 0
  const deadline = performance.now() + seconds * 1000
  const started = performance.now()
  while (performance.now() < deadline) {
    for (let batch = 0; batch < 1000; batch++) {
      const parser = createRequestHeadParser()
      for (const chunk of chunks) if (parser.push(chunk)) break
      heads++
    }
  }
  const elapsedS = (performance.now() - started) / 1000
  const headsPerS = heads / elapsedS
  const mbPerS = (headsPerS * HEAD.length) / 1e6
  console.log(
    `${name.padEnd(28)} ${Math.round(headsPerS).toLocaleString('en-US').padStart(12)} heads/s ${mbPerS.toFixed(1).padStart(8)} MB/s`,
  )
}

console.log(`request head: ${HEAD.length} bytes, ${seconds} s per case, node ${process.version}`)
run('one chunk', [HEAD])
const third = Math.floor(HEAD.length / 3)
run('three chunks', [HEAD.subarray(0, third), HEAD.subarray(third, 2 * third), HEAD.subarray(2 * third)])
