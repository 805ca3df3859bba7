// The benchmark's echo client in its own process: it warms up before the meters start, then times exactly the
// repetitions asked for, checks every echoed byte, reports failures with their reason, and is gone after close().
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { EchoClientProcess } from '../../../bench/lib/echo-process.js'
import { readProcStat } from '../../../bench/lib/proc.js'
import { startDemoApp } from '../../helpers/extension-harness.js'
import { teardown } from '../../helpers/teardown.js'

test('warm-up echoes come before the measured ones, and only the asked-for repetitions are timed', async (t) => {
  const defer = teardown(t)
  const app = await startDemoApp(t)
  let echoes = 0
  app.server.on('request', () => echoes++)
  const client = EchoClientProcess.start()
  defer(() => client.close())
  let echoesBeforeMeasured: number | undefined
  const bodyBytes = 1024 * 1024 + 3
  const run = await client.run({ url: `http://127.0.0.1:${app.port}`, bodyBytes, warmupS: 0.2, repetitions: 3 }, () => {
    assert.equal(echoesBeforeMeasured, undefined, 'called once')
    echoesBeforeMeasured = echoes
  })
  assert.ok((echoesBeforeMeasured ?? 0) >= 1, 'at least one warm-up echo before the meters start')
  assert.equal(echoes - (echoesBeforeMeasured ?? 0), 3)
  assert.equal(run.seconds.length, 3)
  assert.equal(run.failures, 0)
  assert.equal(run.failure, undefined)
  assert.ok(run.seconds.every((seconds) => seconds > 0))
  assert.ok(run.clientCpuUs > 0)

  const pid = client.pid
  assert.ok(pid !== undefined && readProcStat(pid) !== undefined)
  await client.close()
  assert.equal(readProcStat(pid), undefined, 'the client process is gone after close()')
})

test('an echo that is refused or cut short counts as failed, with the reason', async (t) => {
  const defer = teardown(t)
  let served = 0
  const server = createServer((request, response) => {
    served++
    request.resume()
    if (served % 2 === 1) {
      response.writeHead(500).end('no')
      return
    }
    // The right status with too few bytes.
    request.once('end', () => response.writeHead(200).end('short'))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  defer(() => server.close())
  const client = EchoClientProcess.start()
  defer(() => client.close())
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const run = await client.run({ url, bodyBytes: 64 * 1024, warmupS: 0.01, repetitions: 2 }, () => undefined)
  assert.deepEqual(run.seconds, [])
  assert.equal(run.failures, 2)
  assert.match(run.failure ?? '', /^status (500|200), \d+ bytes/)
})

test('many runs on one client leave no listener behind on it', async (t) => {
  const defer = teardown(t)
  const app = await startDemoApp(t)
  const warnings: string[] = []
  const onWarning = (warning: Error): void => {
    warnings.push(warning.name)
  }
  process.on('warning', onWarning)
  defer(() => process.off('warning', onWarning))
  const client = EchoClientProcess.start()
  defer(() => client.close())
  const plan = { url: `http://127.0.0.1:${app.port}`, bodyBytes: 4096, warmupS: 0.001, repetitions: 1 }
  for (let run = 0; run < 15; run++) {
    assert.equal((await client.run(plan, () => undefined)).seconds.length, 1)
  }
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(warnings, [])
})
