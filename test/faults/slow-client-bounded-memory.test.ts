// Issue 6 item 3, fault matrix: a client asks for 64 MiB and then reads 1 byte a second. Back-pressure must reach
// the app through every hop (client socket → router → HTTP/2 stream window → extension → app socket), so neither the
// router (this process: the stack runs in-process) nor the extension buffers the body: their memory grows by a few
// MiB at most, and the app stops writing after the windows and socket buffers are full. When the client goes away the
// app request is aborted and nothing leaks.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import {
  assertPoolAtRest,
  closeAndAssertNoOrphans,
  type FaultStack,
  ONE_INSTANCE,
  onlyInstance,
  startFaultStack,
} from '../helpers/fault-stack.js'

const MIB = 1024 * 1024
const BODY_BYTES = 64 * MIB
const TARGET = `/bytes?n=${BODY_BYTES}`
// One read per second is the point of the case: pacing, not synchronisation.
const READ_INTERVAL_MS = 1000
const READS = 4
// The windows on the way: 4 MiB per HTTP/2 stream, plus socket buffers on three loopback connections and Node's
// stream buffers (measured: the app gets about 10 MiB ahead of the client, the extension grows by about 6 MiB, the
// router not at all). Anything near the body size would mean a hop stopped pushing back.
const MAX_APP_AHEAD_BYTES = 24 * MIB
const MAX_GROWTH_BYTES = 16 * MIB

function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  assert.ok(match, `VmRSS of ${pid}`)
  return Number(match[1]) * 1024
}

describe('a slow client reads a large response 1 byte a second', () => {
  let fault: FaultStack
  before(async () => {
    fault = await startFaultStack({
      faultApp: true,
      routerSettings: ONE_INSTANCE,
    })
  })
  after(() => fault.close())

  test('router and extension memory stay bounded, the app is held back by flow control, and its request is aborted when the client leaves', async (t) => {
    // Warm every hop (buffers, JIT) at full speed first, so the baseline is not a cold process.
    assert.equal((await fault.fetchText('/bytes?n=8388608')).body.length, 8 * MIB)
    const lambdaId = onlyInstance(fault)
    const extensionPid = fault.stack.lambda
      .environments(fault.stack.functionName)[0]
      ?.processes.find((process) => process.role === 'extension')?.pid
    assert.ok(extensionPid !== undefined)
    const routerBase = process.memoryUsage()
    const extensionBase = residentBytes(extensionPid)

    const appAborted = fault.app.next(
      (report) => report.event === 'aborted' && report.target === TARGET,
      fault.app.mark(),
    )
    const client = connect(fault.frontDoorPort, '127.0.0.1')
    client.on('error', () => {})
    t.after(() => client.destroy())
    client.pause()
    client.write(`GET ${TARGET} HTTP/1.1\r\nHost: slow.example\r\n\r\n`)
    const samples: { appBytes: number; routerRss: number; routerBuffers: number; extensionRss: number }[] = []
    for (let second = 0; second < READS; second++) {
      await new Promise((resolveTick) => setTimeout(resolveTick, READ_INTERVAL_MS))
      client.read(1)
      const progress = JSON.parse((await fault.fetchText('/fault/progress')).body) as {
        target: string
        bodyBytes: number
      }[]
      const memory = process.memoryUsage()
      samples.push({
        appBytes: progress.find((entry) => entry.target === TARGET)?.bodyBytes ?? 0,
        routerRss: memory.rss,
        routerBuffers: memory.arrayBuffers,
        extensionRss: residentBytes(extensionPid),
      })
    }
    const first = samples[0]
    const last = samples.at(-1)
    assert.ok(first && last)
    const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`
    const detail = samples
      .map((sample) => `app ${mib(sample.appBytes)}, router rss ${mib(sample.routerRss)}`)
      .join('; ')
    assert.ok(last.appBytes > 0, 'the app started writing')
    assert.ok(last.appBytes < MAX_APP_AHEAD_BYTES, `the app is held back: ${detail}`)
    assert.ok(last.appBytes - first.appBytes < MIB, `the app stopped writing once the windows were full: ${detail}`)
    for (const sample of samples) {
      assert.ok(sample.routerRss - routerBase.rss < MAX_GROWTH_BYTES, `router RSS stays bounded: ${detail}`)
      assert.ok(sample.routerBuffers - routerBase.arrayBuffers < MAX_GROWTH_BYTES, 'router buffers stay bounded')
      assert.ok(sample.extensionRss - extensionBase < MAX_GROWTH_BYTES, 'extension RSS stays bounded')
    }

    client.destroy()
    await appAborted
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    assert.equal(onlyInstance(fault), lambdaId)
    await assertPoolAtRest(fault)
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})
