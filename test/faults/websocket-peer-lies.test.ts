// Issue 18, hostile peer: an extension that advertises WebSockets and then answers a handshake with a malformed head,
// or ends the stream without any: the client gets 502, the channel is released, and the next handshake (answered
// properly) and the next request are served by the same instance, without a restart.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { test } from 'node:test'
import { request } from 'undici'
import WebSocket from 'ws'
import { getHeader } from '../../src/protocol/index.js'
import { connectBack } from '../helpers/router-scripted-invoker.js'
import { okApp, type ScriptedApp } from '../helpers/scripted-extension.js'
import { startRouter } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'
import { wsUrl } from '../helpers/ws-client.js'

const RFC6455_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

const lyingApp: ScriptedApp = (head, channel) => {
  switch (head.target) {
    case '/garbage':
      channel.write('NOT AN HTTP RESPONSE\r\n\r\n')
      return
    case '/silent':
      channel.end()
      return
    case '/ws': {
      const key = getHeader(head.headers, 'sec-websocket-key') as string
      const accept = createHash('sha1').update(`${key}${RFC6455_GUID}`).digest('base64')
      channel.writeHead(101, ['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Accept', accept])
      channel.write(Buffer.from([0x81, 0x02, ...Buffer.from('ok')]))
      return
    }
    default:
      return okApp(head, channel)
  }
}

async function refusedStatus(url: string): Promise<{ status: number; body: string }> {
  const socket = new WebSocket(url)
  socket.on('error', () => {})
  const [, response] = (await once(socket, 'unexpected-response')) as [unknown, IncomingMessage]
  let body = ''
  response.setEncoding('utf8')
  for await (const chunk of response) body += chunk
  return { status: response.statusCode ?? 0, body }
}

test('a capable extension that lies about a handshake gives the client 502, and the next handshake and request are served', async (t) => {
  const defer = teardown(t)
  // A kept instance: scale-in of an idle one between the steps would answer 503 instead.
  const router = await startRouter({
    env: { LAMBDA_DISPATCH_MinInstances: '1' },
    behaviour: connectBack(lyingApp, { capabilities: 'websocket' }),
  })
  defer(() => router.close())
  const url = router.addresses.frontDoorUrl
  const warm = await request(`${url}/ping`)
  assert.equal(await warm.body.text(), 'ok')
  const invokesBefore = router.invoker.payloads.length

  const garbage = await refusedStatus(wsUrl(url, '/garbage'))
  assert.equal(garbage.status, 502, garbage.body)
  assert.match(garbage.body, /LD_BAD_UPSTREAM_HEAD/)
  const silent = await refusedStatus(wsUrl(url, '/silent'))
  assert.equal(silent.status, 502, silent.body)
  assert.match(silent.body, /LD_UPSTREAM_CLOSED/)

  const socket = new WebSocket(wsUrl(url, '/ws'))
  defer(() => socket.terminate())
  const [greeting] = (await once(socket, 'message')) as [Buffer]
  assert.equal(greeting.toString('utf8'), 'ok')
  const after = await request(`${url}/ping`)
  assert.equal(await after.body.text(), 'ok')
  assert.equal(router.invoker.payloads.length, invokesBefore, JSON.stringify(router.invoker.payloads))
})
