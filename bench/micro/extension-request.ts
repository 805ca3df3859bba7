// Microbenchmark of the extension's whole per-request cost (issue 16): one real invoke (Invocation, its channels, the
// app pool) in this process; a child process holds the demo app and a minimal router that writes wrk's `GET /ping`
// head into each parked channel as soon as it is answered, so `channels` requests are always in flight. Over
// `requests` requests after a warm-up it prints this process's CPU per request (process.cpuUsage, user and system)
// and the bytes it allocated per request (v8.GCProfiler: heap growth between collections plus what each one freed),
// for two runs. Only this process is measured: the child's work is the router's and the app's.
// Run: `node --import tsx bench/micro/extension-request.ts [requests] [channels]`.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type ServerHttp2Stream } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { createSilentLogger } from '../../src/common/index.js'
import { createDemoServer } from '../../src/demo-app/server.js'
import { loadExtensionConfig } from '../../src/extension/config.js'
import { Invocation } from '../../src/extension/invocation.js'
import { createTcpProbe } from '../../src/extension/readiness.js'
import { AppClient } from '../../src/extension/relay.js'
import { ExtensionTelemetry } from '../../src/extension/telemetry.js'
import {
  CAPABILITY_WEBSOCKET,
  CONTROL_PATH_PREFIX,
  HEADER_CAPABILITIES,
  TUNNEL_CONTENT_TYPE,
} from '../../src/protocol/index.js'
import { measurePerRequest } from './per-request.js'

interface Ready {
  readonly appPort: number
  readonly routerUrl: string
}
type PeerCommand = { readonly kind: 'count'; readonly requests: number } | { readonly kind: 'stop' }

if (process.argv[2] === '--peer') await runPeer()
else await runExtension(Number(process.argv[2] ?? '20000'), Number(process.argv[3] ?? '50'), process.argv[4] === 'bare')

async function runExtension(requests: number, channels: number, bare: boolean): Promise<void> {
  // The child runs as this process does (through tsx, or bundled), without its profiling flags.
  const execArgv = process.execArgv.filter((flag) => !/^--(cpu|heap)-prof/.test(flag))
  const peer = fork(import.meta.filename, ['--peer'], { execArgv })
  const [ready] = (await once(peer, 'message')) as [Ready]
  const label = `${requests} requests, ${channels} channels`
  const counted = (count: number): Promise<unknown> => {
    peer.send({ kind: 'count', requests: count } satisfies PeerCommand)
    return once(peer, 'message')
  }
  if (bare) {
    // The bare tunnel's extension (bench/bare-tunnel/extension.ts) in this process instead, for comparison.
    process.env.BARE_ROUTER_URL = ready.routerUrl
    process.env.BARE_APP_URL = `http://127.0.0.1:${ready.appPort}`
    process.env.BARE_CHANNELS = String(channels)
    await import('../bare-tunnel/extension.js')
    await counted(requests)
    process.stdout.write(`bare extension, ${await measurePerRequest(requests, label, counted)}`)
    process.exit(0)
  }
  const config = loadExtensionConfig({
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9',
    LAMBDA_DISPATCH_PORT: String(ready.appPort),
  })
  const app = new AppClient({
    port: ready.appPort,
    keepAliveTimeoutMs: config.appKeepAliveTimeoutMs,
    connectTimeoutMs: config.appConnectTimeoutMs,
  })
  const invocation = new Invocation(
    {
      poolId: 'default',
      id: 'lambda-micro',
      dispatcherUrl: ready.routerUrl,
      numberOfChannels: channels,
      sentTime: new Date().toISOString(),
      initOnly: false,
      channelToken: 'token-micro',
    },
    Date.now() + 3_600_000,
    Date.now(),
    {
      config,
      app,
      appAlive: createTcpProbe(ready.appPort, 1_000),
      telemetry: new ExtensionTelemetry(createSilentLogger()),
    },
  )
  const finished = invocation.run()
  await counted(requests)
  process.stdout.write(await measurePerRequest(requests, label, counted))
  peer.send({ kind: 'stop' } satisfies PeerCommand)
  invocation.shutdown(Date.now())
  await finished
  await app.close()
  peer.disconnect()
}

// The router's side and the app, in the child.
async function runPeer(): Promise<void> {
  const demo = createDemoServer({ exitProcess: () => demo.closeAllConnections() })
  demo.listen(0, '127.0.0.1')
  await once(demo, 'listening')
  const appPort = (demo.address() as AddressInfo).port
  const head = Buffer.from(
    `GET /ping HTTP/1.1\r\nHost: 127.0.0.1:${appPort}\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\n` +
      'X-Request-Id: 0123456789abcdef0123456789abcdef\r\n\r\n',
    'latin1',
  )
  let stopping = false
  let remaining = 0
  const send = (stream: ServerHttp2Stream): void => {
    stream.on('data', () => {})
    stream.once('end', () => {
      if (--remaining === 0) process.send?.('counted')
    })
    stream.end(head)
  }
  const router = createServer({ settings: { maxConcurrentStreams: 1000 } })
  router.on('stream', (stream, headers) => {
    stream.on('error', () => {})
    const path = String(headers[':path'])
    if (!path.startsWith(`${CONTROL_PATH_PREFIX}/request/`)) {
      stream.respond({ ':status': 200 }, { endStream: true })
      return
    }
    stream.respond({
      ':status': stopping ? 409 : 200,
      'content-type': TUNNEL_CONTENT_TYPE,
      [HEADER_CAPABILITIES]: CAPABILITY_WEBSOCKET,
    })
    if (stopping) stream.end()
    else send(stream)
  })
  router.listen(0, '127.0.0.1')
  await once(router, 'listening')
  process.on('message', (command: PeerCommand) => {
    if (command.kind === 'count') remaining = command.requests
    else stopping = true
  })
  process.once('disconnect', () => {
    router.close()
    demo.closeAllConnections()
    demo.close()
  })
  process.send?.({ appPort, routerUrl: `http://127.0.0.1:${(router.address() as AddressInfo).port}` } satisfies Ready)
}
