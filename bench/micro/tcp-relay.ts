// The cheapest relay a Node process can be, for bench/micro/echo-floor.ts: accepts TCP on 127.0.0.1 and pipes each
// connection both ways to one upstream port, with no HTTP at all. Run: `node --import tsx bench/micro/tcp-relay.ts
// <upstream port>`; prints `tcp-relay listening on <port>`.
import { connect, createServer, type Socket } from 'node:net'
import { pipeBothWays } from './relay-pipe.js'

const upstreamPort = Number(process.argv[2])
if (!Number.isInteger(upstreamPort) || upstreamPort <= 0) {
  process.stderr.write('usage: tcp-relay.ts <upstream port>\n')
  process.exit(2)
}

const server = createServer((client: Socket) => pipeBothWays(client, connect(upstreamPort, '127.0.0.1')))
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address !== null && typeof address !== 'string') process.stdout.write(`tcp-relay listening on ${address.port}\n`)
})
process.once('SIGTERM', () => process.exit(0))
