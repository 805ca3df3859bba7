// Microbenchmark of the router's whole per-request cost (issue 16): the real router (front door, pool, dispatcher,
// instances, channels, tunnel exchange, telemetry) in this process, with an invoker that hands each invoke to a child
// process. The child connects back as a minimal extension: it parks the invoke's channels (the channel POSTs of
// original-protocol.md §3.5, with the headers our extension sends), answers each tunnelled `GET /ping` inline as the
// demo app would and parks again, and it runs a closed-loop HTTP/1.1 client (undici Pool, one keep-alive connection
// per request in flight) that keeps `concurrency` requests in flight through the front door. Over `requests` requests
// after a warm-up it prints this process's CPU and bytes allocated per request (bench/micro/per-request.ts), for two
// runs. `bare` measures the bare tunnel's router (bench/bare-tunnel/router.ts) in this process instead.
// Run: `node --import tsx bench/micro/router-request.ts [requests] [concurrency] [bare]`; bundled as the router ships
// (under tsx every closure also pays esbuild's `__name`): `npx esbuild bench/micro/router-request.ts --bundle
// --platform=node --format=esm --target=node20 --outfile=/tmp/router-request.mjs --banner:js="import { createRequire }
// from 'node:module'; const require = createRequire(import.meta.url);"` then `node /tmp/router-request.mjs`.
import { fork } from 'node:child_process'
import { type ClientHttp2Stream, connect } from 'node:http2'
import { connect as connectTcp } from 'node:net'
import { Pool } from 'undici'
import { createSilentLogger } from '../../src/common/index.js'
import {
  CAPABILITY_WEBSOCKET,
  channelPath,
  createRequestHeadParser,
  HEADER_CAPABILITIES,
  HEADER_CHANNEL_ID,
  HEADER_CHANNEL_TOKEN,
  HEADER_LAMBDA_ID,
  HEADER_POOL_ID,
  isGoaway,
  TUNNEL_CONTENT_TYPE,
  TUNNEL_HEADER_CHANNEL_ID,
  TUNNEL_HEADER_LAMBDA_ID,
  type WaiterRequest,
} from '../../src/protocol/index.js'
import { createRouter, type InvokeOutcome, loadRouterConfig } from '../../src/router/index.js'
import { BARE_HTTP2 } from '../bare-tunnel/http2.js'
import { measurePerRequest } from './per-request.js'

type ParentCommand =
  | { readonly kind: 'invoke'; readonly payload: WaiterRequest }
  | { readonly kind: 'load'; readonly frontDoorUrl: string; readonly concurrency: number }
  | { readonly kind: 'count'; readonly requests: number }
type ChildReport = { readonly kind: 'counted' } | { readonly kind: 'ended'; readonly id: string }

// As the benchmark's dispatch path (bench/lib/dispatch-stack.ts), with one instance carrying every request.
const ROUTER_ENV = {
  LAMBDA_DISPATCH_FunctionName: 'micro-function',
  LAMBDA_DISPATCH_ListenHost: '127.0.0.1',
  LAMBDA_DISPATCH_IncomingRequestHTTPPort: '0',
  LAMBDA_DISPATCH_ControlChannelInsecureHTTP2Port: '0',
  LAMBDA_DISPATCH_ControlChannelHTTP2Port: '0',
  LAMBDA_DISPATCH_AdminPort: '0',
  LAMBDA_DISPATCH_AllowInsecureControlChannel: 'true',
  LAMBDA_DISPATCH_PreferredControlChannelScheme: 'http',
  LAMBDA_DISPATCH_RouterCallbackHost: '127.0.0.1',
  LAMBDA_DISPATCH_FunctionTimeout: '15m',
  LAMBDA_DISPATCH_AccessLog: 'false',
  LAMBDA_DISPATCH_MaxConcurrentCount: '100',
}

if (process.argv[2] === '--peer') runPeer()
else await runRouter(Number(process.argv[2] ?? '20000'), Number(process.argv[3] ?? '50'), process.argv[4] === 'bare')

async function runRouter(requests: number, concurrency: number, bare: boolean): Promise<void> {
  // The child runs as this process does (through tsx, or bundled), without its profiling flags.
  const execArgv = process.execArgv.filter((flag) => !/^--(cpu|heap)-prof/.test(flag))
  const peer = fork(import.meta.filename, ['--peer'], { execArgv })
  const send = (command: ParentCommand): void => {
    peer.send(command)
  }
  const ended = new Map<string, () => void>()
  let onCounted = (): void => {}
  peer.on('message', (report: ChildReport) => {
    if (report.kind === 'counted') onCounted()
    else ended.get(report.id)?.()
  })
  const counted = (count: number): Promise<void> =>
    new Promise((resolve) => {
      onCounted = resolve
      send({ kind: 'count', requests: count })
    })
  const label = `${requests} requests, ${concurrency} in flight`
  if (bare) {
    const { frontUrl, controlUrl } = await startBareRouter()
    send({ kind: 'invoke', payload: bareInvoke(controlUrl, concurrency * 2) })
    send({ kind: 'load', frontDoorUrl: frontUrl, concurrency })
    await counted(requests)
    process.stdout.write(`bare router, ${await measurePerRequest(requests, label, counted)}`)
    process.exit(0)
  }
  const router = createRouter(loadRouterConfig(ROUTER_ENV), {
    logger: createSilentLogger(),
    env: {},
    invoker: {
      invoke: ({ payload }, signal): Promise<InvokeOutcome> => {
        const startedMs = performance.now()
        const completed = (): InvokeOutcome => ({
          kind: 'completed',
          response: { poolId: payload.poolId, id: payload.id, requestCount: 0, exitReason: 'RouterGoAway' },
          functionError: undefined,
          durationMs: performance.now() - startedMs,
        })
        if (payload.initOnly) return Promise.resolve(completed())
        send({ kind: 'invoke', payload })
        return new Promise((resolve) => {
          ended.set(payload.id, () => resolve(completed()))
          signal.addEventListener('abort', () => resolve(completed()), { once: true })
        })
      },
      close: async () => {},
    },
  })
  const { frontDoorUrl } = await router.start()
  send({ kind: 'load', frontDoorUrl, concurrency })
  await counted(requests)
  process.stdout.write(await measurePerRequest(requests, label, counted))
  await router.close()
  peer.disconnect()
}

/** Starts the bare tunnel's router in this process and reads its URLs from the line it prints. */
async function startBareRouter(): Promise<{ frontUrl: string; controlUrl: string }> {
  const write = process.stdout.write
  let line = ''
  process.stdout.write = ((chunk: string) => {
    line += chunk
    return true
  }) as typeof process.stdout.write
  await import('../bare-tunnel/router.js')
  process.stdout.write = write
  const match = /front=(\S+) control=(\S+)/.exec(line)
  if (match === null) throw new Error(`the bare router printed ${JSON.stringify(line)}`)
  return { frontUrl: match[1] as string, controlUrl: match[2] as string }
}

function bareInvoke(dispatcherUrl: string, channels: number): WaiterRequest {
  return {
    poolId: 'default',
    id: 'lambda-bare',
    dispatcherUrl,
    numberOfChannels: channels,
    sentTime: new Date().toISOString(),
    initOnly: false,
  }
}

// The extensions and the client, in the child.
function runPeer(): void {
  let pool: Pool | undefined
  let concurrency = 0
  let remaining = 0
  const report = (message: ChildReport): void => {
    process.send?.(message)
  }
  let inFlight = 0
  const start = (count: number): void => {
    remaining = count
    inFlight = 0
    for (let index = 0; index < concurrency; index++) {
      inFlight++
      void loop()
    }
  }
  // One closed loop per connection: its next request leaves when its last one answered.
  const loop = async (): Promise<void> => {
    while (remaining > 0 && pool !== undefined) {
      remaining--
      const { body } = await pool.request({ path: '/ping', method: 'GET' })
      await body.dump()
    }
    if (--inFlight === 0) report({ kind: 'counted' })
  }
  process.on('message', (command: ParentCommand) => {
    if (command.kind === 'invoke') serveInvoke(command.payload, () => report({ kind: 'ended', id: command.payload.id }))
    else if (command.kind === 'load') {
      pool = new Pool(command.frontDoorUrl, { connections: command.concurrency, pipelining: 1 })
      concurrency = command.concurrency
    } else start(command.requests)
  })
  process.once('disconnect', () => {
    void pool?.close()
    process.exit(0)
  })
}

/** A minimal extension for one invoke: its channels parked on one h2c session, each answering `/ping` inline. */
function serveInvoke(payload: WaiterRequest, onEnded: () => void): void {
  const session = connect(payload.dispatcherUrl, {
    createConnection: (url: URL) => connectTcp({ host: url.hostname, port: Number(url.port), noDelay: true }),
    settings: { enablePush: false, initialWindowSize: BARE_HTTP2.streamWindowBytes },
    maxSessionMemory: BARE_HTTP2.maxSessionMemoryMb,
    peerMaxConcurrentStreams: 1000,
  })
  session.on('error', () => undefined)
  session.once('close', onEnded)
  let open = payload.numberOfChannels
  const closeChannel = (): void => {
    if (--open === 0) session.close()
  }
  const token = payload.channelToken === undefined ? {} : { [HEADER_CHANNEL_TOKEN]: payload.channelToken }
  const park = (channelId: string, answer: Buffer): void => {
    const stream = session.request(
      {
        ':method': 'POST',
        ':path': channelPath(payload.id, channelId),
        date: new Date().toUTCString(),
        'content-type': TUNNEL_CONTENT_TYPE,
        [HEADER_POOL_ID]: payload.poolId,
        [HEADER_LAMBDA_ID]: payload.id,
        [HEADER_CHANNEL_ID]: channelId,
        [HEADER_CAPABILITIES]: CAPABILITY_WEBSOCKET,
        ...token,
      },
      { endStream: false },
    )
    stream.on('error', () => undefined)
    // A refusal (409 once the instance is told to go) or a goaway ends the channel; any other close parks it again.
    let last = false
    stream.once('response', (headers) => {
      last = headers[':status'] !== 200
      if (last) stream.close()
    })
    const parser = createRequestHeadParser()
    const onData = (chunk: Buffer): void => {
      const parsed = parser.push(chunk)
      if (parsed === undefined) return
      stream.off('data', onData)
      stream.resume()
      last = isGoaway(parsed.head)
      answerWith(stream, last ? undefined : answer)
    }
    stream.on('data', onData)
    stream.once('close', () => {
      if (last || session.closed) closeChannel()
      else park(channelId, answer)
    })
  }
  for (let index = 0; index < payload.numberOfChannels; index++) {
    const channelId = `${payload.id}-ch${index}`
    park(
      channelId,
      Buffer.from(
        `HTTP/1.1 200 OK\r\n${TUNNEL_HEADER_LAMBDA_ID}: ${payload.id}\r\n${TUNNEL_HEADER_CHANNEL_ID}: ${channelId}\r\n` +
          'Content-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\npong',
        'latin1',
      ),
    )
  }
}

function answerWith(stream: ClientHttp2Stream, answer: Buffer | undefined): void {
  if (answer === undefined) stream.end()
  else stream.end(answer)
}
