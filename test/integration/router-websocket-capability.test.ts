// Issue 18: a WebSocket handshake goes only to instances that advertised the capability. The stand-in for the
// original extension is the scripted extension, whose channel POSTs carry no X-Lambda-Dispatch-Capabilities header.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { test } from 'node:test'
import { request } from 'undici'
import WebSocket from 'ws'
import type { RequestHead } from '../../src/protocol/index.js'
import { okApp, type ScriptedApp } from '../helpers/scripted-extension.js'
import { startRouter } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'
import { wsUrl } from '../helpers/ws-client.js'

test('a handshake to a pool served only by an extension without the capability gets 501 and never reaches it', async (t) => {
  const defer = teardown(t)
  const heads: RequestHead[] = []
  const app: ScriptedApp = (head, channel) => {
    heads.push(head)
    return okApp(head, channel)
  }
  // A kept instance: scale-in of an idle one between the steps would answer 503 instead.
  const router = await startRouter({ app, env: { LAMBDA_DISPATCH_MinInstances: '1' } })
  defer(() => router.close())
  const url = router.addresses.frontDoorUrl
  const warm = await request(`${url}/ping`)
  assert.equal(warm.statusCode, 200)
  await warm.body.dump()

  for (const path of ['/ws', '/ws?second']) {
    const socket = new WebSocket(wsUrl(url, path))
    socket.on('error', () => {})
    const [, response] = (await once(socket, 'unexpected-response')) as [unknown, IncomingMessage]
    let body = ''
    response.setEncoding('utf8')
    for await (const chunk of response) body += chunk
    assert.equal(response.statusCode, 501)
    assert.match(body, /LD_WEBSOCKET_UNSUPPORTED/)
    socket.terminate()
  }

  const after = await request(`${url}/ping`)
  assert.equal(after.statusCode, 200)
  assert.equal(await after.body.text(), 'ok')
  assert.deepEqual(
    heads.map((head) => head.target),
    ['/ping', '/ping'],
    'the extension without the capability saw only the two ordinary requests',
  )
})
