// Issue 18: WebSocket handshakes that wait for a capable channel are bounded in number (QueueLimit, apart from the
// request queue), not only by the queue timeout. One instance whose two channels both carry WebSockets gets a burst of
// five handshakes: two wait, three are refused at once with 503 LD_WEBSOCKET_NO_CAPACITY and Retry-After; the two get
// their 101 as channels come back, and then the pool serves sockets and requests as usual.
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { test } from 'node:test'
import { request } from 'undici'
import WebSocket from 'ws'
import type { WebSocketHandshake } from '../../src/router/events.js'
import { recordEvents } from '../helpers/fault-stack.js'
import { acceptHandshake, textFrame } from '../helpers/raw-websocket.js'
import { connectBack } from '../helpers/router-scripted-invoker.js'
import { okApp, type ScriptedApp } from '../helpers/scripted-extension.js'
import { startRouter } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'
import { wsUrl } from '../helpers/ws-client.js'

// Every socket is greeted with its own path and stays open until its client ends its side; then the app ends too.
const greetingApp: ScriptedApp = (head, channel) => {
  if (!head.target.startsWith('/ws')) return okApp(head, channel)
  acceptHandshake(head, channel)
  channel.write(textFrame(head.target))
  void channel.requestBody.then(() => channel.end())
}

type Handshake =
  | { readonly kind: 'open'; readonly socket: WebSocket; readonly greeting: string }
  | {
      readonly kind: 'refused'
      readonly status: number
      readonly retryAfter: string | undefined
      readonly body: string
    }

// A `ws` client's handshake: open (with its first message), or the status that refused it.
function handshake(url: string): Promise<Handshake> {
  const socket = new WebSocket(url)
  socket.on('error', () => {})
  return new Promise((resolve) => {
    socket.once('message', (data: Buffer) => resolve({ kind: 'open', socket, greeting: data.toString('utf8') }))
    socket.once('unexpected-response', async (_request, response: IncomingMessage) => {
      let body = ''
      response.setEncoding('utf8')
      for await (const chunk of response) body += chunk
      const retryAfter = response.headers['retry-after']
      resolve({ kind: 'refused', status: response.statusCode ?? 0, retryAfter, body })
    })
  })
}

function opened(result: Handshake): WebSocket {
  if (result.kind !== 'open') throw new Error(`expected an open socket, got ${result.status} ${result.body}`)
  return result.socket
}

test('a burst of handshakes beyond QueueLimit is refused with 503 at once, the waiting ones open as channels come back', async (t) => {
  const defer = teardown(t)
  const router = await startRouter({
    env: {
      // One kept instance with two channels (MaxConcurrentCount 1), and room for two waiting handshakes.
      LAMBDA_DISPATCH_MinInstances: '1',
      LAMBDA_DISPATCH_MaxInstances: '1',
      LAMBDA_DISPATCH_MaxConcurrentCount: '1',
      LAMBDA_DISPATCH_QueueLimit: '2',
      // Long enough that only a channel coming back, never the timeout, ends a wait.
      LAMBDA_DISPATCH_IncomingRequestTimeout: '10m',
    },
    behaviour: connectBack(greetingApp, { capabilities: 'websocket' }),
  })
  defer(() => router.close())
  const url = router.addresses.frontDoorUrl
  const handshakes = recordEvents(router.router.events.webSocketHandshake)
  const sockets: WebSocket[] = []
  defer(() => {
    for (const socket of sockets) socket.terminate()
  })
  const ping = await request(`${url}/ping`)
  assert.equal(await ping.body.text(), 'ok')

  // Both channels become WebSockets (the scripted extension parks no replacement): none is left for a handshake.
  for (const path of ['/ws/a', '/ws/b']) {
    const result = await handshake(wsUrl(url, path))
    sockets.push(opened(result))
    assert.equal(result.kind === 'open' && result.greeting, path)
  }

  const burst = ['/ws/1', '/ws/2', '/ws/3', '/ws/4', '/ws/5'].map((path) => handshake(wsUrl(url, path)))
  const refusals = handshakes.mark()
  // Three are refused while two wait: the refusals come before any channel comes back.
  let from = refusals
  for (let count = 0; count < 3; count++) {
    const refusal = await handshakes.next((event) => event.outcome === 'no-capacity', from)
    from = handshakes.records.indexOf(refusal) + 1
  }
  const noCapacity = (events: readonly WebSocketHandshake[]): number =>
    events.filter((event) => event.outcome === 'no-capacity').length
  assert.equal(noCapacity(handshakes.records), 3)
  assert.equal(handshakes.records.length - refusals, 3, 'the two others still wait')

  // Channels come back as the first two clients go: the waiting handshakes get them.
  for (const socket of sockets.splice(0)) socket.terminate()
  const results = await Promise.all(burst)
  const refused = results.filter((result) => result.kind === 'refused')
  assert.deepEqual(
    refused.map((result) => [result.status, result.retryAfter]),
    [
      [503, '1'],
      [503, '1'],
      [503, '1'],
    ],
  )
  for (const result of refused) {
    assert.match(result.body, /LD_WEBSOCKET_NO_CAPACITY/)
    assert.match(result.body, /2 handshakes already wait/)
  }
  const open = results.filter((result) => result.kind === 'open')
  assert.equal(open.length, 2)
  sockets.push(...open.map(opened))
  assert.equal(noCapacity(handshakes.records), 3, 'the waiting ones were never refused')

  // Serving as usual: once these go too, a new socket opens and a request is answered.
  for (const socket of sockets.splice(0)) socket.terminate()
  const again = await handshake(wsUrl(url, '/ws/again'))
  sockets.push(opened(again))
  assert.equal(again.kind === 'open' && again.greeting, '/ws/again')
  const after = await request(`${url}/ping`)
  assert.equal(await after.body.text(), 'ok')
})
