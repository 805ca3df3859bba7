// The loopback HTTP listener of one execution environment: AWS_LAMBDA_RUNTIME_API points here, and it serves the
// Runtime API and the Extensions API. Owns the server and its connections.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type AddressInfo, createServer as createNetServer } from 'node:net'

export type PathHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean

export class ApiServer {
  /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API; kept after close for snapshots. */
  readonly address: string
  readonly #server: Server

  private constructor(server: Server) {
    this.#server = server
    this.address = `127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  /** Listens on 127.0.0.1:0 and routes each request to the first handler that claims its path. */
  static async start(handlers: readonly PathHandler[]): Promise<ApiServer> {
    const server = createServer({ requestTimeout: 0 }, (req, res) => {
      const pathname = (req.url ?? '/').split('?')[0] as string
      if (handlers.some((handle) => handle(req, res, pathname))) return
      req.resume()
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ errorMessage: `no such API: ${pathname}`, errorType: 'NotFound' }))
    })
    // Long-polls and frozen clients: an idle keep-alive connection must stay usable for as long as the
    // environment lives, because a frozen process cannot notice the server closing it. 0 disables the timeout.
    server.keepAliveTimeout = 0
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return new ApiServer(server)
  }

  async close(): Promise<void> {
    const closed = once(this.#server, 'close')
    this.#server.close()
    this.#server.closeAllConnections()
    await closed
  }
}

/**
 * A loopback port free right now, for an app that must be told its port before it starts. Another process may take
 * it between this check and the app's bind; the app then fails to start and the environment with it.
 */
export async function findFreePort(): Promise<number> {
  const probe = createNetServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as AddressInfo
  probe.close()
  await once(probe, 'close')
  return port
}
