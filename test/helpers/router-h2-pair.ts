// A loopback HTTP/2 server and client for unit tests that need real ServerHttp2Streams (channels, the tunnel
// writer): `open()` starts a client POST and hands back both ends. Cleans up through teardown(t).
import { once } from 'node:events'
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  createServer,
  type Http2Server,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { teardown } from './teardown.js'

export interface StreamPair {
  readonly server: ServerHttp2Stream
  readonly client: ClientHttp2Stream
  /** DATA chunks the client received. */
  readonly received: Buffer[]
  /** Resolves when the client stream closed, with its RST_STREAM code (0 when clean) and whether HEADERS arrived. */
  readonly clientClosed: Promise<{ rstCode: number; gotResponse: boolean }>
}

export async function startH2Pair(t: TestContext): Promise<{ open(path?: string): Promise<StreamPair> }> {
  const server: Http2Server = createServer()
  const streams: ServerHttp2Stream[] = []
  const waiting: Array<(stream: ServerHttp2Stream) => void> = []
  const sessions = new Set<ServerHttp2Session>()
  server.on('session', (session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
  })
  server.on('stream', (stream) => {
    stream.on('error', () => {})
    const taker = waiting.shift()
    if (taker) taker(stream)
    else streams.push(stream)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const session: ClientHttp2Session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  session.on('error', () => {})
  teardown(t)(async () => {
    // Node 20 spins forever in session.destroy() called in the same turn as a stream's 'close' (a test body that
    // just awaited one); a turn boundary first avoids it.
    await new Promise((resolve) => setImmediate(resolve))
    session.destroy()
    // Http2Server.close() waits for every session; the server side of a destroyed client session can linger.
    for (const serverSession of sessions) serverSession.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return {
    async open(path = '/api/chunked/request/L/C') {
      const client = session.request({ ':method': 'POST', ':path': path }, { endStream: false })
      client.on('error', () => {})
      const received: Buffer[] = []
      let gotResponse = false
      client.on('response', () => {
        gotResponse = true
      })
      client.on('data', (chunk: Buffer) => received.push(chunk))
      const clientClosed = new Promise<{ rstCode: number; gotResponse: boolean }>((resolve) =>
        client.once('close', () => resolve({ rstCode: client.rstCode ?? 0, gotResponse })),
      )
      const serverStream = streams.shift() ?? (await new Promise<ServerHttp2Stream>((resolve) => waiting.push(resolve)))
      return { server: serverStream, client, received, clientClosed }
    },
  }
}
