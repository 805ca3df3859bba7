// A scripted HTTP/1.1 app on a raw net server, for the keep-alive race (issue 6 item 3, issue 15 item 6): it answers
// every request (GET: "pong", POST: the body echoed), keeps the connection open, and closes it exactly when a request
// reuses it after the app's idle time ran out, before answering. That is the worst outcome of a real app's idle
// close crossing a request on the wire, made to happen every time instead of by chance. Every step is a record.
import { createServer, type Server, type Socket } from 'node:net'
import { EventLog } from './fault-stack.js'
import { listenOnFreePort } from './port.js'
import { parseChunkedBody } from './raw-http1-connection.js'

export type KeepAliveAppRecord =
  /** A request answered 200 on `connection`, the `index`th there (0 first). */
  | {
      readonly kind: 'answered'
      readonly connection: number
      readonly index: number
      readonly method: string
      readonly target: string
    }
  /** A request arrived on `connection` after its idle time ran out: the app closed the connection unanswered. */
  | { readonly kind: 'closed-on-reuse'; readonly connection: number; readonly method: string; readonly target: string }
  /** `connection` has been idle for the app's whole idle time; from now on a request there meets the close. */
  | { readonly kind: 'idle-expired'; readonly connection: number }
  /** The client closed `connection` (its end of the keep-alive). */
  | { readonly kind: 'client-closed'; readonly connection: number }

export interface KeepAliveAppOptions {
  /**
   * How long a connection may sit idle after an answer; 0: no reuse at all. A real timeout of the app, owned here.
   */
  readonly idleMs: number
  /** Whether answers announce it as `Keep-Alive: timeout=<whole seconds>`, as Node does; many servers stay silent. */
  readonly announce: boolean
}

export interface KeepAliveApp {
  readonly port: number
  readonly records: EventLog<KeepAliveAppRecord>
  close(): Promise<void>
}

interface Request {
  readonly method: string
  readonly target: string
  readonly body: Buffer
  /** Bytes the request took on the connection. */
  readonly length: number
}

/** The first whole request in `bytes`, or undefined while it is incomplete (Content-Length or chunked bodies). */
export function parseRequest(bytes: Buffer): Request | undefined {
  const headEnd = bytes.indexOf('\r\n\r\n')
  if (headEnd === -1) return undefined
  const [requestLine = '', ...lines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n')
  const [method = '', target = ''] = requestLine.split(' ')
  const headers = new Map(
    lines.map((line) => [
      line.slice(0, line.indexOf(':')).trim().toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  )
  const header = (name: string): string | undefined => headers.get(name)
  const offset = headEnd + 4
  if (header('transfer-encoding')?.toLowerCase() === 'chunked') {
    const chunked = parseChunkedBody(bytes, offset)
    return chunked && { method, target, body: chunked.body, length: chunked.end }
  }
  const length = Number(header('content-length') ?? 0)
  if (bytes.length < offset + length) return undefined
  return { method, target, body: bytes.subarray(offset, offset + length), length: offset + length }
}

/** Starts the app on an ephemeral loopback port. */
export async function startKeepAliveApp(options: KeepAliveAppOptions): Promise<KeepAliveApp> {
  const records = new EventLog<KeepAliveAppRecord>()
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let connections = 0
  const server: Server = createServer((socket) => {
    const connection = connections++
    sockets.add(socket)
    let received = Buffer.alloc(0)
    let answered = 0
    let expired = false
    let idleTimer: NodeJS.Timeout | undefined
    socket.on('error', () => {})
    socket.on('end', () => records.push({ kind: 'client-closed', connection }))
    // The idle timer outlives a connection the client closed: 'idle-expired' still marks when the app's idle time ran
    // out, the moment a test sends its next request.
    socket.on('close', () => sockets.delete(socket))
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      // The first bytes of a request on a connection past its idle time meet the app closing it.
      if (answered > 0 && expired) {
        const [line = ''] = received.toString('latin1').split('\r\n')
        const [method = '', target = ''] = line.split(' ')
        records.push({ kind: 'closed-on-reuse', connection, method, target })
        socket.destroy()
        return
      }
      const request = parseRequest(received)
      if (request === undefined) return
      received = received.subarray(request.length)
      if (idleTimer) {
        clearTimeout(idleTimer)
        timers.delete(idleTimer)
      }
      const body = request.method === 'POST' ? request.body : Buffer.from('pong')
      const keepAlive = options.announce ? `Keep-Alive: timeout=${Math.floor(options.idleMs / 1000)}\r\n` : ''
      socket.write(
        `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n${keepAlive}\r\n`,
        'latin1',
      )
      socket.write(body)
      records.push({ kind: 'answered', connection, index: answered, method: request.method, target: request.target })
      answered++
      if (options.idleMs === 0) {
        expired = true
        return
      }
      idleTimer = setTimeout(() => {
        expired = true
        records.push({ kind: 'idle-expired', connection })
      }, options.idleMs)
      timers.add(idleTimer)
    })
  })
  const port = await listenOnFreePort(server)
  return {
    port,
    records,
    async close() {
      for (const timer of timers) clearTimeout(timer)
      for (const socket of sockets) socket.destroy()
      await new Promise((resolveClosed) => server.close(resolveClosed))
    },
  }
}
