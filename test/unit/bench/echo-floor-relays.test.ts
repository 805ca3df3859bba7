// The two reference relays of bench/micro/echo-floor.ts carry a streamed echo byte for byte, as processes of their
// own in front of the demo app: the TCP pipe, and the pipe over one HTTP/2 stream per connection.
import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { bodyBlock, postEcho } from '../../../bench/lib/echo-client.js'
import { spawnReady } from '../../../bench/lib/processes.js'
import { startDemoApp } from '../../helpers/extension-harness.js'
import { teardown } from '../../helpers/teardown.js'

const ROOT = resolve(import.meta.dirname, '../../..')
const READY = /(?:tcp|h2)-relay listening on (\d+)/

async function startRelay(defer: (cleanup: () => unknown) => void, script: string, args: string[]): Promise<number> {
  const started = await spawnReady(script, [process.execPath, '--import', 'tsx', `bench/micro/${script}`, ...args], {
    cwd: ROOT,
    ready: READY,
    timeoutMs: 15_000,
  })
  defer(() => started.process.stop())
  return Number(started.match?.[1])
}

test('the TCP relays and the HTTP/2 relays echo a streamed body intact, twice on each', async (t) => {
  const defer = teardown(t)
  const app = await startDemoApp(t)
  const appPort = String(app.port)
  const tcpBack = await startRelay(defer, 'tcp-relay.ts', [appPort])
  const tcpFront = await startRelay(defer, 'tcp-relay.ts', [String(tcpBack)])
  const h2Back = await startRelay(defer, 'h2-relay.ts', ['back', appPort])
  const h2Front = await startRelay(defer, 'h2-relay.ts', ['front', String(h2Back)])
  const bodyBytes = 2 * 1024 * 1024 + 7
  for (const port of [tcpFront, tcpFront, h2Front, h2Front]) {
    const echo = await postEcho(`http://127.0.0.1:${port}`, bodyBlock(), bodyBytes)
    assert.deepEqual([echo.status, echo.receivedBytes, echo.intact], [200, bodyBytes, true], `through port ${port}`)
  }
})
