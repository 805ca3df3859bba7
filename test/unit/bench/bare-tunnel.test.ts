// Issue 16: the bare tunnel, the benchmarks' reference floor, relays what the cells and the echo send it, byte for
// byte, through its real router and extension processes, with more requests at once than it has channels.
import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { startBareTunnel } from '../../../bench/lib/bare-tunnel.js'
import { bodyBlock, postEcho } from '../../../bench/lib/echo-client.js'
import { readProcStat } from '../../../bench/lib/proc.js'
import { patternBytes } from '../../../src/demo-app/routes.js'
import { startDemoApp } from '../../helpers/extension-harness.js'
import { teardown } from '../../helpers/teardown.js'

const ROOT = resolve(import.meta.dirname, '../../..')

test('the bare tunnel relays /ping, a 64 KiB body and a streamed echo intact, more at once than it parks', async (t) => {
  const defer = teardown(t)
  const app = await startDemoApp(t)
  const bare = await startBareTunnel({ root: ROOT, appUrl: `http://127.0.0.1:${app.port}`, channels: 2 })
  defer(() => bare.close())
  const groups = bare.processGroups()
  assert.equal(groups.router?.length, 1)
  assert.equal(groups.extension?.length, 1)

  const pings = await Promise.all(
    Array.from({ length: 12 }, async () => {
      const response = await fetch(`${bare.frontDoorUrl}/ping`)
      return [response.status, await response.text()]
    }),
  )
  assert.deepEqual(
    pings,
    Array.from({ length: 12 }, () => [200, 'pong']),
  )

  const bytes = await fetch(`${bare.frontDoorUrl}/bytes?n=65536`)
  assert.equal(bytes.status, 200)
  assert.deepEqual(Buffer.from(await bytes.arrayBuffer()), patternBytes(65_536))

  const echoBytes = 3 * 1024 * 1024 + 5
  const echo = await postEcho(bare.frontDoorUrl, bodyBlock(), echoBytes)
  assert.deepEqual([echo.status, echo.receivedBytes, echo.intact], [200, echoBytes, true])

  await bare.close()
  for (const pid of [...(groups.router ?? []), ...(groups.extension ?? [])]) {
    assert.equal(readProcStat(pid), undefined, `process ${pid} is gone after close()`)
  }
})
