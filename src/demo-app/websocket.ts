// The demo app's WebSocket endpoint (issue 18): `/ws` echoes every message back as it came (text or binary), built
// on `ws`. Other upgrade paths get 404, and a bad handshake the answer `ws` gives (400). Touches only the sockets it
// upgraded; `closeAll()` ends them.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'

export const WEBSOCKET_ECHO_PATH = '/ws'

/** The upgrade handler for a node:http server, and how to end every socket it opened. */
export interface DemoWebSockets {
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  closeAll(): void
}

export function createDemoWebSockets(): DemoWebSockets {
  // 100 MiB per message, the library's default, stated: the echo holds one message at a time per socket.
  const server = new WebSocketServer({ noServer: true, maxPayload: 100 * 1024 * 1024 })
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }))
    socket.on('error', () => socket.terminate())
  })
  return {
    onUpgrade(req, socket, head) {
      const path = new URL(req.url ?? '/', 'http://demo-app.invalid').pathname
      if (path !== WEBSOCKET_ECHO_PATH) {
        const body = `no WebSocket endpoint at ${path}\n`
        socket.end(
          `HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        )
        return
      }
      server.handleUpgrade(req, socket, head, (upgraded) => server.emit('connection', upgraded, req))
    },
    closeAll() {
      for (const client of server.clients) client.terminate()
    },
  }
}
