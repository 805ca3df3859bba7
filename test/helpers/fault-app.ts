// The demo app with the extra misbehaviour and visibility the fault matrix needs, run as a local Lambda runtime
// command (a child process). Every demo route works unchanged; in addition:
//   GET /fault/garbage-head   answers bytes that are not an HTTP/1.1 response head, then closes the connection
//   GET /fault/progress       JSON: for each response still being written, its target and the body bytes the app
//                             handed to node:http so far (a response held back by flow control stops growing)
// Settings from the environment:
//   PORT                           where to listen (set by the local Lambda's portVariables)
//   FAULT_APP_REPORT_PORT          a loopback port of the test process: one JSON line per request event is written
//                                  there ({event: 'request' | 'finished' | 'aborted', method, target, pid})
//   DEMO_APP_KEEP_ALIVE_TIMEOUT_MS as in the demo app
//   FAULT_APP_FAIL_AT_START_IF      a file path: while that file exists, the app exits with status 1 at start (a
//                                  function that fails at init); once it is removed, new environments start cleanly
import { existsSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import { createDemoServer } from '../../src/demo-app/server.js'

export type FaultAppEvent = 'request' | 'finished' | 'aborted'

export interface FaultAppReport {
  readonly event: FaultAppEvent
  readonly method: string
  readonly target: string
  readonly pid: number
}

const failAtStartIf = process.env.FAULT_APP_FAIL_AT_START_IF
if (failAtStartIf && existsSync(failAtStartIf)) {
  process.stderr.write(`fault-app: ${failAtStartIf} exists; failing at start\n`)
  process.exit(1)
}

const port = Number(process.env.PORT ?? '0')
const reportPort = process.env.FAULT_APP_REPORT_PORT
const keepAliveTimeoutMs = process.env.DEMO_APP_KEEP_ALIVE_TIMEOUT_MS
  ? Number(process.env.DEMO_APP_KEEP_ALIVE_TIMEOUT_MS)
  : undefined

let reports: Socket | undefined
if (reportPort) {
  reports = connect(Number(reportPort), '127.0.0.1')
  // The test process going away must not take the app down with an unhandled error.
  reports.on('error', () => {})
}

function report(event: FaultAppEvent, req: IncomingMessage): void {
  const line: FaultAppReport = { event, method: req.method ?? '', target: req.url ?? '', pid: process.pid }
  reports?.write(`${JSON.stringify(line)}\n`)
}

const server = createDemoServer(keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeoutMs })
const [demoHandler] = server.listeners('request') as [(req: IncomingMessage, res: ServerResponse) => void]
server.removeAllListeners('request')

// Body bytes accepted by res.write/res.end per response still open, for /fault/progress.
const progress = new Map<ServerResponse, { target: string; bodyBytes: number }>()

function countBodyBytes(req: IncomingMessage, res: ServerResponse): void {
  const entry = { target: req.url ?? '', bodyBytes: 0 }
  progress.set(res, entry)
  const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) entry.bodyBytes += Buffer.byteLength(chunk)
    return write(chunk, ...rest)
  }) as ServerResponse['write']
  res.once('close', () => progress.delete(res))
}

server.on('request', (req: IncomingMessage, res: ServerResponse) => {
  report('request', req)
  res.once('close', () => report(res.writableFinished ? 'finished' : 'aborted', req))
  if (req.url === '/fault/garbage-head') {
    req.resume()
    // A status line without a status code, and a header line without a colon.
    res.socket?.end('HTTP/1.1 OK\r\nthis is not a header\r\n\r\n')
    return
  }
  if (req.url === '/fault/progress') {
    const body = JSON.stringify([...progress.values()])
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
    res.end(body)
    return
  }
  countBodyBytes(req, res)
  demoHandler(req, res)
})

server.listen(port, '127.0.0.1', () => {
  const address = server.address()
  const bound = typeof address === 'object' && address !== null ? address.port : port
  process.stdout.write(`fault-app listening on http://127.0.0.1:${bound}\n`)
})

const stop = (): void => {
  server.close()
  server.closeAllConnections()
  reports?.end()
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
