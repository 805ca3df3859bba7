// The cheapest relay over one HTTP/2 stream per connection, for bench/micro/echo-floor.ts: the bytes of each TCP
// connection cross one HTTP/2 connection between two processes as the body of one stream each way, opaque (no HTTP/1.1
// parsing, headers or hygiene), with the bare tunnel's windows. `back <app port>` serves h2c and pipes each stream to
// a new TCP connection to the app; `front <back port>` accepts TCP and pipes each connection to a new stream on one
// session to the back. Run: `node --import tsx bench/micro/h2-relay.ts front|back <port>`; prints `h2-relay listening
// on <port>`.
import { connect as connectHttp2, createServer as createHttp2Server, type Http2Session } from 'node:http2'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { BARE_HTTP2 } from '../bare-tunnel/http2.js'
import { pipeBothWays } from './relay-pipe.js'

const [role, portArgument] = process.argv.slice(2)
const upstreamPort = Number(portArgument)
if ((role !== 'front' && role !== 'back') || !Number.isInteger(upstreamPort) || upstreamPort <= 0) {
  process.stderr.write('usage: h2-relay.ts front|back <upstream port>\n')
  process.exit(2)
}

const settings = { initialWindowSize: BARE_HTTP2.streamWindowBytes }
const widen = (session: Http2Session): void => session.setLocalWindowSize(BARE_HTTP2.sessionWindowBytes)

function listen(server: Server | ReturnType<typeof createHttp2Server>): void {
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    if (address !== null && typeof address !== 'string') {
      process.stdout.write(`h2-relay listening on ${address.port}\n`)
    }
  })
}

if (role === 'back') {
  const server = createHttp2Server({ settings, maxSessionMemory: BARE_HTTP2.maxSessionMemoryMb })
  server.on('session', widen)
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 })
    pipeBothWays(stream, connect(upstreamPort, '127.0.0.1'))
  })
  listen(server)
} else {
  const session = connectHttp2(`http://127.0.0.1:${upstreamPort}`, {
    settings,
    maxSessionMemory: BARE_HTTP2.maxSessionMemoryMb,
  })
  session.once('connect', () => widen(session))
  listen(
    createServer((client: Socket) => {
      pipeBothWays(client, session.request({ ':method': 'POST', ':path': '/' }))
    }),
  )
}
process.once('SIGTERM', () => process.exit(0))
