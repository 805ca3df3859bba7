// A Lambda API endpoint the fault tests can take down and bring back: a loopback HTTP proxy in front of the local
// Lambda service. 'up' forwards every call; 'down' resets every connection, the ones in flight (running invokes)
// included, as an endpoint that went away does; 'throttle' answers every Invoke with Lambda's 429
// TooManyRequestsException. The router reaches it through AWS_ENDPOINT_URL_LAMBDA, with the real AWS SDK.
import { once } from 'node:events'
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http'
import { tooManyRequests } from '../../src/local/aws-errors.js'
import { deferred } from './deferred.js'

export type EndpointMode = 'up' | 'down' | 'throttle'

export interface LambdaEndpointSwitch {
  /** `http://127.0.0.1:<port>`: give it to the router as AWS_ENDPOINT_URL_LAMBDA. */
  readonly url: string
  /** Calls that reached the switch, by the mode they met. */
  readonly calls: Record<EndpointMode, number>
  /** Where 'up' forwards to: the local Lambda's endpoint, known once the stack runs. Calls wait for it. */
  forwardTo(endpoint: string): void
  /** Changes the mode; 'down' also resets every connection open now. */
  set(mode: EndpointMode): void
  close(): Promise<void>
}

export async function startLambdaEndpointSwitch(initial: EndpointMode): Promise<LambdaEndpointSwitch> {
  let mode = initial
  const { promise: target, resolve: resolveTarget } = deferred<URL>()
  const setTarget = (endpoint: string): void => resolveTarget(new URL(endpoint))
  const calls: Record<EndpointMode, number> = { up: 0, down: 0, throttle: 0 }

  const forward = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const upstreamUrl = await target
    const upstream = request(
      { host: upstreamUrl.hostname, port: upstreamUrl.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    res.on('close', () => upstream.destroy())
    req.pipe(upstream)
  }

  const server: Server = createServer((req, res) => {
    calls[mode]++
    switch (mode) {
      case 'down':
        req.socket.destroy()
        return
      case 'throttle': {
        const answer = tooManyRequests('ReservedFunctionConcurrentInvocationLimitExceeded')
        req.resume()
        res.writeHead(answer.status, answer.headers)
        res.end(answer.body)
        return
      }
      case 'up':
        void forward(req, res)
        return
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    forwardTo: (endpoint) => setTarget(endpoint),
    set(next) {
      mode = next
      if (next === 'down') server.closeAllConnections()
    },
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
