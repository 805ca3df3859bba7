// Small helpers around the `ws` client for the WebSocket tests (issue 18): the ws:// URL of a front-door path, a
// socket that opened (or the status that refused it), one echoed message, and an RFC 8441 extended CONNECT stream.
import { once } from 'node:events'
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2'
import WebSocket from 'ws'

export function wsUrl(frontDoorUrl: string, path: string): string {
  return `${frontDoorUrl.replace(/^http/, 'ws')}${path}`
}

/** Opens a `ws` client; rejects with the status when the handshake is answered with anything but 101. */
export async function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url)
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`handshake answered ${response.statusCode}`)),
    )
    socket.once('error', reject)
  })
  return socket
}

/** Sends `text` and resolves with the next message, as text. */
export async function echoOnce(socket: WebSocket, text: string): Promise<string> {
  const reply = once(socket, 'message') as Promise<[Buffer, boolean]>
  socket.send(text)
  const [data] = await reply
  return data.toString('utf8')
}

/**
 * Opens an RFC 8441 extended CONNECT for a WebSocket on `path`, once the server's SETTINGS allowed it (§3); the
 * stream's 'response' is the answer (200 when the app accepted).
 */
export async function extendedConnect(session: ClientHttp2Session, path: string): Promise<ClientHttp2Stream> {
  if (session.remoteSettings.enableConnectProtocol !== true) await once(session, 'remoteSettings')
  return session.request({
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':path': path,
    ':scheme': 'http',
    'sec-websocket-version': '13',
  })
}
