// A minimal reproduction (issue 16, docs/performance.md "Round 2"): the last write of an HTTP/2 client stream, the one
// that carries END_STREAM once the peer has ended its side, completes after Node destroyed the stream, so Node's
// afterWrite builds an ERR_STREAM_DESTROYED for every such response. Counts the write callbacks that run on a
// destroyed stream. Run: node --import tsx bench/http2-final-write.ts [cork|end] [streams]
import { type ClientHttp2Stream, connect, createServer } from 'node:http2'
import type { AddressInfo } from 'node:net'

const mode = process.argv[2] === 'end' ? 'end' : 'cork'
const streams = Number(process.argv[3]) || 200

const server = createServer()
server.on('stream', (stream) => {
  stream.respond({ ':status': 200 })
  stream.end(Buffer.from('GET /ping HTTP/1.1\r\n\r\n'))
  stream.resume()
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)

let callbacks = 0
let onDestroyed = 0
type WriteCallback = (error?: Error | null) => void
// Wraps the stream's _write/_writev so each completion is seen before Node's own callback runs.
function watchWrites(stream: ClientHttp2Stream): void {
  const internals = stream as unknown as Record<string, (...args: unknown[]) => void>
  for (const name of ['_write', '_writev']) {
    const original = internals[name] as (...args: unknown[]) => void
    internals[name] = (...args: unknown[]) => {
      const callback = args[args.length - 1] as WriteCallback
      args[args.length - 1] = (error?: Error | null) => {
        callbacks++
        if (stream.destroyed) onDestroyed++
        callback(error)
      }
      original.apply(stream, args)
    }
  }
}

for (let index = 0; index < streams; index++) {
  await new Promise<void>((resolve) => {
    const stream = session.request({ ':method': 'POST', ':path': '/channel' }, { endStream: false })
    watchWrites(stream)
    // As the extension answers a bodiless request: after the router's END_STREAM, head and body, then the end.
    stream.on('end', () => {
      if (mode === 'end') {
        stream.end(Buffer.from('HTTP/1.1 200 OK\r\n\r\npong'))
        return
      }
      stream.cork()
      stream.write(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'))
      stream.write(Buffer.from('pong'))
      stream.uncork()
      stream.end()
    })
    stream.resume()
    stream.on('close', () => resolve())
  })
}
process.stdout.write(`${mode}: ${onDestroyed} of ${callbacks} write callbacks ran on a destroyed stream\n`)
session.close()
server.close()
